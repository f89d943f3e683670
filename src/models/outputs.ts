/** What a model's output is: probabilities or logits. Training, attacks and the device runtime all ask. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * Whether the model's output is already a probability distribution (a user's model ending in softmax) or logits
 * (edgepro's architectures, which leave softmax to the loss for numerical stability).
 */
export function outputsProbabilities(model: LayersModel): boolean {
  const last = model.outputLayers[0];
  const config = last?.getConfig() as { activation?: unknown } | undefined;
  return last?.getClassName() === 'Softmax' || config?.activation === 'softmax';
}

/** Softmax of logits, or the outputs unchanged when they already are probabilities. */
export function toProbabilities(outputs: tf.Tensor, probabilities: boolean): tf.Tensor {
  return probabilities ? outputs : tf.softmax(outputs);
}
