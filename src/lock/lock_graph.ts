/**
 * The lock-training twin of a model: the same layers (same weights), with a {@link LockInputLayer} after each lock
 * point taking per-sample multipliers and offsets as extra inputs: `[x, alpha_0, beta_0, alpha_1, beta_1, ...]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Dataset } from '../data/types.js';
import { gatherInputs } from '../data/types.js';
import type { LockableModel, LockPoint } from '../models/types.js';
import type { Password } from './password.js';
import { passwordLock, uniformBatchVectors } from './vectors.js';
import { LockInputLayer, registerLockLayers } from './lock_layer.js';
import { rebuildModel } from './rebuild.js';
export interface LockGraph {
  /** Inputs: the model's input, then alpha and beta ([batch, size]) per lock point, in `points` order. */
  model: tfl.LayersModel;
  points: LockPoint[];
}

/**
 * The model with a lock layer after each lock point that takes per-sample alpha and beta rows as extra inputs: one
 * graph, sharing the model's layers and weights, runs samples with the password, without it, or with any other lock.
 *
 * @example
 * ```ts
 * const graph = buildLockGraph(lockable);
 * const withPassword = accuracyOf(predictWithPassword(graph, test, password), test.y);
 * const without = accuracyOf(predictWithPassword(graph, test, undefined), test.y);
 * ```
 */
export function buildLockGraph(lockable: LockableModel): LockGraph {
  registerLockLayers();
  const extraInputs: SymbolicTensor[] = [];
  const byLayer = new Map<string, [SymbolicTensor, SymbolicTensor]>();
  lockable.lockPoints.forEach((point, i) => {
    const alpha = tfl.input({ shape: [point.size], name: `lock${i}_alpha` });
    const beta = tfl.input({ shape: [point.size], name: `lock${i}_beta` });
    extraInputs.push(alpha, beta);
    byLayer.set(point.layer, [alpha, beta]);
  });
  const model = rebuild(lockable, byLayer, extraInputs);
  return { model, points: lockable.lockPoints };
}

function rebuild(lockable: LockableModel, byLayer: Map<string, [SymbolicTensor, SymbolicTensor]>, extraInputs: SymbolicTensor[]): tfl.LayersModel {
  return rebuildModel(lockable.model, {
    extraInputs,
    name: `${lockable.model.name}_lockgraph`,
    after: (layerName, output) => {
      const vectors = byLayer.get(layerName);
      if (!vectors) return output;
      return new LockInputLayer({ name: `${layerName}_lock` }).apply([output, ...vectors]) as SymbolicTensor;
    },
  });
}

/** Runs the lock graph on a batch; `vectors` holds [alpha, beta] tensors ([batch, size]) per lock point. */
export function forwardLocked(graph: LockGraph, xs: tf.Tensor, vectors: tf.Tensor[], training: boolean): tf.Tensor {
  return graph.model.apply([xs, ...vectors], { training }) as tf.Tensor;
}

/**
 * Predicted classes of the lock graph on a dataset with one password for every sample, or none (`undefined`).
 * Works for the right password, no password and any guess alike, so reports and attacks share it.
 */
export function predictWithPassword(graph: LockGraph, ds: Dataset, password: Password | undefined, batchSize = 500): Int32Array {
  const lock = password ? passwordLock(password, graph.points) : undefined;
  const out = new Int32Array(ds.y.length);
  for (let start = 0; start < ds.y.length; start += batchSize) {
    const indices = new Int32Array(Math.min(batchSize, ds.y.length - start)).map((_, i) => start + i);
    const predicted = tf.tidy(() => {
      const xs = gatherInputs(ds, indices);
      return tf.argMax(forwardLocked(graph, xs, uniformBatchVectors(graph.points, indices.length, lock), false), -1);
    });
    out.set(predicted.dataSync() as Int32Array, start);
    predicted.dispose();
  }
  return out;
}

/** Fraction of `predicted` equal to the dataset's labels. */
export function accuracyOf(predicted: Int32Array, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return labels.length === 0 ? Number.NaN : correct / labels.length;
}
