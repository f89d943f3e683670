/**
 * The substitute attack on tiny models: substitutes fill exactly the sealed layers, a substitute that does not fit is
 * refused with its code, the report has every budget and recipe beside the all-sealed control and from-scratch, and a
 * model that is neither sealed nor lock-trained is reported as not holding.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { stratifiedSplit } from '../../src/data/split.js';
import type { Dataset } from '../../src/data/types.js';
import { buildLeNet5 } from '../../src/models/index.js';
import type { LockableModel } from '../../src/models/types.js';
import { thiefView } from '../../src/attacks/thief.js';
import { ADAPTIVE_FROM_SEARCH_RECIPE, ADAPTIVE_RECIPE, SEARCH_RECIPE, substituteAttack, substituteControl, type SubstituteRow } from '../../src/attacks/substitute.js';
import type { Password } from '../../src/lock/password.js';
import { copySealedWeights, trainSubstitute } from '../../src/attacks/substitute_weights.js';
import { lockRegressionAttack } from '../../src/attacks/lock_regression.js';
import { runAttackSuite, selfContainedTarget } from '../../src/attacks/suite.js';
import type { Recipe } from '../../src/attacks/tune.js';
import { trainClassifier } from '../../src/train/index.js';
import { syntheticImages } from '../helpers/synthetic.js';

let train: Dataset;
let test: Dataset;
/** Another "public" dataset of the same shape and classes. */
let other: Dataset;
let owner: LockableModel;
const SEALED = ['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias'];
const RECIPES: Recipe[] = [
  { name: 'adam-0.001', optimizer: 'adam', learningRate: 0.001 },
  { name: 'reinit-head+adam-0.001', optimizer: 'adam', learningRate: 0.001, reinit: 'head' },
];

/** The rule a row is judged by, restated from its fields. */
const judged = (row: SubstituteRow, margin = 0.01) =>
  (!row.attacked.usesClearWeights || row.attacked.accuracy <= row.control.accuracy + margin) &&
  (row.clearCeiling === undefined || row.clearCeiling.accuracy <= row.control.ceiling.accuracy + margin);

/** The scheme's public shape for the search: two neurons at every lock point (values are never read). */
const shapeOf = (model: LockableModel): Password => ({
  version: 1,
  lockPoints: model.lockPoints.map((p) => ({ layer: p.layer, kind: p.kind, size: p.size, neurons: [0, 1], alpha: [0, 0], beta: [1, 1] })),
});

const values = (model: LockableModel) => new Map(model.model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));

beforeAll(async () => {
  await initEngine();
  ({ train, test } = stratifiedSplit(syntheticImages({ n: 300, size: 16, seed: 3 }), { testSize: 80, seed: 3 }));
  other = syntheticImages({ n: 120, size: 16, seed: 9, name: 'other' });
  owner = buildLeNet5({ inputShape: [16, 16, 1], numClasses: 4, seed: 1 });
  trainClassifier(owner.model, train, { epochs: 1, batchSize: 16, seed: 1 });
});

describe('substitute layers', () => {
  it('are trained and copied into exactly the sealed weights; the clear weights stay as the thief holds them', async () => {
    const stolen = await thiefView(owner, SEALED, 0);
    const before = values(stolen);
    const substitute = await trainSubstitute(stolen, other, { epochs: 1, seed: 2 });
    const trained = values(substitute);
    // Trained: not the thief's fresh draws.
    expect(trained.get('conv1/kernel')).not.toEqual(before.get('conv1/kernel'));
    copySealedWeights(stolen, substitute, SEALED);
    const after = values(stolen);
    for (const [name, was] of before) {
      if (SEALED.includes(name)) expect(after.get(name), name).toEqual(trained.get(name));
      else expect(after.get(name), name).toEqual(was);
    }
    for (const m of [stolen, substitute]) m.model.dispose();
  });

  it('that do not fit are refused with ERR_SUBSTITUTE_MISMATCH', async () => {
    const stolen = await thiefView(owner, SEALED, 0);
    const wide = buildLeNet5({ inputShape: [16, 16, 1], numClasses: 7, seed: 1 });
    // The output layer has 7 units in one and 4 in the other.
    expect(() => copySealedWeights(stolen, wide, ['logits/kernel'])).toThrow(expect.objectContaining({ code: 'ERR_SUBSTITUTE_MISMATCH' }));
    expect(() => copySealedWeights(stolen, wide, ['nowhere/kernel'])).toThrow(expect.objectContaining({ code: 'ERR_SUBSTITUTE_MISMATCH' }));
    const small = syntheticImages({ n: 40, size: 12, seed: 4 });
    await expect(trainSubstitute(stolen, small, { epochs: 1 })).rejects.toMatchObject({ code: 'ERR_SUBSTITUTE_MISMATCH' });
    const moreClasses = syntheticImages({ n: 40, size: 16, numClasses: 9, seed: 4 });
    await expect(substituteAttack(stolen, train, test, { sealed: SEALED, publicData: moreClasses, budgets: [{ labels: 8 }], recipes: RECIPES, epochs: 1 })).rejects.toMatchObject({
      code: 'ERR_SUBSTITUTE_MISMATCH',
    });
    await expect(substituteAttack(stolen, train, test, { sealed: ['conv9/kernel'], budgets: [{ labels: 8 }], recipes: RECIPES, epochs: 1 })).rejects.toMatchObject({
      code: 'ERR_SUBSTITUTE_MISMATCH',
    });
    for (const m of [stolen, wide]) m.model.dispose();
  });
});

describe('substitute attack', () => {
  it('reports every budget and every sealed × clear recipe, beside the all-sealed control and from scratch', async () => {
    const stolen = await thiefView(owner, SEALED, 0);
    const before = values(stolen);
    const runs: string[] = [];
    const result = await substituteAttack(stolen, train, test, {
      sealed: SEALED,
      publicData: other,
      publicEpochs: 1,
      budgets: [{ labels: 8 }, { fraction: 0.2 }],
      recipes: RECIPES,
      epochs: 1,
      seed: 1,
      onRun: (r) => runs.push(`${r.arm} ${r.recipe}`),
    });
    expect(result).toMatchObject({ attack: 'substitute', selection: 'attacker-holdout', sealedRecipes: ['fresh', 'own-share', 'public'], public: { dataset: 'other', samples: 120, epochs: 1 }, epochs: 1 });
    expect(result.sealed.weights).toBe(4);
    expect(result.sealed.share).toBeGreaterThan(0);
    expect(result.results.map((r) => [r.budget, r.samples])).toEqual([
      [{ labels: 8 }, 8],
      [{ fraction: 0.2 }, 44],
    ]);
    const combos = ['fresh', 'own-share', 'public'].flatMap((s) => [...RECIPES.map((r) => r.name), ADAPTIVE_RECIPE].map((r) => `${s}/${r}`));
    expect(result.adaptive).toEqual({ learningRate: 0.01 });
    for (const row of result.results) {
      expect(row.trainSamples + row.holdoutSamples).toBe(row.samples);
      expect(row.attacked.recipes.map((r) => `${r.sealedRecipe}/${r.recipe}`)).toEqual(combos);
      expect(row.control.recipes.map((r) => `${r.sealedRecipe}/${r.recipe}`)).toEqual(combos);
      expect(combos).toContain(row.attacked.bestRecipe);
      // The clear weights here are the dense head: a run that re-initialises it keeps none of them.
      for (const o of row.attacked.recipes) expect(o.usesClearWeights, `${o.sealedRecipe}/${o.recipe}`).toBe(!o.recipe.startsWith('reinit-head'));
      expect(row.control.recipes.every((o) => !o.usesClearWeights)).toBe(true);
      // Scratch is the control's fresh recipe alone.
      const fresh = row.control.recipes.filter((r) => r.sealedRecipe === 'fresh');
      expect(fresh.map((r) => r.testAccuracy)).toContain(row.scratchAccuracy);
      expect(row.scratchBestRecipe.startsWith('fresh/')).toBe(true);
      // The ceilings are the best test accuracy of any run; the clear ceiling, of the runs that keep a clear weight.
      expect(row.attacked.ceiling.accuracy).toBe(Math.max(...row.attacked.recipes.map((o) => o.testAccuracy)));
      expect(row.control.ceiling.accuracy).toBe(Math.max(...row.control.recipes.map((o) => o.testAccuracy)));
      expect(row.clearCeiling!.accuracy).toBe(Math.max(...row.attacked.recipes.filter((o) => o.usesClearWeights).map((o) => o.testAccuracy)));
      expect(row.holds).toBe(judged(row));
      expect(row.withinScratch).toBe(row.attacked.accuracy <= row.scratchAccuracy + 0.01);
    }
    expect(result.holds).toBe(result.results.every((r) => r.holds));
    expect(runs.length).toBe(2 * (combos.length * 2));
    // Nothing passed in is modified.
    expect(values(stolen)).toEqual(before);
    stolen.model.dispose();
  });

  it('shares one all-sealed control across sealed sets, and refuses a control made with other options', async () => {
    const options = { publicData: other, publicEpochs: 1, budgets: [{ labels: 12 }], recipes: RECIPES.slice(0, 1), epochs: 1, seed: 2 };
    const control = await substituteControl(owner, train, test, options);
    const convs = await thiefView(owner, SEALED, 2);
    const head = await thiefView(owner, ['logits/kernel', 'logits/bias'], 2);
    const a = await substituteAttack(convs, train, test, { ...options, sealed: SEALED, control });
    const b = await substituteAttack(head, train, test, { ...options, sealed: ['logits/kernel', 'logits/bias'], control });
    // Computed on its own, the control is the same: it depends on neither the weights nor what is sealed.
    const own = await substituteAttack(convs, train, test, { ...options, sealed: SEALED });
    for (const r of [a, b]) expect(r.results[0]!.control).toEqual(own.results[0]!.control);
    expect(a.results[0]!.attacked).toEqual(own.results[0]!.attacked);
    await expect(substituteAttack(convs, train, test, { ...options, budgets: [{ labels: 16 }], sealed: SEALED, control })).rejects.toMatchObject({ code: 'ERR_SUBSTITUTE_MISMATCH' });
    control.dispose();
    for (const m of [convs, head]) m.model.dispose();
  });

  it('runs the search on top of the substitute layers, and the adaptive thief from its find', async () => {
    const stolen = await thiefView(owner, SEALED, 0);
    const result = await substituteAttack(stolen, train, test, {
      sealed: SEALED, search: { shape: shapeOf(owner), budget: 2_000 }, budgets: [{ labels: 20 }], recipes: RECIPES.slice(0, 1), epochs: 1,
    });
    expect(result.search).toEqual({ budget: 2_000 });
    const row = result.results[0]!;
    // Not on the fresh draws (nothing to search on), on the own-share substitute, in both arms.
    const expected = ['fresh/adam-0.001', `fresh/${ADAPTIVE_RECIPE}`, 'own-share/adam-0.001', `own-share/${ADAPTIVE_RECIPE}`, `own-share/${SEARCH_RECIPE}`, `own-share/${ADAPTIVE_FROM_SEARCH_RECIPE}`];
    expect(row.attacked.recipes.map((r) => `${r.sealedRecipe}/${r.recipe}`)).toEqual(expected);
    expect(row.control.recipes.map((r) => `${r.sealedRecipe}/${r.recipe}`)).toEqual(expected);
    for (const o of row.attacked.recipes) expect(o.testAccuracy).toBeGreaterThanOrEqual(0);
    // With nothing sealed the search runs on the model as the thief holds it.
    const clear = await thiefView(owner, [], 0);
    const plain = await substituteAttack(clear, train, test, { sealed: [], search: { shape: shapeOf(owner), budget: 2_000 }, budgets: [{ labels: 20 }], recipes: RECIPES.slice(0, 1), epochs: 1 });
    expect(plain.results[0]!.attacked.recipes.map((r) => r.recipe)).toEqual(['adam-0.001', ADAPTIVE_RECIPE, SEARCH_RECIPE, ADAPTIVE_FROM_SEARCH_RECIPE]);
    expect(plain.results[0]!.attacked.recipes.every((r) => r.usesClearWeights)).toBe(true);
    await expect(substituteAttack(clear, train, test, { sealed: [], adaptive: false, search: { shape: shapeOf(owner) }, budgets: [{ labels: 20 }], recipes: RECIPES, epochs: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    for (const m of [stolen, clear]) m.model.dispose();
  });

  it('leaves the adaptive thief out on request', async () => {
    const stolen = await thiefView(owner, SEALED, 0);
    const result = await substituteAttack(stolen, train, test, { sealed: SEALED, adaptive: false, budgets: [{ labels: 8 }], recipes: RECIPES.slice(0, 1), epochs: 1 });
    expect(result.adaptive).toBeUndefined();
    expect(result.results[0]!.attacked.recipes.map((r) => `${r.sealedRecipe}/${r.recipe}`)).toEqual(['fresh/adam-0.001', 'own-share/adam-0.001']);
    stolen.model.dispose();
  });

  it("adaptive: lock regression trains exactly the sealed weights with the lock; the clear ones stay frozen", async () => {
    const stolen = await thiefView(owner, SEALED, 0);
    const before = values(stolen);
    lockRegressionAttack(stolen, train, test, { epochs: 1, trainWeights: SEALED, seed: 1 });
    const after = values(stolen);
    for (const [name, was] of before) {
      if (SEALED.includes(name)) expect(after.get(name), name).not.toEqual(was);
      else expect(after.get(name), name).toEqual(was);
    }
    expect(() => lockRegressionAttack(stolen, train, test, { epochs: 1, trainWeights: ['nowhere/kernel'] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    stolen.model.dispose();
  });

  it("audits protect's auto seal: the target seals what auto chose (all: no partial seal is measured to hold yet)", async () => {
    const target = await selfContainedTarget(train, { architecture: 'lenet5', epochs: 1, lockEpochs: 1, seal: 'auto', seed: 5 });
    expect([...target.sealedWeights!].sort()).toEqual(target.protected.model.weights.map((w) => w.originalName).sort());
    expect(target.sealed.share).toBe(1);
    target.protected.model.dispose();
    target.baseline?.model.dispose();
  });

  it('calls a model that is neither sealed nor lock-trained broken, through the suite', async () => {
    const target = await selfContainedTarget(train, { architecture: 'mlp', epochs: 4, lockEpochs: 0, seal: 'none', seed: 5 });
    expect(target.sealedWeights).toEqual([]);
    const { results, holds, seconds } = await runAttackSuite(target, train, test, {
      attacks: ['substitute'],
      seed: 1,
      // Without the adaptive thief (which reaches 100% from scratch on these easy images), so that the control stays weak.
      substitute: { budgets: [{ labels: 8 }], recipes: [{ name: 'adam-0.0001', optimizer: 'adam', learningRate: 0.0001 }], epochs: 1, adaptive: false },
    });
    expect(results).toHaveLength(1);
    const [result] = results;
    if (result?.attack !== 'substitute') throw new Error('expected the substitute attack');
    // Nothing sealed: only the fresh (as held) recipe applies.
    expect(result.sealedRecipes).toEqual(['fresh']);
    expect(result.results[0]!.attacked.accuracy).toBeGreaterThan(result.results[0]!.scratchAccuracy + 0.2);
    expect(result.holds).toBe(false);
    expect(holds).toBe(false);
    expect(seconds.substitute).toBeGreaterThan(0);
    target.protected.model.dispose();
    target.baseline?.model.dispose();
  });
});
