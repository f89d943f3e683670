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

/** Mean cross-entropy of integer `labels` under `outputs` (logits, or probabilities when `probabilities`). */
export function crossEntropy(outputs: tf.Tensor, labels: tf.Tensor1D, probabilities: boolean): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = outputs.shape[outputs.shape.length - 1]!;
    const oneHot = tf.oneHot(labels, numClasses);
    if (!probabilities) return tf.losses.softmaxCrossEntropy(oneHot, outputs) as tf.Scalar;
    const logP = tf.log(tf.clipByValue(outputs, 1e-7, 1));
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logP), -1))) as tf.Scalar;
  });
}

/** Softmax of logits, or the outputs unchanged when they already are probabilities. */
export function toProbabilities(outputs: tf.Tensor, probabilities: boolean): tf.Tensor {
  return probabilities ? outputs : tf.softmax(outputs);
}
