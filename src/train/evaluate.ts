import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/types.js';
import { gatherInputs } from '../data/types.js';
import { sequentialBatches } from './batches.js';

export interface ClassifierMetrics {
  /** Fraction of correct predictions, 0..1. */
  accuracy: number;
  /** Accuracy per true class (NaN for a class with no samples). */
  perClassAccuracy: number[];
  /** confusion[trueClass][predictedClass] = count. */
  confusion: number[][];
  count: number;
}

/** Predicted class per sample, computed in batches; `forward` defaults to the model's inference call. */
export function predictClasses(
  model: LayersModel,
  ds: Dataset,
  options: { batchSize?: number; forward?: (xs: tf.Tensor, batch: Int32Array) => tf.Tensor } = {},
): Int32Array {
  const out = new Int32Array(ds.y.length);
  const forward = options.forward ?? ((xs: tf.Tensor) => model.apply(xs, { training: false }) as tf.Tensor);
  let offset = 0;
  for (const batch of sequentialBatches(ds.y.length, options.batchSize ?? 500)) {
    const predicted = tf.tidy(() => tf.argMax(forward(gatherInputs(ds, batch), batch), -1));
    out.set(predicted.dataSync() as Int32Array, offset);
    predicted.dispose();
    offset += batch.length;
  }
  return out;
}

/** Accuracy, per-class accuracy and confusion matrix of predictions against a dataset's labels. */
export function scorePredictions(predicted: Int32Array, labels: Int32Array, numClasses: number): ClassifierMetrics {
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predicted[i]!;
    const row = confusion[t];
    if (row !== undefined && p >= 0 && p < numClasses) row[p] = (row[p] ?? 0) + 1;
    if (t === p) correct++;
  }
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? Number.NaN : (row[c] ?? 0) / total;
  });
  return { accuracy: labels.length === 0 ? Number.NaN : correct / labels.length, perClassAccuracy, confusion, count: labels.length };
}

/**
 * Evaluates a classifier on a dataset.
 *
 * @example
 * ```ts
 * const { accuracy } = evaluateClassifier(model, test);
 * ```
 */
export function evaluateClassifier(model: LayersModel, ds: Dataset, options: { batchSize?: number } = {}): ClassifierMetrics {
  return scorePredictions(predictClasses(model, ds, options), ds.y, ds.numClasses);
}
