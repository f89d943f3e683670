/**
 * The in-memory dataset every other layer consumes: flat typed arrays plus a sample shape, no tensors until asked.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DataFormatError, InvalidArgumentError } from '../util/errors.js';

/** A labelled classification dataset held in flat typed arrays. Treat it as immutable: helpers copy, never mutate. */
export interface Dataset {
  /** Short name used in reports and error messages, e.g. `mnist-embedded`, `fashion-mnist/train`, `iris.csv`. */
  name: string;
  /** Inputs, `size * prod(sampleShape)` values, row-major; image pixels scaled to 0..1, tabular features as read. */
  x: Float32Array;
  /** Class index of each sample, in `[0, numClasses)`. */
  y: Int32Array;
  /** Shape of one sample: `[28, 28, 1]` for a grey image, `[F]` for F tabular features. */
  sampleShape: number[];
  /** Number of classes (the model's output width); may exceed the largest label present. */
  numClasses: number;
  /** Optional human-readable name of each class, `classNames[k]` for label k. */
  classNames?: string[];
  /** Optional names of the features of a tabular dataset (CSV header), one per element of a sample. */
  featureNames?: string[];
}

/** Number of samples. */
export function size(ds: Dataset): number {
  return ds.y.length;
}

/** Number of values in one sample: the product of `sampleShape`. */
export function sampleLength(ds: Dataset): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}

/** Number of samples of each class, `counts[k]` for label k (length `numClasses`). */
export function classCounts(ds: Dataset): Int32Array {
  const counts = new Int32Array(ds.numClasses);
  for (let i = 0; i < ds.y.length; i++) {
    const label = ds.y[i]!;
    if (label >= 0 && label < counts.length) counts[label]!++;
  }
  return counts;
}

/**
 * A new dataset holding copies of the samples at `indices`, in that order (repeats allowed).
 *
 * @example
 * const firstHundred = subset(ds, Int32Array.from({ length: 100 }, (_, i) => i));
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, name: string = ds.name): Dataset {
  const n = size(ds);
  const per = sampleLength(ds);
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!(Number.isInteger(j) && j >= 0 && j < n)) {
      throw new InvalidArgumentError(`subset of ${ds.name}: index ${j} at position ${i} is not in [0, ${n})`);
    }
    x.set(ds.x.subarray(j * per, (j + 1) * per), i * per);
    y[i] = ds.y[j]!;
  }
  const out: Dataset = { name, x, y, sampleShape: [...ds.sampleShape], numClasses: ds.numClasses };
  if (ds.classNames !== undefined) out.classNames = [...ds.classNames];
  if (ds.featureNames !== undefined) out.featureNames = [...ds.featureNames];
  return out;
}

/**
 * The dataset (or the samples at `indices`) as tensors: `xs` float32 `[n, ...sampleShape]`, `ys` int32 `[n]`.
 * The tensors own copies of the data; the caller disposes them.
 *
 * @example
 * const { xs, ys } = toTensors(ds, batch);
 * try { ... } finally { xs.dispose(); ys.dispose(); }
 */
export function toTensors(ds: Dataset, indices?: ArrayLike<number>): { xs: tf.Tensor; ys: tf.Tensor1D } {
  if (indices === undefined) {
    return { xs: tf.tensor(ds.x.slice(), [ds.y.length, ...ds.sampleShape], 'float32'), ys: tf.tensor1d(ds.y.slice(), 'int32') };
  }
  return { xs: gatherInputs(ds, indices), ys: gatherLabels(ds, indices) };
}

/**
 * The inputs at `indices` as one tensor `[n, ...sampleShape]`, copied straight from the flat array (the batch path
 * of training and inference; indices are trusted, see {@link subset} for a checked copy).
 */
export function gatherInputs(ds: Dataset, indices: ArrayLike<number>): tf.Tensor {
  const per = sampleLength(ds);
  const out = new Float32Array(indices.length * per);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i]! * per;
    out.set(ds.x.subarray(from, from + per), i * per);
  }
  return tf.tensor(out, [indices.length, ...ds.sampleShape], 'float32');
}

/** The labels at `indices` as an int32 tensor `[n]`. */
export function gatherLabels(ds: Dataset, indices: ArrayLike<number>): tf.Tensor1D {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = ds.y[indices[i]!]!;
  return tf.tensor1d(out, 'int32');
}

/**
 * Checks that a dataset is internally consistent: integer positive sample shape, array lengths agreeing with it,
 * finite inputs, integer labels in `[0, numClasses)`, and names of the right length. Throws a `DataFormatError`
 * naming the dataset and the first problem found.
 */
export function validateDataset(ds: Dataset): void {
  const name = typeof ds.name === 'string' && ds.name !== '' ? ds.name : '(unnamed dataset)';
  const fail = (problem: string): never => {
    throw new DataFormatError(`dataset ${name}: ${problem}`);
  };
  if (typeof ds.name !== 'string' || ds.name === '') fail('name must be a non-empty string');
  if (!(ds.x instanceof Float32Array)) fail('x must be a Float32Array');
  if (!(ds.y instanceof Int32Array)) fail('y must be an Int32Array');
  if (!Array.isArray(ds.sampleShape) || ds.sampleShape.length === 0) fail('sampleShape must be a non-empty array');
  for (const d of ds.sampleShape) {
    if (!(Number.isInteger(d) && d > 0)) fail(`sampleShape [${ds.sampleShape.join(', ')}] must hold positive integers`);
  }
  if (!(Number.isInteger(ds.numClasses) && ds.numClasses > 0)) fail(`numClasses must be a positive integer, got ${ds.numClasses}`);
  const n = ds.y.length;
  const per = sampleLength(ds);
  if (ds.x.length !== n * per) {
    fail(`x has ${ds.x.length} values but ${n} samples of shape [${ds.sampleShape.join(', ')}] need ${n * per}`);
  }
  for (let i = 0; i < ds.x.length; i++) {
    const v = ds.x[i]!;
    if (!Number.isFinite(v)) fail(`sample ${Math.floor(i / per)} holds a non-finite value (${v}) at offset ${i % per}`);
  }
  for (let i = 0; i < n; i++) {
    const label = ds.y[i]!;
    if (label < 0 || label >= ds.numClasses) fail(`sample ${i} has label ${label}, outside [0, ${ds.numClasses})`);
  }
  if (ds.classNames !== undefined && ds.classNames.length !== ds.numClasses) {
    fail(`classNames has ${ds.classNames.length} names for ${ds.numClasses} classes`);
  }
  if (ds.featureNames !== undefined && ds.featureNames.length !== per) {
    fail(`featureNames has ${ds.featureNames.length} names for samples of ${per} values`);
  }
}
