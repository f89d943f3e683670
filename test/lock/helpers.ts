import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../../src/data/types.js';
import type { LockableModel } from '../../src/models/types.js';
import type { LockGraph } from '../../src/lock/lock_graph.js';
import { lockVectors, type Password } from '../../src/lock/password.js';
import { createRng } from '../../src/util/rng.js';

/** A dataset of `n` uniform [0, 1) samples with labels cycling through the classes. */
export function randomDataset(sampleShape: number[], n: number, seed: number, numClasses = 10): Dataset {
  const rng = createRng(seed);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * per }, () => rng.next());
  const y = Int32Array.from({ length: n }, (_, i) => i % numClasses);
  return { name: `random-${seed}`, x, y, sampleShape, numClasses };
}

export function inputs(ds: Dataset): tf.Tensor {
  return tf.tensor(ds.x, [ds.y.length, ...ds.sampleShape], 'float32');
}

/** Lock-graph inputs after x: the password's vectors (identity where it has no key) tiled over `n` samples. */
export function tiledVectors(lockable: LockableModel, password: Password, n: number): tf.Tensor2D[] {
  return lockable.lockPoints.flatMap((point) => {
    const key = password.lockPoints.find((k) => k.layer === point.layer);
    const { alpha, beta } = key ? lockVectors(key) : { alpha: new Float32Array(point.size).fill(1), beta: new Float32Array(point.size) };
    const rows = (v: Float32Array) => {
      const out = new Float32Array(n * point.size);
      for (let i = 0; i < n; i++) out.set(v, i * point.size);
      return tf.tensor2d(out, [n, point.size]);
    };
    return [rows(alpha), rows(beta)];
  });
}

/** The lock graph's output for the whole dataset with one password, as a flat array. */
export function lockGraphOutput(graph: LockGraph, lockable: LockableModel, password: Password, ds: Dataset): Float32Array {
  const xs = inputs(ds);
  const vectors = tiledVectors(lockable, password, ds.y.length);
  try {
    const out = graph.model.predict([xs, ...vectors]) as tf.Tensor;
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  } finally {
    tf.dispose([xs, ...vectors]);
  }
}

export function predictFlat(model: { predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] }, ds: Dataset): Float32Array {
  const xs = inputs(ds);
  try {
    const out = model.predict(xs) as tf.Tensor;
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  } finally {
    xs.dispose();
  }
}

/** Max |a - b| and max |ref|. */
export function compare(actual: Float32Array, ref: Float32Array): { maxDiff: number; maxRef: number } {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - ref[i]!));
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  }
  return { maxDiff, maxRef };
}
