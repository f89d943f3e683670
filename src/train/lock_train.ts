import * as tf from '@tensorflow/tfjs-core';
import { gatherInputs, type Dataset } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, forwardLocked, predictWithPassword, type LockGraph } from '../lock/lock_graph.js';
import { validatePassword, type Password } from '../lock/password.js';
import { BatchLocks, passwordLock } from '../lock/vectors.js';
import { ALL_DECOYS, makeDecoy, type DecoyKind } from '../lock/decoys.js';
import { InvalidArgumentError } from '../util/errors.js';
import { createRng, type Rng } from '../util/rng.js';
import { outputsProbabilities } from '../models/outputs.js';
import { crossEntropy } from './loss.js';
import { runTrainingLoop, type LoopOptions } from './loop.js';
import { checkDatasetFits, trainableVariables } from './train.js';
import { buildGate, type GateOptions } from './gate.js';

export interface LockTrainOptions extends LoopOptions {
  /** Share of each batch that is locked (password applied, true label); the rest is released (random label). 0.5. */
  lockedRatio?: number;
  /**
   * Share of the released samples that carry a decoy lock instead of none (still with random labels). Default 0.5;
   * 0 is the reference code's lock training.
   */
  decoyShare?: number;
  /** Which decoys to draw from (uniformly). Default: all of them. */
  decoys?: readonly DecoyKind[];
  /**
   * Labels of released samples: `fresh` (a new uniformly random label each time, as the paper) or `fixed` (one
   * random label per training sample for the whole run). Fresh labels teach a uniform output, whose argmax then
   * collapses onto whichever class a small bias favours; fixed labels teach a confident, arbitrary answer.
   * Default `fresh`.
   */
  releasedLabels?: 'fresh' | 'fixed';
  /** Evaluated after each epoch as `authorized` / `unauthorized` accuracy in the epoch event. */
  validation?: Dataset;
  /**
   * The gate (see gate.ts): released samples push the last dense ReLU lock point's pre-activations below -margin, so
   * that without the password it is dead. `false` turns it off (the paper's lock training). Default: off here;
   * protect turns it on for `hardened`.
   */
  gate?: GateOptions | false;
}

export interface LockTrainResult {
  finalLoss: number;
  seconds: number;
}

/**
 * Lock training: teaches the model to work only with its password. In every batch a random share of the samples is
 * locked (password applied, true label) and the rest released (no password or a decoy, uniformly random label).
 * Trains `lockable.model`'s own weights in place; the password is not stored in it.
 *
 * @example
 * ```ts
 * const password = generatePassword(lenet, rankNeurons(lenet, train), { rng: cryptoRng() });
 * const { finalLoss, seconds } = lockTrain(lenet, password, train, { epochs: 6, seed: 0 }); // lenet's weights change in place
 * ```
 */
export function lockTrain(lockable: LockableModel, password: Password, train: Dataset, options: LockTrainOptions): LockTrainResult {
  checkDatasetFits(lockable.model, train);
  validatePassword(password, lockable.lockPoints);
  const graph = buildLockGraph(lockable);
  const validation = options.validation;
  return runTrainingLoop(
    {
      variables: trainableVariables(lockable.model),
      numSamples: train.y.length,
      lossFor: lockTrainingLoss(graph, password, train, options),
      metricsAfterEpoch: (): Record<string, number> =>
        validation
          ? {
              authorized: accuracyOf(predictWithPassword(graph, validation, password), validation.y),
              unauthorized: accuracyOf(predictWithPassword(graph, validation, undefined), validation.y),
            }
          : {},
    },
    options,
  );
}

/**
 * The lock-training loss of one batch (see {@link lockTrain}), as a function of the batch's sample indices and the
 * epoch's generator. Exported on its own so that research training schemes can add terms to it and keep the same
 * locked / released / decoy mix. The password is checked against `graph.points` by the caller.
 */
export function lockTrainingLoss(
  graph: LockGraph,
  password: Password,
  train: Dataset,
  options: Omit<LockTrainOptions, 'epochs' | 'validation'>,
): (batch: Int32Array, rng: Rng) => tf.Scalar {
  const lockedRatio = options.lockedRatio ?? 0.5;
  const decoyShare = options.decoyShare ?? 0.5;
  const decoys = options.decoys ?? ALL_DECOYS;
  for (const [name, v] of [['lockedRatio', lockedRatio], ['decoyShare', decoyShare]] as const) {
    if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError(`${name} must be in [0, 1], got ${v}`);
  }
  if (decoyShare > 0 && decoys.length === 0) throw new InvalidArgumentError('decoyShare > 0 needs at least one decoy kind');
  const key = passwordLock(password, graph.points);
  const probabilities = outputsProbabilities(graph.model);
  const numClasses = train.numClasses;
  const fixedLabels = options.releasedLabels === 'fixed' ? fixedRandomLabels(train.y.length, numClasses, options.seed ?? 0) : undefined;
  const gate = options.gate ? buildGate(graph, options.gate) : undefined;
  return (batch, rng) => {
    const n = batch.length;
    const locks = new BatchLocks(graph.points, n);
    const labels = new Int32Array(n);
    const released = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (rng.next() < lockedRatio) {
        locks.set(i, key);
        labels[i] = train.y[batch[i]!]!;
      } else {
        released[i] = 1;
        if (rng.next() < decoyShare) locks.set(i, makeDecoy(decoys[rng.int(decoys.length)]!, key, graph.points, rng));
        labels[i] = fixedLabels ? fixedLabels[batch[i]!]! : rng.int(numClasses);
      }
    }
    if (gate) {
      const { outputs, penalty } = gate.forward(gatherInputs(train, batch), locks.toTensors(), true);
      const shut = tf.div(tf.sum(tf.mul(penalty, tf.tensor1d(released))), Math.max(1, released.reduce((a, b) => a + b, 0)));
      return tf.add(crossEntropy(outputs, tf.tensor1d(labels, 'int32'), probabilities), tf.mul(shut, gate.weight)) as tf.Scalar;
    }
    const outputs = forwardLocked(graph, gatherInputs(train, batch), locks.toTensors(), true);
    return crossEntropy(outputs, tf.tensor1d(labels, 'int32'), probabilities);
  };
}

/** One uniformly random label per sample, reproducible from the seed. */
function fixedRandomLabels(n: number, numClasses: number, seed: number): Int32Array {
  const rng = createRng(seed ^ 0x5eed1abe);
  return new Int32Array(n).map(() => rng.int(numClasses));
}
