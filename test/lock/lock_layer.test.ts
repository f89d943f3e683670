import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { FixedLockLayer, LockInputLayer, registerLockLayers } from '../../src/lock/lock_layer.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  registerLockLayers();
});

function lockModel(shape: number[], size: number): tfl.LayersModel {
  const a = tfl.input({ shape });
  const alpha = tfl.input({ shape: [size] });
  const beta = tfl.input({ shape: [size] });
  const out = new LockInputLayer({}).apply([a, alpha, beta]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [a, alpha, beta], outputs: out });
}

describe('LockInputLayer', () => {
  it('dense: a * alpha + beta with a different lock per sample', () => {
    const a = [
      [1, 2, 3],
      [-1, 0.5, 4],
    ];
    const alpha = [
      [0, 1, -2],
      [1, 0.5, 1],
    ];
    const beta = [
      [0.5, 0, 1],
      [0, -1, 0],
    ];
    const model = lockModel([3], 3);
    const ins = [tf.tensor2d(a), tf.tensor2d(alpha), tf.tensor2d(beta)];
    const out = model.predict(ins) as tf.Tensor;
    const expected = a.map((row, i) => row.map((v, j) => v * alpha[i]![j]! + beta[i]![j]!));
    expect(out.shape).toEqual([2, 3]);
    expect(Array.from(out.dataSync())).toEqual(expected.flat());
    tf.dispose([...ins, out]);
  });

  it('conv: one alpha and beta per channel, at every position, per sample', () => {
    // a: [2 samples, 2, 2, 2 channels]
    const a = Array.from({ length: 16 }, (_, i) => i - 5);
    const alpha = [
      [2, -1],
      [0, 0.5],
    ];
    const beta = [
      [0, 3],
      [1, -1],
    ];
    const model = lockModel([2, 2, 2], 2);
    const ins = [tf.tensor4d(a, [2, 2, 2, 2]), tf.tensor2d(alpha), tf.tensor2d(beta)];
    const out = model.predict(ins) as tf.Tensor;
    const expected = a.map((v, i) => {
      const sample = Math.floor(i / 8);
      const channel = i % 2;
      return v * alpha[sample]![channel]! + beta[sample]![channel]!;
    });
    expect(out.shape).toEqual([2, 2, 2, 2]);
    expect(Array.from(out.dataSync())).toEqual(expected);
    tf.dispose([...ins, out]);
  });
});

describe('FixedLockLayer', () => {
  it('applies constant vectors over the last axis and survives a save/load round trip', async () => {
    const input = tfl.input({ shape: [1, 2, 3] });
    const out = new FixedLockLayer({ alpha: [1, -1, 0], beta: [0, 2, 0.5], name: 'fixed' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);
    const y = model.predict(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1, 0, 0.5, 4, -3, 0.5]);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const y2 = loaded.predict(x) as tf.Tensor;
    expect(Array.from(y2.dataSync())).toEqual([1, 0, 0.5, 4, -3, 0.5]);
    tf.dispose([x, y, y2]);
    model.dispose();
    loaded.dispose();
  });
});
