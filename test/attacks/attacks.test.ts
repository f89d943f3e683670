import { beforeAll, describe, expect, it } from 'vitest';
import { tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/index.js';
import { buildMlp, cloneLockable } from '../../src/models/index.js';
import { evaluateClassifier, trainClassifier } from '../../src/train/index.js';
import { gainGuesses, outgoingWeightL1, valueKind } from '../../src/attacks/common.js';
import { pruningAttack, pruningLock } from '../../src/attacks/prune.js';
import { greedyAttack } from '../../src/attacks/greedy.js';
import { lockRegressionAttack } from '../../src/attacks/lock_regression.js';
import { rankNeurons, type Password } from '../../src/lock/index.js';
import { syntheticImages } from '../helpers/synthetic.js';

beforeAll(async () => {
  await initEngine();
});

describe('pruning attack', () => {
  it('ranks neurons by the L1 norm of their outgoing weights and zeroes the weakest', () => {
    const lockable = buildMlp({ inputShape: [3], numClasses: 2, hidden: [4], seed: 1 });
    const logits = lockable.model.getLayer('logits');
    const [, bias] = logits.getWeights();
    // Outgoing weights of fc1's 4 units: rows of the logits kernel [4, 2].
    logits.setWeights([tensor2d([[1, -1], [0.1, 0], [-3, 0], [0.2, 0.2]]), bias!]);
    expect(Array.from(outgoingWeightL1(lockable.model, lockable.lockPoints[0]!)!)).toEqual([2, 0.1, 3, 0.4].map(Math.fround));
    expect(pruningLock(lockable, 0.5).lockPoints[0]!.neurons).toEqual([1, 3]);
  });

  it('reports the accuracy a model has with the outgoing weights of its pruned neurons really zeroed', async () => {
    const data = syntheticImages({ n: 120, size: 8, seed: 2 });
    const lockable = buildMlp({ inputShape: data.sampleShape, numClasses: 4, hidden: [16, 8], seed: 2 });
    trainClassifier(lockable.model, data, { epochs: 4, batchSize: 16, seed: 2 });
    const results = pruningAttack(lockable, data, [0.3, 0.9]);
    expect(results.map((r) => r.ratio)).toEqual([0.3, 0.9]);
    for (const { ratio, accuracy } of results) {
      const pruned = await cloneLockable(lockable);
      for (const key of pruningLock(lockable, ratio).lockPoints) {
        const next = pruned.model.getLayer(key.layer === 'fc1' ? 'fc2' : 'logits');
        const [kernel, bias] = next.getWeights();
        const rows = kernel!.arraySync() as number[][];
        for (const n of key.neurons) rows[n] = rows[n]!.map(() => 0);
        next.setWeights([tensor2d(rows), bias!]);
      }
      expect(accuracy).toBeCloseTo(evaluateClassifier(pruned.model, data).accuracy, 6);
    }
  });
});

describe('greedy reverse engineering', () => {
  it('finds the neurons of a weak lock (zeroing, no lock training) and says so', () => {
    const data = syntheticImages({ n: 160, size: 8, seed: 4 });
    const lockable = buildMlp({ inputShape: data.sampleShape, numClasses: 4, hidden: [12], seed: 3 });
    trainClassifier(lockable.model, data, { epochs: 4, batchSize: 16, seed: 3 });
    const baseline = evaluateClassifier(lockable.model, data).accuracy;
    // A "protection" that was never lock-trained: the model already works without its password.
    const password: Password = { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 12, neurons: [0, 1], alpha: [0, 0], beta: [0, 0] }] };
    const result = greedyAttack(lockable, password, data, data, { maxQueries: 200 });
    expect(result.accuracy).toBeGreaterThanOrEqual(baseline - 0.05);
    expect(result.queries).toBeLessThanOrEqual(200);
    expect(result.neuronsTotal).toBe(2);
  });

  it('tries gains (alpha g, beta 0) only when asked; they undo a model whose units were turned upside down', () => {
    // Every fc1 unit's outgoing weights negated: a gain of -1 on each unit repairs it, no constant does.
    const { lockable, data, intact, broken } = rewiredMlp((w, b) => ({ w: w.map((row) => row.map((v) => -v)), b }));
    expect(broken).toBeLessThan(intact - 0.3);
    const neurons = [0, 1, 2, 3, 4, 5];
    const password: Password = { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 6, neurons, alpha: neurons.map(() => -1), beta: neurons.map(() => 0) }] };
    const steps: { alpha: number; beta: number }[] = [];
    const gained = greedyAttack(lockable, password, data, data, { maxQueries: 2000, perPoint: () => 6, gains: [-1, -2], onStep: (st) => steps.push(st) });
    const offsets = greedyAttack(lockable, password, data, data, { maxQueries: 2000, perPoint: () => 6 });
    expect(steps.filter((st) => st.alpha < 0 && st.beta === 0).length).toBeGreaterThanOrEqual(3);
    expect(gained.accuracy).toBeGreaterThanOrEqual(intact - 0.05);
    expect(gained.accuracy).toBeGreaterThan(offsets.accuracy);
  });
});

/**
 * A small MLP trained on synthetic images (one hidden layer `fc1` of 6 units), whose output layer is then rewired by
 * `rewire` (given its kernel, bias and each fc1 unit's mean activation, at least the layer's mean), so that only some
 * lock on fc1 repairs it.
 */
function rewiredMlp(rewire: (w: number[][], b: number[], m: number[]) => { w: number[][]; b: number[] }) {
  const data = syntheticImages({ n: 160, size: 8, seed: 4 });
  const lockable = buildMlp({ inputShape: data.sampleShape, numClasses: 4, hidden: [6], seed: 3 });
  trainClassifier(lockable.model, data, { epochs: 6, batchSize: 16, seed: 3 });
  const intact = evaluateClassifier(lockable.model, data).accuracy;
  const means = rankNeurons(lockable, data, { samples: 160 })[0]!.meanActivation;
  const layerMean = means.reduce((a, b) => a + b, 0) / means.length;
  const m = Array.from(means, (v) => Math.max(v, layerMean));
  const logits = lockable.model.getLayer('logits');
  const [kernel, bias] = logits.getWeights();
  const rewired = rewire(kernel!.arraySync() as number[][], bias!.arraySync() as number[], m);
  logits.setWeights([tensor2d(rewired.w), tensor1d(rewired.b)]);
  const broken = evaluateClassifier(lockable.model, data).accuracy;
  return { data, lockable, intact, broken, m };
}

describe('the kind of value a key uses (what a Kerckhoffs attacker guesses)', () => {
  it('tells offsets and gains apart', () => {
    const key = (alpha: number[], beta: number[]): Password => ({ version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 8, neurons: alpha.map((_, i) => i), alpha, beta }] });
    expect(valueKind(key([0, 0], [1.5, -2]))).toBe('offset');
    expect(valueKind(key([0, 0], [0, 0]))).toBe('offset'); // the reference lock: zeroing
    expect(valueKind(key([-2, -1.5], [3, 2.5]))).toBe('offset'); // gains with offsets: the offset searches
    expect(valueKind(key([2.5, 3], [0, 0]))).toBe('gain');
    expect(valueKind(key([-3, -2], [0, 0]))).toBe('gain');
    expect(gainGuesses(key([2.5, 3], [0, 0]))).toEqual([2, 3, 4]);
    expect(gainGuesses(key([-3, -2], [0, 0]))).toEqual([-2, -3, -4]);
  });
});

describe('lock-value regression', () => {
  it('fits a lock on every neuron by gradient: undoes a mis-wired layer that no constant repairs; 0 epochs is no lock', () => {
    // Every fc1 unit's outgoing weights negated: only alpha = -1 (or thereabouts) on each unit repairs it.
    const { lockable, data, intact, broken } = rewiredMlp((w, b) => ({ w: w.map((row) => row.map((v) => -v)), b }));
    expect(broken).toBeLessThan(intact - 0.3);
    const none = lockRegressionAttack(lockable, data, data, { epochs: 0 });
    expect(none.accuracy).toBeCloseTo(broken, 9);
    expect(none.found.lockPoints[0]!.alpha.every((a) => a === 1)).toBe(true);
    // Started from a guess, it takes the guess's values as they are: here the exact repair.
    const repair: Password = { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 6, neurons: [0, 1, 2, 3, 4, 5], alpha: [-1, -1, -1, -1, -1, -1], beta: [0, 0, 0, 0, 0, 0] }] };
    const started = lockRegressionAttack(lockable, data, data, { epochs: 0, init: repair });
    expect(started.found.lockPoints[0]!.alpha).toEqual(repair.lockPoints[0]!.alpha);
    expect(started.accuracy).toBeCloseTo(intact, 9);
    const fitted = lockRegressionAttack(lockable, data, data, { epochs: 40, learningRate: 0.05, seed: 1 });
    expect(fitted.samplesSeen).toBe(40 * 160);
    expect(fitted.accuracy).toBeGreaterThanOrEqual(intact - 0.05);
    expect(fitted.found.lockPoints[0]!.alpha.filter((a) => a < 0).length).toBeGreaterThanOrEqual(4);
  });
});
