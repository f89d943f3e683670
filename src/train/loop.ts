import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, TrainingDivergedError } from '../util/errors.js';
import { createRng, shuffleInPlace, type Rng } from '../util/rng.js';
import type { TrainEventHandler } from './events.js';
import { Optimizer, resolveOptimizerOptions, scheduledLearningRate, type OptimizerOptions } from './optimizer.js';

export interface LoopOptions extends OptimizerOptions {
  epochs: number;
  /** Default 64. */
  batchSize?: number;
  /** Seed of the shuffles (and of anything `lossFor` draws from its rng). Default 0. */
  seed?: number;
  onEvent?: TrainEventHandler;
  /** Stops between batches when aborted; the model keeps the weights reached so far. */
  signal?: AbortSignal;
}

export interface LoopSpec {
  /** Variables to train. */
  variables: tf.Variable[];
  /** Number of training samples; each epoch visits a seeded permutation of them. */
  numSamples: number;
  /** Loss on one batch of sample indices; runs inside a gradient scope, so every tensor it makes is released. */
  lossFor: (batch: Int32Array, rng: Rng) => tf.Scalar;
  /** Extra numbers for the epoch event (e.g. test accuracy), computed after each epoch. */
  metricsAfterEpoch?: (epoch: number) => Record<string, number>;
}

function now(): number {
  return globalThis.performance.now();
}

/**
 * The training loop shared by normal and lock training: seeded shuffles, mini-batches, the optimiser with its
 * schedule, progress events. Returns the mean loss of the last epoch.
 */
export function runTrainingLoop(spec: LoopSpec, options: LoopOptions): { finalLoss: number; seconds: number } {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(options.epochs) || options.epochs < 0) throw new InvalidArgumentError(`epochs must be an integer >= 0, got ${options.epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  if (spec.numSamples < 1) throw new InvalidArgumentError('no training samples');
  const resolved = resolveOptimizerOptions(options);
  const optimizer = new Optimizer(resolved);
  const rng = createRng(options.seed ?? 0);
  const order = new Int32Array(spec.numSamples).map((_, i) => i);
  const batchesPerEpoch = Math.ceil(spec.numSamples / batchSize);
  const emit = options.onEvent ?? (() => undefined);
  const started = now();
  let finalLoss = Number.NaN;
  emit({ type: 'start', epochs: options.epochs, batchesPerEpoch });
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const epochStart = now();
      const learningRate = scheduledLearningRate(resolved, epoch, options.epochs);
      optimizer.setLearningRate(learningRate);
      const epochRng = rng.fork();
      shuffleInPlace(order, epochRng);
      let lossSum = 0;
      let seen = 0;
      for (let b = 0; b < batchesPerEpoch; b++) {
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
        const batch = order.subarray(b * batchSize, Math.min(spec.numSamples, (b + 1) * batchSize));
        const loss = optimizer.step(() => spec.lossFor(batch, epochRng), spec.variables);
        if (!Number.isFinite(loss)) {
          throw new TrainingDivergedError(`training diverged: loss is ${loss} at epoch ${epoch + 1}, batch ${b + 1}; lower the learning rate`);
        }
        lossSum += loss * batch.length;
        seen += batch.length;
        emit({ type: 'batch', epoch, batch: b, batchesPerEpoch, loss });
      }
      finalLoss = lossSum / seen;
      const metrics = spec.metricsAfterEpoch?.(epoch) ?? {};
      emit({ type: 'epoch', epoch, epochs: options.epochs, loss: finalLoss, learningRate, seconds: (now() - epochStart) / 1000, metrics });
    }
  } finally {
    optimizer.dispose();
  }
  const seconds = (now() - started) / 1000;
  emit({ type: 'end', seconds });
  return { finalLoss, seconds };
}
