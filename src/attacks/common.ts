import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LockPoint } from '../models/types.js';

/** Layers that pass a neuron through unchanged (at inference), so a neuron's outgoing weights lie beyond them. */
const TRANSPARENT = new Set(['Flatten', 'Dropout']);

/** The single layer consuming `layer`'s output, or undefined when there are several (e.g. a residual fork). */
function soleConsumer(model: LayersModel, layer: Layer): Layer | undefined {
  const consumers = model.layers.filter((l) => l.inboundNodes.some((n) => n.inboundLayers.includes(layer)));
  return consumers.length === 1 ? consumers[0] : undefined;
}

/**
 * L1 norm of each lock-point neuron's outgoing weights: the magnitude-pruning criterion. Follows Flatten/Dropout to
 * the next Dense or Conv2D (for a conv channel feeding Flatten, its weights are the rows idx % C == c).
 * Returns undefined when the next layer is not linear (batch norm, residual add), where the criterion is undefined.
 */
export function outgoingWeightL1(model: LayersModel, point: LockPoint): Float32Array | undefined {
  let layer = model.getLayer(point.layer) as unknown as Layer;
  let flattenedFromConv = false;
  for (;;) {
    const next = soleConsumer(model, layer);
    if (next === undefined) return undefined;
    const cls = next.getClassName();
    if (TRANSPARENT.has(cls)) {
      if (cls === 'Flatten' && point.kind === 'conv') flattenedFromConv = true;
      layer = next;
      continue;
    }
    if (cls !== 'Dense' && cls !== 'Conv2D') return undefined;
    const kernel = next.getWeights()[0]!;
    return tf.tidy(() => {
      const abs = tf.abs(kernel);
      let perInput: tf.Tensor;
      if (cls === 'Dense') perInput = tf.sum(abs, 1); // [inputs]
      else perInput = tf.sum(abs, [0, 1, 3]); // conv kernel [kh, kw, in, out] -> [in]
      if (flattenedFromConv) perInput = tf.sum(tf.reshape(perInput, [-1, point.size]), 0);
      return perInput.dataSync() as Float32Array;
    });
  }
}
