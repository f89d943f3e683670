/**
 * The attack suite on tiny models: each attack's report has its shape, and a deliberately weak protection (lock
 * training for 0 epochs: the "protected" model works without any password) is reported as broken.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { stratifiedSplit } from '../../src/data/split.js';
import type { Dataset } from '../../src/data/types.js';
import { buildLeNet5, buildMlp, cloneLockable } from '../../src/models/index.js';
import type { LockableModel } from '../../src/models/types.js';
import { evaluateClassifier, lockTrain, protectModel, trainClassifier } from '../../src/train/index.js';
import type { Password } from '../../src/lock/index.js';
import { fineTuneAttack } from '../../src/attacks/finetune.js';
import { pruneAttack } from '../../src/attacks/prune.js';
import { reverseAttack } from '../../src/attacks/reverse.js';
import { evolutionarySearch } from '../../src/attacks/search.js';
import { transferAttack } from '../../src/attacks/transfer.js';
import { keySpace, log2Binomial, log2SumPow2 } from '../../src/attacks/keyspace.js';
import { freshCopy, layersToReinit, reinitLayers } from '../../src/attacks/tune.js';
import { loadEmbeddedMnist, sampleStratified } from '../../src/data/index.js';
import { syntheticImages } from '../helpers/synthetic.js';

/** Real digits and an MLP: small enough to lock-train in seconds, real enough for the lock to hold. */
async function digitsSetup(): Promise<{ train: Dataset; test: Dataset; baseline: LockableModel }> {
  const digits = stratifiedSplit(loadEmbeddedMnist(), { testSize: 300, seed: 1 });
  const train = sampleStratified(digits.train, 1000, 1);
  const baseline = buildMlp({ inputShape: train.sampleShape, numClasses: 10, hidden: [64, 32], seed: 5 });
  trainClassifier(baseline.model, train, { epochs: 5, batchSize: 32, seed: 5 });
  return { train, test: digits.test, baseline };
}
let digits: Promise<{ train: Dataset; test: Dataset; baseline: LockableModel }> | undefined;
const getDigits = () => (digits ??= digitsSetup());

let train: Dataset;
let test: Dataset;
let baseline: LockableModel;
/** Lock-trained for 0 epochs: the baseline's weights under a hardened password that was never taught. */
let weak: { protected: LockableModel; password: Password };

beforeAll(async () => {
  await initEngine();
  ({ train, test } = stratifiedSplit(syntheticImages({ n: 400, size: 8, seed: 5 }), { testSize: 100, seed: 5 }));
  baseline = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [16, 12], seed: 5 });
  trainClassifier(baseline.model, train, { epochs: 4, batchSize: 16, seed: 5 });
  weak = await protectModel(baseline, train, { epochs: 0, seed: 5, passwordRandomness: 'seed' });
});

describe('fine-tuning attack', () => {
  it('reports every arm and recipe, chooses on the attacker\'s held-out slice, and calls a lock that was never trained broken', async () => {
    expect(evaluateClassifier(baseline.model, test).accuracy).toBeGreaterThan(0.9);
    const recipes = [
      { name: 'adam-0.001', optimizer: 'adam' as const, learningRate: 0.001 },
      { name: 'reinit-last+adam-0.001', optimizer: 'adam' as const, learningRate: 0.001, reinit: 'last' as const },
    ];
    const result = await fineTuneAttack(weak.protected, train, test, { baseline, fractions: [0.1], recipes, epochs: 1, seed: 1 });
    expect(result).toMatchObject({ attack: 'finetune', selection: 'attacker-holdout', epochs: 1 });
    const [row] = result.results;
    expect(row).toMatchObject({ fraction: 0.1, samples: 30 });
    expect(row!.trainSamples + row!.holdoutSamples).toBe(30);
    expect(row!.arms.attacked!.recipes.map((r) => r.recipe)).toEqual(recipes.map((r) => r.name));
    // The control (a fresh model) runs the very same recipes.
    expect(row!.arms.scratch!.recipes.map((r) => r.recipe)).toEqual(recipes.map((r) => r.name));
    const chosen = row!.arms.attacked!.recipes.find((r) => r.recipe === row!.bestRecipe)!;
    expect(Math.max(...row!.arms.attacked!.recipes.map((r) => r.holdoutAccuracy))).toBe(chosen.holdoutAccuracy);
    expect(row!.attackedAccuracy).toBe(chosen.testAccuracy);
    expect(row!.unprotectedFinetuneAccuracy).toBeGreaterThan(0.9);
    // One Adam step from scratch is near chance; the never-locked model is already accurate.
    expect(row!.scratchAccuracy).toBeLessThan(0.6);
    expect(row!.attackedAccuracy).toBeGreaterThan(0.9);
    expect(row!.holds).toBe(false);
    expect(result.holds).toBe(false);
  });

  it('a fresh copy has the same architecture and new weights; re-initialising changes only the output layer or the dense head', async () => {
    const fresh = await freshCopy(baseline, 9);
    expect(fresh.model.layers.map((l) => l.name)).toEqual(baseline.model.layers.map((l) => l.name));
    expect(fresh.lockPoints).toEqual(baseline.lockPoints);
    expect(evaluateClassifier(fresh.model, test).accuracy).toBeLessThan(0.7);
    const copy = await cloneLockable(baseline);
    const before = copy.model.getWeights().map((w) => Array.from(w.dataSync()));
    reinitLayers(copy, 'last', 3);
    const after = copy.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after[4]).not.toEqual(before[4]);
    // LeNet-5's dense head is fc1, fc2 and logits; the conv layers are kept.
    const lenet = buildLeNet5({ seed: 1 });
    expect(layersToReinit(lenet, 'head').map((l) => l.name)).toEqual(['logits', 'fc2', 'fc1']);
    expect(layersToReinit(lenet, 'last').map((l) => l.name)).toEqual(['logits']);
    const names = lenet.model.weights.map((w) => w.originalName);
    const lenetBefore = lenet.model.getWeights().map((w) => Array.from(w.dataSync()));
    reinitLayers(lenet, 'head', 4);
    const lenetAfter = lenet.model.getWeights().map((w) => Array.from(w.dataSync()));
    names.forEach((name, i) => {
      if (name.startsWith('conv')) expect(lenetAfter[i]).toEqual(lenetBefore[i]);
      else if (name.endsWith('kernel')) expect(lenetAfter[i]).not.toEqual(lenetBefore[i]);
    });
  });
});

describe('pruning attack', () => {
  it('reports accuracy with and without a short fine-tune, and a lock that was never trained as broken', async () => {
    const result = await pruneAttack(weak.protected, train, test, { ratios: [0.1, 0.5], finetuneFraction: 0.1, finetuneEpochs: 2, seed: 1 });
    expect(result).toMatchObject({ attack: 'prune', finetuneSamples: 30, finetuneEpochs: 2 });
    expect(result.results.map((r) => r.ratio)).toEqual([0.1, 0.5]);
    for (const r of result.results) {
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracyAfterFinetune).toBeLessThanOrEqual(1);
    }
    expect(result.results[0]!.accuracy).toBeGreaterThan(0.5);
    expect(result.results[0]!.holds).toBe(false);
    expect(result.holds).toBe(false);
  });
});

describe('reverse engineering', () => {
  it('greedy and whole-password search report accuracy, queries and neurons found; a never-trained lock is broken', async () => {
    // Four labels: this synthetic task is so easy that eight train a fresh model to 100%, and the stolen model is
    // then worth no more than the labels.
    const result = await reverseAttack(weak.protected, weak.password, train, test, { samples: 4, greedyQueries: 30, searchBudget: 3000, seed: 1 });
    expect(result).toMatchObject({ attack: 'reverse', results: { attackerSamples: 4, queries: 30, neuronsTotal: 2 + 2 } });
    const r = result.results;
    expect(result.search.forwardPasses).toBeLessThanOrEqual(3000);
    expect(r.forwardPasses).toBe(30 * 4 + result.search.forwardPasses);
    // The yardsticks: plain training and the same stages on the control, with the same four labels.
    expect(result.scratch.samples).toBe(4);
    expect(result.holdsAtOrBelow).toBeCloseTo(Math.max(result.brokenAbove, result.scratch.accuracy + 0.01, result.control.accuracy + 0.01), 12);
    expect(r.accuracy).toBeGreaterThan(result.holdsAtOrBelow);
    expect(r.neuronsFound).toBeLessThanOrEqual(r.neuronsTotal);
    expect(r.keySpaceBits).toBeCloseTo(result.keySpace.neuronChoiceBits + result.keySpace.valueBits, 9);
    expect(r.onePointAtATimeBits).toBeLessThanOrEqual(r.keySpaceBits);
    expect(r.effectiveBits).toBeLessThanOrEqual(r.keySpaceBits + 1e-9);
    expect(result.regression?.epochs).toBe(30);
    expect(r.accuracy).toBe(Math.max(result.greedy.accuracy, result.search.accuracy, result.regression!.accuracy));
    expect(r.accuracy).toBeGreaterThan(0.5);
    expect(result.holds).toBe(false);
  });

  it('the whole-password search finds a lock that matters (the reference lock, lock-trained)', async () => {
    // Zeroing is the reference lock; a lock-trained model answers at chance without it, and a random guess of
    // the right shape tends to zero enough of the same kind of neuron to unlock it (docs/PROTECTION.md).
    const { train, test, baseline } = await getDigits();
    const { protected: locked, password } = await protectModel(baseline, train, { epochs: 6, seed: 11, batchSize: 32, passwordRandomness: 'seed', password: { strategy: 'reference' } });
    const unauthorized = evaluateClassifier(locked.model, test).accuracy;
    expect(unauthorized).toBeLessThan(0.5);
    const search = evolutionarySearch(locked, password, sampleStratified(train, 300, 2), test, { budget: 8000, samplesPerEval: 40, seed: 3 });
    expect(search.forwardPasses).toBeLessThanOrEqual(8000);
    expect(search.accuracy).toBeGreaterThan(unauthorized + 0.25);
  });

  it('key space: LeNet-5\'s reference password is about 58 bits, all neuron choice, and separable by lock point', () => {
    expect(log2Binomial(10, 3)).toBeCloseTo(Math.log2(120), 9);
    expect(log2SumPow2([3, 3])).toBeCloseTo(4, 9);
    const { lockPoints } = buildLeNet5({ seed: 0 });
    const key = (values: (n: number) => number): Password => ({
      version: 1,
      lockPoints: lockPoints.map((p) => {
        const neurons = Array.from({ length: Math.floor(p.size * 0.1) + 1 }, (_, i) => i);
        return { layer: p.layer, kind: p.kind, size: p.size, neurons, alpha: neurons.map(() => 0), beta: neurons.map(values) };
      }),
    });
    const reference = keySpace(key(() => 0), { topFraction: 0.3 });
    expect(reference.valueBits).toBe(0);
    expect(reference.keySpaceBits).toBeGreaterThan(56);
    expect(reference.keySpaceBits).toBeLessThan(60);
    expect(reference.onePointAtATimeBits).toBeLessThan(reference.perPoint[2]!.bits + 1);
    // The hardened selection draws from the whole ranking: 104 bits of neuron choice (docs/PROTECTION.md).
    expect(keySpace(key(() => 0)).neuronChoiceBits).toBeCloseTo(104.2, 1);
    // Signed values: a sign bit per neuron plus log2(ln 2 / ln(1.1/0.9)) ~ 1.79 bits of magnitude at ±10%.
    const signed = keySpace(key((n) => (n % 2 === 0 ? 1 : -1) * 3), { valueTolerance: 0.1 });
    expect(signed.valueBits).toBeCloseTo(25 * (1 + Math.log2(Math.log(2) / Math.log(1.1 / 0.9))), 6);
  });
});

describe('password transfer', () => {
  it('another model lock-trained with the same password is unlocked by it (broken); one with its own password is not unlocked by a stranger\'s', async () => {
    const { train, test, baseline } = await getDigits();
    const options = { epochs: 6, batchSize: 32, optimizer: 'adam' as const, learningRate: 3e-3, decoyShare: 0.5 };
    const a = await protectModel(baseline, train, { ...options, seed: 11, passwordRandomness: 'seed' });
    const sameKey = await cloneLockable(baseline);
    lockTrain(sameKey, a.password, train, { ...options, seed: 12 });
    const reused = transferAttack(sameKey, a.password, test);
    expect(reused).toMatchObject({ attack: 'transfer', holds: false });
    expect(reused.results.accuracy).toBeGreaterThan(0.5);
    const b = await protectModel(baseline, train, { ...options, seed: 13, passwordRandomness: 'seed' });
    const other = transferAttack(b.protected, a.password, test, { passwordB: b.password });
    expect(other.results.ownPasswordAccuracy).toBeGreaterThan(0.75);
    expect(other.results.accuracy).toBeLessThan(other.results.ownPasswordAccuracy! - 0.3);
  });
});
