/**
 * Lock-value regression: the thief's gradient descent on the lock itself. Every neuron of every lock point gets a
 * free affine lock (alpha from 1, beta from 0) and the attacker's labelled samples fit those values by Adam, the
 * model's weights frozen. A folded lock only edits the next layer's columns and bias, which the thief can edit too,
 * so this is what the greedy and evolutionary searches approximate one guess at a time; it is the bar a lock's values
 * must clear, not the searches.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/types.js';
import { gatherInputs } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, forwardLocked, predictWithPassword } from '../lock/lock_graph.js';
import type { Password } from '../lock/password.js';
import { crossEntropy } from '../train/loss.js';
import { outputsProbabilities } from '../models/outputs.js';
import { InvalidArgumentError } from '../util/errors.js';
import { createRng, shuffleInPlace } from '../util/rng.js';

export interface LockRegressionOptions {
  /** Passes over the attacker's samples. Default 30. */
  epochs?: number;
  /** Adam's step. Default 0.01. */
  learningRate?: number;
  /** Default 32. */
  batchSize?: number;
  /**
   * Where the fit starts: a guess (e.g. what a search found) whose values are taken as they are, every other neuron
   * at the identity. Default: the identity everywhere (no lock). From the identity the gradient of a lock-trained
   * model is flat (its released outputs are near uniform whatever small lock is applied); from a search's find, it
   * polishes.
   */
  init?: Password;
  /**
   * Manifest names of model weights trained jointly with the lock (the adaptive thief's sealed layers, filled by a
   * fresh draw or a substitute). They are trained in place: `lockable`'s values of them change. Default none: the
   * model is frozen.
   */
  trainWeights?: readonly string[];
  seed?: number;
}

export interface LockRegressionResult {
  /** Test accuracy with the fitted lock. */
  accuracy: number;
  /** Accuracy on the attacker's own samples with the fitted lock. */
  attackerAccuracy: number;
  /** The fitted lock, every neuron of every lock point: what the thief would fold into the model. */
  found: Password;
  /** Forward and backward passes of one sample each. */
  samplesSeen: number;
}

/**
 * Fits an affine lock on every neuron of every lock point of `lockable` to `attackerData` and reports what it
 * reaches on `test`. Needs no password: the thief's knowledge is the model and the labelled samples.
 */
export function lockRegressionAttack(lockable: LockableModel, attackerData: Dataset, test: Dataset, options: LockRegressionOptions = {}): LockRegressionResult {
  const epochs = options.epochs ?? 30;
  const batchSize = options.batchSize ?? 32;
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new InvalidArgumentError(`epochs must be a non-negative integer, got ${epochs}`);
  if (attackerData.y.length === 0) throw new InvalidArgumentError('lock regression needs labelled attacker samples');
  const graph = buildLockGraph(lockable);
  const probabilities = outputsProbabilities(lockable.model);
  const start = (p: number, value: 'alpha' | 'beta'): Float32Array => {
    const point = graph.points[p]!;
    const v = new Float32Array(point.size).fill(value === 'alpha' ? 1 : 0);
    const key = options.init?.lockPoints.find((k) => k.layer === point.layer);
    key?.neurons.forEach((n, i) => (v[n] = key[value][i]!));
    return v;
  };
  const alphas = graph.points.map((p, i) => tf.variable(tf.tensor2d(start(i, 'alpha'), [1, p.size]), true, undefined, 'float32'));
  const betas = graph.points.map((p, i) => tf.variable(tf.tensor2d(start(i, 'beta'), [1, p.size]), true, undefined, 'float32'));
  const wanted = new Set(options.trainWeights ?? []);
  const named = lockable.model.weights.filter((w) => wanted.has(w.originalName));
  if (named.length !== wanted.size) throw new InvalidArgumentError(`trainWeights names ${wanted.size} weights, of which the model has ${named.length}`);
  // Moving statistics (BatchNorm) are not trained by gradient.
  const weights = named.filter((w) => w.trainable).map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(options.learningRate ?? 0.01);
  const rng = createRng(options.seed ?? 0);
  const n = attackerData.y.length;
  let samplesSeen = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), rng) as Int32Array;
      for (let start = 0; start < n; start += batchSize) {
        const batch = order.subarray(start, Math.min(n, start + batchSize));
        tf.tidy(() => {
          const xs = gatherInputs(attackerData, batch);
          const ys = tf.tensor1d(Int32Array.from(batch, (i) => attackerData.y[i]!), 'int32');
          optimizer.minimize(() => {
            const vectors = graph.points.flatMap((_, p) => [tf.tile(alphas[p]!, [batch.length, 1]), tf.tile(betas[p]!, [batch.length, 1])]);
            return crossEntropy(forwardLocked(graph, xs, vectors, false), ys, probabilities);
          }, false, [...alphas, ...betas, ...weights]);
        });
        samplesSeen += batch.length;
      }
    }
    const found: Password = {
      version: 1,
      lockPoints: graph.points.map((p, i) => {
        const neurons = Array.from({ length: p.size }, (_, n) => n);
        return { layer: p.layer, kind: p.kind, size: p.size, neurons, alpha: Array.from(alphas[i]!.dataSync()), beta: Array.from(betas[i]!.dataSync()) };
      }),
    };
    return {
      accuracy: accuracyOf(predictWithPassword(graph, test, found), test.y),
      attackerAccuracy: accuracyOf(predictWithPassword(graph, attackerData, found), attackerData.y),
      found,
      samplesSeen,
    };
  } finally {
    tf.dispose([...alphas, ...betas]);
    optimizer.dispose();
  }
}
