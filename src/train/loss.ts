import * as tf from '@tensorflow/tfjs-core';

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
