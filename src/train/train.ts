import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { gatherInputs, gatherLabels, type Dataset } from '../data/types.js';
import { InvalidArgumentError } from '../util/errors.js';
import { evaluateClassifier } from './evaluate.js';
import { crossEntropy } from './loss.js';
import { outputsProbabilities } from '../models/outputs.js';
import { runTrainingLoop, type LoopOptions } from './loop.js';

export interface TrainOptions extends LoopOptions {
  /** Evaluated after every epoch and reported as `testAccuracy` in the epoch event. */
  validation?: Dataset;
}

export interface TrainResult {
  finalLoss: number;
  seconds: number;
  /** Accuracy on `validation` after the last epoch, if given. */
  validationAccuracy?: number;
}

/** The variables a training step updates: the model's trainable weights. */
export function trainableVariables(model: LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Checks that a dataset fits a model's input and output. */
export function checkDatasetFits(model: LayersModel, ds: Dataset): void {
  const inputShape = model.inputs[0]?.shape.slice(1) ?? [];
  if (inputShape.length !== ds.sampleShape.length || inputShape.some((d, i) => d !== null && d !== ds.sampleShape[i])) {
    throw new InvalidArgumentError(
      `dataset ${ds.name} has samples of shape [${ds.sampleShape.join(', ')}] but the model takes [${inputShape.join(', ')}]`,
    );
  }
  const outputs = model.outputs[0]?.shape[model.outputs[0].shape.length - 1];
  if (typeof outputs === 'number' && outputs < ds.numClasses) {
    throw new InvalidArgumentError(`dataset ${ds.name} has ${ds.numClasses} classes but the model has ${outputs} outputs`);
  }
}

/**
 * Normal (unprotected) training of a classifier with cross-entropy.
 *
 * @example
 * ```ts
 * const { model } = buildLeNet5({ seed: 1 });
 * await trainClassifier(model, train, { epochs: 5, seed: 1, onEvent: (e) => console.log(e) });
 * ```
 */
export function trainClassifier(model: LayersModel, train: Dataset, options: TrainOptions): TrainResult {
  checkDatasetFits(model, train);
  const probabilities = outputsProbabilities(model);
  const { validation } = options;
  let validationAccuracy: number | undefined;
  const result = runTrainingLoop(
    {
      variables: trainableVariables(model),
      numSamples: train.y.length,
      lossFor: (batch) => {
        const xs = gatherInputs(train, batch);
        const ys = gatherLabels(train, batch);
        return crossEntropy(model.apply(xs, { training: true }) as tf.Tensor, ys, probabilities);
      },
      metricsAfterEpoch: validation
        ? () => {
            validationAccuracy = evaluateClassifier(model, validation).accuracy;
            return { testAccuracy: validationAccuracy };
          }
        : undefined,
    },
    options,
  );
  return { ...result, ...(validationAccuracy !== undefined ? { validationAccuracy } : {}) };
}
