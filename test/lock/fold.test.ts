import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { unlockModel } from '../../src/lock/fold.js';
import { generatePassword } from '../../src/lock/generate.js';
import { buildLockGraph } from '../../src/lock/lock_graph.js';
import type { Password } from '../../src/lock/password.js';
import { rankNeurons } from '../../src/lock/rank.js';
import { buildLeNet5 } from '../../src/models/lenet5.js';
import { describeLockPoint } from '../../src/models/lock_points.js';
import { buildMlp } from '../../src/models/mlp.js';
import { buildResNet } from '../../src/models/resnet.js';
import type { LockableModel } from '../../src/models/types.js';
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

  it('ResNet: locks feeding padded convs and residual adds are applied as ops; the last folds through global pooling', () => {
    const lockable = buildResNet({ inputShape: [8, 8, 1], widths: [4, 6, 8], seed: 13 });
    checkUnlock(lockable, 3, { folded: ['block3_out'], applied: ['stem_relu', 'block1_out', 'block2_out'] });
  });

  it('custom graph: dropout in the path, consumers without bias, a padded consumer and a locked model output', () => {
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
    checkUnlock(build('valid'), 4, { folded: ['c1', 'c2', 'd1'], applied: ['d2'] });
    checkUnlock(build('same'), 5, { folded: ['c2', 'd1'], applied: ['c1', 'd2'] });
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
    checkUnlock(lockable, 6, { folded: ['s1', 's2'], applied: ['s3'] });
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
