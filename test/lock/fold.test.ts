import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { planFolds, unlockModel } from '../../src/lock/fold.js';
import { generatePassword } from '../../src/lock/generate.js';
import { buildLockGraph } from '../../src/lock/lock_graph.js';
import type { Password } from '../../src/lock/password.js';
import { rankNeurons } from '../../src/lock/rank.js';
import { buildLeNet5 } from '../../src/models/lenet5.js';
import { describeLockPoint } from '../../src/models/lock_points.js';
import { buildMlp } from '../../src/models/mlp.js';
import { buildResNet } from '../../src/models/resnet.js';
import type { LockableModel } from '../../src/models/types.js';
import { createRng } from '../../src/util/rng.js';
import { compare, lockGraphOutput, predictFlat, randomDataset } from './helpers.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

afterAll(async () => {
  await initEngine({ backend: 'wasm' });
});

function randomPassword(lockable: LockableModel, seed: number): Password {
  const shape = lockable.model.inputs[0]!.shape.slice(1) as number[];
  const ranking = rankNeurons(lockable, randomDataset(shape, 16, seed + 100), { samples: 16 });
  // gamma 0.3 so that every lock point has several neurons, and both signs of alpha turn up.
  return generatePassword(lockable, ranking, { strategy: 'random', seed, gamma: 0.3, topFraction: 0.6, alphaMin: -1.5, alphaMax: 1.5, betaMin: -1, betaMax: 1 });
}

/** Unlocks with a random password and checks: folded == lock graph, original unchanged, nothing leaked. */
function checkUnlock(lockable: LockableModel, seed: number, expected: { folded: string[]; applied: string[] }): void {
  const shape = lockable.model.inputs[0]!.shape.slice(1) as number[];
  const ds = randomDataset(shape, 6, seed);
  const password = randomPassword(lockable, seed);
  const alphas = password.lockPoints.flatMap((k) => k.alpha);
  expect(alphas.some((a) => a < 0)).toBe(true);
  expect(password.lockPoints.flatMap((k) => k.beta).some((b) => b !== 0)).toBe(true);

  const plainBefore = predictFlat(lockable.model, ds);
  const graph = buildLockGraph(lockable);
  const reference = lockGraphOutput(graph, lockable, password, ds);

  const tensorsBefore = tf.memory().numTensors;
  const unlocked = unlockModel(lockable, password);
  expect({ folded: [...unlocked.folded].sort(), applied: [...unlocked.applied].sort() }).toEqual({
    folded: [...expected.folded].sort(),
    applied: [...expected.applied].sort(),
  });
  const out = predictFlat(unlocked.model, ds);
  const { maxDiff, maxRef } = compare(out, reference);
  expect(maxDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, maxRef));

  // The lock changes the outputs (else the comparison above proves nothing)...
  expect(compare(plainBefore, reference).maxDiff).toBeGreaterThan(1e-3);
  // ...and unlocking did not change the original model.
  expect(predictFlat(lockable.model, ds)).toEqual(plainBefore);
  const unlockedLayers = new Set(unlocked.model.layers);
  expect(lockable.model.layers.some((l) => unlockedLayers.has(l))).toBe(false);

  unlocked.model.dispose();
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  // Disposing the unlocked model left the original's weights alone.
  expect(predictFlat(lockable.model, ds)).toEqual(plainBefore);
}

describe('unlockModel (wasm)', () => {
  it('LeNet-5: every lock point folds (pool1 -> conv2 valid, pool2 -> flatten -> fc1, fc1 -> fc2, fc2 -> logits)', () => {
    const lockable = buildLeNet5({ inputShape: [28, 28, 1], seed: 11 });
    checkUnlock(lockable, 1, { folded: ['pool1', 'pool2', 'fc1', 'fc2'], applied: [] });
  });

  it('MLP: hidden layers fold into the next dense layer', () => {
    const lockable = buildMlp({ inputShape: [6, 6, 1], hidden: [24, 16, 12], seed: 12 });
    checkUnlock(lockable, 2, { folded: ['fc1', 'fc2', 'fc3'], applied: [] });
  });

  it('ResNet: locks with a shift that would reach a padded conv are applied as ops; the last folds through global pooling', () => {
    const lockable = buildResNet({ inputShape: [8, 8, 1], widths: [4, 6, 8], seed: 13 });
    checkUnlock(lockable, 3, { folded: ['block3_out'], applied: ['stem_relu', 'block1_relu1', 'block2_out'] });
  });

  it('custom graph: dropout in the path, consumers without bias, a padded consumer and a locked linear model output', () => {
    const build = (padding: 'valid' | 'same'): LockableModel => {
      let seed = 20;
      const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
      const input = tfl.input({ shape: [7, 7, 2], name: 'input' });
      let h = tfl.layers.conv2d({ name: 'c1', filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: init(), biasInitializer: 'ones' }).apply(input) as tfl.SymbolicTensor;
      h = tfl.layers.dropout({ name: 'drop', rate: 0.5 }).apply(h) as tfl.SymbolicTensor;
      h = tfl.layers.conv2d({ name: 'c2', filters: 4, kernelSize: 2, strides: 2, padding, useBias: false, activation: 'relu', kernelInitializer: init() }).apply(h) as tfl.SymbolicTensor;
      h = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tfl.SymbolicTensor;
      h = tfl.layers.dense({ name: 'd1', units: 5, activation: 'relu', kernelInitializer: init() }).apply(h) as tfl.SymbolicTensor;
      h = tfl.layers.dense({ name: 'd2', units: 4, useBias: false, kernelInitializer: init() }).apply(h) as tfl.SymbolicTensor;
      const model = tfl.model({ inputs: input, outputs: h });
      return { architecture: 'custom', model, lockPoints: ['c1', 'c2', 'd1', 'd2'].map((n) => describeLockPoint(model, n)) };
    };
    // d2 is a linear Dense: its own lock folds into its kernel's columns and (new) bias.
    checkUnlock(build('valid'), 4, { folded: ['c1', 'c2', 'd1', 'd2'], applied: [] });
    checkUnlock(build('same'), 5, { folded: ['c2', 'd1', 'd2'], applied: ['c1'] });
  });

  it('a Sequential model, and the unlocked model outlives the original', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ name: 's1', inputShape: [5], units: 7, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
        tfl.layers.dense({ name: 's2', units: 6, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
        tfl.layers.dense({ name: 's3', units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
      ],
    });
    const lockable: LockableModel = { architecture: 'custom', model, lockPoints: ['s1', 's2', 's3'].map((n) => describeLockPoint(model, n)) };
    checkUnlock(lockable, 6, { folded: ['s1', 's2', 's3'], applied: [] });
    const ds = randomDataset([5], 4, 6);
    const password = randomPassword(lockable, 6);
    const reference = lockGraphOutput(buildLockGraph(lockable), lockable, password, ds);
    const unlocked = unlockModel(lockable, password);
    model.dispose();
    const { maxDiff, maxRef } = compare(predictFlat(unlocked.model, ds), reference);
    expect(maxDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, maxRef));
    unlocked.model.dispose();
  });

  it('folds a reference (alpha 0) password too, with no op left in LeNet-5', () => {
    const lockable = buildLeNet5({ inputShape: [16, 16, 1], seed: 14 });
    const ds = randomDataset([16, 16, 1], 5, 9);
    const password = generatePassword(lockable, rankNeurons(lockable, ds, {}), { strategy: 'reference', seed: 9 });
    const reference = lockGraphOutput(buildLockGraph(lockable), lockable, password, ds);
    const unlocked = unlockModel(lockable, password);
    expect(unlocked.model.layers.map((l) => l.getClassName())).toEqual(lockable.model.layers.map((l) => l.getClassName()));
    const { maxDiff, maxRef } = compare(predictFlat(unlocked.model, ds), reference);
    expect(maxDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, maxRef));
    unlocked.model.dispose();
  });
});

/** A password of constants (alpha 0, the shipped strategies' lock) or of positive scales, on a third of each point's neurons. */
function craftedPassword(lockable: LockableModel, seed: number, kind: 'constant' | 'scale'): Password {
  const rng = createRng(seed);
  return {
    version: 1,
    lockPoints: lockable.lockPoints.map((p) => {
      const neurons = Array.from({ length: p.size }, (_, i) => i).filter((i) => i % 3 === seed % 3);
      return {
        layer: p.layer,
        kind: p.kind,
        size: p.size,
        neurons,
        alpha: neurons.map(() => (kind === 'constant' ? 0 : Math.fround(0.5 + rng.next()))),
        // Both signs, so that the sign of a constant has to travel into the readers.
        beta: neurons.map((_, i) => (kind === 'constant' ? Math.fround((i % 2 === 0 ? -1 : 1) * (0.5 + rng.next())) : 0)),
      };
    }),
  };
}

/** Every lock folds: no lock op in the unlocked model, and it computes what the lock graph computes. */
function checkExactFold(lockable: LockableModel, password: Password, seed: number): void {
  const shape = lockable.model.inputs[0]!.shape.slice(1) as number[];
  const ds = randomDataset(shape, 6, seed);
  const plainBefore = predictFlat(lockable.model, ds);
  const reference = lockGraphOutput(buildLockGraph(lockable), lockable, password, ds);
  const unlocked = unlockModel(lockable, password);
  expect(unlocked.applied).toEqual([]);
  expect(unlocked.model.layers.map((l) => l.getClassName())).toEqual(lockable.model.layers.map((l) => l.getClassName()));
  const { maxDiff, maxRef } = compare(predictFlat(unlocked.model, ds), reference);
  expect(maxDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, maxRef));
  expect(compare(plainBefore, reference).maxDiff).toBeGreaterThan(1e-3);
  expect(predictFlat(lockable.model, ds)).toEqual(plainBefore);
  unlocked.model.dispose();
}

describe('unlockModel: exact folds through batch norms, ReLUs, residual adds and padded convs', () => {
  it('ResNet: every lock of the shipped strategies folds, with no op left', () => {
    const lockable = buildResNet({ inputShape: [8, 8, 1], widths: [4, 6, 8], seed: 15 });
    const ds = randomDataset([8, 8, 1], 16, 7);
    const ranking = rankNeurons(lockable, ds, { samples: 16 });
    for (const [i, strategy] of (['hardened', 'paper', 'reference'] as const).entries()) {
      const password = generatePassword(lockable, ranking, { strategy, seed: 20 + i });
      if (strategy === 'hardened') expect(password.lockPoints.flatMap((k) => k.beta).some((b) => b < 0)).toBe(true);
      expect(planFolds(lockable.model, password).map((p) => p.how)).toEqual(
        strategy === 'reference' ? ['through-relu', 'next-layer', 'through-relu', 'next-layer'] : ['through-relu', 'through-relu', 'through-relu', 'next-layer'],
      );
      checkExactFold(lockable, password, 30 + i);
    }
    checkExactFold(lockable, craftedPassword(lockable, 4, 'scale'), 34);
  });

  it('a converter-style graph: BatchNorm, DepthwiseConv2D, padded convs, an Add of affine writers, a pre-activation BN reader', () => {
    let seed = 50;
    const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
    const apply = (layer: { apply(x: tfl.SymbolicTensor | tfl.SymbolicTensor[]): unknown }, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;
    const bn = (name: string) => tfl.layers.batchNormalization({ name, betaInitializer: init(), gammaInitializer: 'ones', movingMeanInitializer: init(), movingVarianceInitializer: 'ones' });
    const input = tfl.input({ shape: [9, 9, 3], name: 'input' });
    const conv = apply(tfl.layers.conv2d({ name: 'conv', filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init() }), input);
    const bnA = apply(bn('bn_a'), conv);
    const act = apply(tfl.layers.activation({ name: 'act', activation: 'relu' }), bnA);
    const dw = apply(tfl.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init() }), act);
    const bnB = apply(bn('bn_b'), dw);
    const proj = apply(tfl.layers.conv2d({ name: 'proj', filters: 12, kernelSize: 1, kernelInitializer: init() }), act);
    const sum = apply(tfl.layers.add({ name: 'sum' }), [bnB, proj]);
    const reluSum = apply(tfl.layers.reLU({ name: 'relu_sum' }), sum);
    const bnPre = apply(bn('bn_pre'), reluSum);
    const fused = apply(tfl.layers.conv2d({ name: 'fused', filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }), bnPre);
    const drop = apply(tfl.layers.dropout({ name: 'drop', rate: 0.3 }), fused);
    const tail = apply(tfl.layers.conv2d({ name: 'tail', filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init() }), drop);
    const gap = apply(tfl.layers.globalAveragePooling2d({ name: 'gap' }), tail);
    const out = apply(tfl.layers.dense({ name: 'logits', units: 3, kernelInitializer: init() }), gap);
    const model = tfl.model({ name: 'converted', inputs: input, outputs: out });
    // bn_a and dw are affine lock points, sum is an Add of two affine writers; act, relu_sum and fused are ReLUs whose
    // readers are a depthwise conv and a 1x1 conv, a batch norm, and a padded conv behind dropout.
    const points = ['bn_a', 'act', 'sum', 'relu_sum', 'fused'];
    const lockable: LockableModel = { architecture: 'custom', model, lockPoints: points.map((n) => describeLockPoint(model, n)) };
    const constant = craftedPassword(lockable, 1, 'constant');
    // One lock per layer side, and none through another lock: bn_a's fold takes bn_a's output, so act (through bn_a)
    // stays an op, and so does relu_sum, whose writers sit behind the lock on sum.
    expect(planFolds(model, constant).map((p) => [p.layer, p.how])).toEqual([
      ['bn_a', 'producer'],
      ['sum', 'producer'],
      ['fused', 'through-relu'],
    ]);
    const unlocked = unlockModel(lockable, constant);
    expect(unlocked.applied).toEqual(['act', 'relu_sum']);
    unlocked.model.dispose();
    const only = (names: string[]): LockableModel => ({ architecture: 'custom', model, lockPoints: lockable.lockPoints.filter((p) => names.includes(p.layer)) });
    // The ReLUs alone: act folds through bn_a into the depthwise and the 1x1 conv, relu_sum into the Add's writers
    // and the batch norm that reads it, fused into its own kernel and the padded conv behind dropout.
    const relus = only(['act', 'relu_sum', 'fused']);
    checkExactFold(relus, craftedPassword(relus, 2, 'constant'), 60);
    checkExactFold(relus, craftedPassword(relus, 3, 'scale'), 61);
    const affine = only(['bn_a', 'sum', 'fused']);
    checkExactFold(affine, craftedPassword(affine, 5, 'constant'), 62);
    model.dispose();
  });
});

describe('unlockModel: wasm agrees with the cpu reference', () => {
  it('LeNet-5 and ResNet unlocked outputs match across backends', async () => {
    const cases = [buildLeNet5({ inputShape: [28, 28, 1], seed: 31 }), buildResNet({ inputShape: [8, 8, 1], widths: [4, 6], seed: 32 })];
    for (const [i, lockable] of cases.entries()) {
      const shape = lockable.model.inputs[0]!.shape.slice(1) as number[];
      const ds = randomDataset(shape, 4, 40 + i);
      const password = randomPassword(lockable, 40 + i);
      await initEngine({ backend: 'wasm' });
      const unlockedWasm = unlockModel(lockable, password);
      const wasmOut = predictFlat(unlockedWasm.model, ds);
      unlockedWasm.model.dispose();
      await initEngine({ backend: 'cpu' });
      const cpuReference = lockGraphOutput(buildLockGraph(lockable), lockable, password, ds);
      const unlockedCpu = unlockModel(lockable, password);
      const cpuOut = predictFlat(unlockedCpu.model, ds);
      unlockedCpu.model.dispose();
      const scale = Math.max(1, compare(cpuOut, cpuReference).maxRef);
      expect(compare(cpuOut, cpuReference).maxDiff).toBeLessThanOrEqual(1e-5 * scale);
      expect(compare(wasmOut, cpuReference).maxDiff).toBeLessThanOrEqual(1e-4 * scale);
    }
    await initEngine({ backend: 'wasm' });
  });
});
