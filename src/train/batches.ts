import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/types.js';

/** Copies the samples at `indices` into a tensor [n, ...sampleShape]. */
export function gatherInputs(ds: Dataset, indices: ArrayLike<number>): tf.Tensor {
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(indices.length * per);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i]! * per;
    out.set(ds.x.subarray(from, from + per), i * per);
  }
  return tf.tensor(out, [indices.length, ...ds.sampleShape], 'float32');
}

/** The labels at `indices` as an int32 tensor [n]. */
export function gatherLabels(ds: Dataset, indices: ArrayLike<number>): tf.Tensor1D {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = ds.y[indices[i]!]!;
  return tf.tensor1d(out, 'int32');
}

/** [0, 1, ..., n-1] split into consecutive batches (for evaluation, where order does not matter). */
export function sequentialBatches(n: number, batchSize: number): Int32Array[] {
  const all = new Int32Array(n).map((_, i) => i);
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) out.push(all.subarray(start, Math.min(n, start + batchSize)));
  return out;
}
