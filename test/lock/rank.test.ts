import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { buildLockGraph } from '../../src/lock/lock_graph.js';
import { rankNeurons } from '../../src/lock/rank.js';
import { buildMlp } from '../../src/models/mlp.js';
import { describeLockPoint } from '../../src/models/lock_points.js';
import type { LockableModel } from '../../src/models/types.js';
import type { Dataset } from '../../src/data/types.js';
import { randomDataset } from './helpers.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

/** Hand ranking: indices by decreasing value, ties by index. */
function order(values: number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
}

describe('rankNeurons', () => {
  it('agrees with a hand computation on a tiny MLP with known weights', () => {
    const lockable = buildMlp({ inputShape: [3], hidden: [4], numClasses: 2, seed: 1 });
    // fc1: relu(x W + b), W 3x4, b 4.
    const W = [
      [1, -1, 0.5, 2],
      [0, 2, -1, 0.5],
      [-1, 1, 1, -2],
    ];
    const b = [0.1, 0, -0.2, 0.3];
    const w = tf.tensor2d(W);
    const bias = tf.tensor1d(b);
    lockable.model.getLayer('fc1').setWeights([w, bias]);
    tf.dispose([w, bias]);
    const xs = [
      [1, 0, 0],
      [0, 1, 0],
      [0.5, 0.5, 0.5],
      [2, -1, 1],
      [0, 0, 3], // beyond `samples`: must be ignored
    ];
    const ds: Dataset = { name: 'hand', x: Float32Array.from(xs.flat()), y: new Int32Array(xs.length), sampleShape: [3], numClasses: 2 };
    const used = xs.slice(0, 4);
    const sums = [0, 1, 2, 3].map((j) => used.reduce((s, x) => s + Math.max(0, x.reduce((t, xi, i) => t + xi * W[i]![j]!, 0) + b[j]!), 0));

    const before = tf.memory().numTensors;
    const [r] = rankNeurons(lockable, ds, { samples: 4, batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r!.layer).toBe('fc1');
    expect(r!.samples).toBe(4);
    expect(r!.order).toEqual(order(sums));
    sums.forEach((s, j) => {
      expect(r!.sumActivation[j]).toBeCloseTo(s, 5);
      expect(r!.meanActivation[j]).toBeCloseTo(s / 4, 5);
    });
  });

  it('averages a conv channel over samples and spatial positions', () => {
    // input [2,2,1] -> 1x1 conv with 3 filters (weights 1, -1, 2; bias 0, 1, 0) + relu -> flatten -> dense.
    const input = tfl.input({ shape: [2, 2, 1], name: 'input' });
    const conv = tfl.layers.conv2d({ name: 'c1', filters: 3, kernelSize: 1, activation: 'relu' });
    let h = conv.apply(input) as tfl.SymbolicTensor;
    h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2 }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const k = tf.tensor4d([1, -1, 2], [1, 1, 1, 3]);
    const kb = tf.tensor1d([0, 1, 0]);
    conv.setWeights([k, kb]);
    tf.dispose([k, kb]);
    const lockable: LockableModel = { architecture: 'tiny', model, lockPoints: [describeLockPoint(model, 'c1')] };
    const pixels = [0.5, -1, 2, 0, 1, 1, -3, 0.25];
    const ds: Dataset = { name: 'px', x: Float32Array.from(pixels), y: new Int32Array(2), sampleShape: [2, 2, 1], numClasses: 2 };
    const expected = [
      (p: number) => Math.max(0, p),
      (p: number) => Math.max(0, -p + 1),
      (p: number) => Math.max(0, 2 * p),
    ].map((f) => pixels.reduce((s, p) => s + f(p), 0));
    const [r] = rankNeurons(lockable, ds, {});
    expect(r!.kind).toBe('conv');
    expect(r!.order).toEqual(order(expected));
    expected.forEach((s, c) => {
      expect(r!.sumActivation[c]).toBeCloseTo(s, 5);
      expect(r!.meanActivation[c]).toBeCloseTo(s / 8, 5); // 2 samples x 4 positions
    });
  });

  it('ranks the model graph even after the lock graph shares its layers, with no tensor leak', () => {
    const lockable = buildMlp({ inputShape: [4, 4, 1], hidden: [12, 8], seed: 3 });
    const ds = randomDataset([4, 4, 1], 30, 1);
    const first = rankNeurons(lockable, ds, { samples: 25, batchSize: 7 });
    const graph = buildLockGraph(lockable);
    const before = tf.memory().numTensors;
    const second = rankNeurons(lockable, ds, { samples: 25, batchSize: 25 });
    expect(tf.memory().numTensors).toBe(before);
    expect(second.map((r) => r.order)).toEqual(first.map((r) => r.order));
    second.forEach((r, i) => r.sumActivation.forEach((v, j) => expect(v).toBeCloseTo(first[i]!.sumActivation[j]!, 3)));
    expect(second.map((r) => r.order.length)).toEqual([12, 8]);
    expect(graph.model.inputs).toHaveLength(5);
  });

  it('refuses a dataset of the wrong shape, or no samples', () => {
    const lockable = buildMlp({ inputShape: [4], hidden: [3], seed: 1 });
    expect(() => rankNeurons(lockable, randomDataset([5], 4, 1), {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => rankNeurons(lockable, randomDataset([4], 0, 1), {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => rankNeurons(lockable, randomDataset([4], 3, 1), { samples: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
