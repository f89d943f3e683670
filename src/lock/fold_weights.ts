/**
 * Applying a fold's per-channel edits to one layer's weights (see fold_plan.ts for where they come from).
 *
 * Kernels are read as rows x outputs, the way TF.js stores them channels-last: a Dense kernel [in, out] (after a
 * Flatten, row `r` belongs to channel `r % channels`), a Conv2D kernel [kh, kw, cin, cout], and a DepthwiseConv2D
 * kernel [kh, kw, cin, multiplier] whose output channel is `cin * multiplier + m`. A BatchNormalization is
 * `gamma * (x - mean) / sqrt(variance + epsilon) + beta`. Sums are taken in float64 and rounded once.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { ModelFormatError } from '../util/errors.js';
import type { ChannelAffine, LayerEdit } from './fold_plan.js';

interface EditableConfig {
  useBias?: boolean;
  scale?: boolean;
  center?: boolean;
}

function needsShift(affine: ChannelAffine | undefined): boolean {
  return affine !== undefined && affine.shift.some((s) => s !== 0);
}

/**
 * Turns on what the edited layer needs in its configuration before it is built: a bias for a shifted kernel layer,
 * gamma and beta for a batch norm that had them fixed at 1 and 0.
 */
export function enableEditedWeights(className: string, config: EditableConfig, edit: LayerEdit): void {
  if (className === 'BatchNormalization') {
    config.scale = true;
    config.center = true;
  } else if (config.useBias === false && (needsShift(edit.input) || needsShift(edit.output))) {
    config.useBias = true;
  }
}

function values(tensor: tf.Tensor): Float64Array {
  return Float64Array.from(tensor.dataSync());
}

function checkChannels(affine: ChannelAffine, channels: number, layer: string, side: string): void {
  if (affine.scale.length !== channels) {
    throw new ModelFormatError(`cannot fold a lock of ${affine.scale.length} neurons into the ${side} of ${layer}, which has ${channels} channels`);
  }
}

/**
 * Kernel and bias of a Dense, Conv2D or DepthwiseConv2D, with `edit` applied (input side first). The kernel is read
 * as rows x columns, a column being an output channel: row `r` reads input channel `r % channels` (Dense, Conv2D),
 * or column `j` reads input channel `floor(j / multiplier)` (DepthwiseConv2D). Scaling is one broadcast multiply on
 * the backend (a product of two float32 values rounds once, as in plain arithmetic); a shifted input's bias term is
 * summed in float64, and only when there is one.
 */
function editKernel(layer: Layer, weights: tf.Tensor[], edit: LayerEdit): { kernel: tf.Tensor; bias: Float64Array } {
  const [kernelTensor, biasTensor] = weights;
  if (kernelTensor === undefined) throw new ModelFormatError(`layer ${layer.name} has no kernel to fold into`);
  const shape = kernelTensor.shape;
  const depthwise = layer.getClassName() === 'DepthwiseConv2D';
  const last = shape[shape.length - 1]!;
  const columns = depthwise ? shape[2]! * last : last;
  const rows = kernelTensor.size / columns;
  const bias = biasTensor !== undefined ? values(biasTensor) : new Float64Array(columns);
  const isOne = (v: Float64Array) => v.every((x) => x === 1);

  let inputScale: tf.Tensor | undefined;
  if (edit.input !== undefined) {
    const channels = edit.input.scale.length;
    const reads = depthwise ? shape[2]! : rows;
    if (!Number.isInteger(rows) || reads % channels !== 0 || (shape.length === 4 && shape[2] !== channels)) {
      throw new ModelFormatError(`cannot fold a lock of ${channels} neurons into ${layer.name}, which reads ${reads} input rows`);
    }
    const { scale, shift } = edit.input;
    if (shift.some((d) => d !== 0)) {
      const kernel = kernelTensor.dataSync();
      for (let r = 0; r < rows; r++) {
        const base = r * columns;
        for (let j = 0; j < columns; j++) {
          const d = shift[depthwise ? Math.floor(j / last) : r % channels]!;
          if (d !== 0) bias[j]! += kernel[base + j]! * d;
        }
      }
    }
    if (!isOne(scale)) {
      // Broadcast over the kernel: [rows / channels, channels, columns] for Dense and Conv2D, [.., cin, 1] for depthwise.
      inputScale = tf.tensor(Float32Array.from(scale), depthwise ? [1, 1, channels, 1] : [1, channels, 1]);
    }
  }
  let outputScale: tf.Tensor | undefined;
  if (edit.output !== undefined) {
    checkChannels(edit.output, columns, layer.name, 'output');
    const { scale, shift } = edit.output;
    if (!isOne(scale)) outputScale = tf.tensor(Float32Array.from(scale), depthwise ? [1, 1, shape[2]!, last] : [columns]);
    for (let o = 0; o < columns; o++) bias[o] = scale[o]! * bias[o]! + shift[o]!;
  }
  const kernel = tf.tidy(() => {
    let k: tf.Tensor = kernelTensor;
    if (inputScale !== undefined) {
      k = depthwise ? tf.mul(k, inputScale) : tf.reshape(tf.mul(tf.reshape(k, [rows / edit.input!.scale.length, edit.input!.scale.length, columns]), inputScale), shape);
    }
    if (outputScale !== undefined) k = tf.mul(k, outputScale);
    // A copy even when nothing scales it: the unlocked model must share no mutable state with the original.
    return k === kernelTensor ? tf.clone(k) : k;
  });
  tf.dispose([inputScale, outputScale].filter((t): t is tf.Tensor => t !== undefined));
  return { kernel, bias };
}

/** gamma, beta, mean and variance of a BatchNormalization with `edit` applied (input side first). */
function editBatchNorm(layer: Layer, weights: tf.Tensor[], edit: LayerEdit): Float64Array[] {
  const config = layer.getConfig() as { scale?: boolean; center?: boolean };
  const queue = [...weights];
  const take = () => {
    const t = queue.shift();
    if (t === undefined) throw new ModelFormatError(`layer ${layer.name} is missing batch-norm weights`);
    return values(t);
  };
  const gammaIn = config.scale === false ? undefined : take();
  const betaIn = config.center === false ? undefined : take();
  const mean = take();
  const variance = take();
  const n = mean.length;
  const gamma = gammaIn ?? new Float64Array(n).fill(1);
  const beta = betaIn ?? new Float64Array(n);
  if (edit.input !== undefined) {
    // x = scale * u + shift with scale +-1 (planned so): gamma (x - mean) = (gamma scale)(u - scale (mean - shift)).
    checkChannels(edit.input, n, layer.name, 'input');
    const { scale, shift } = edit.input;
    for (let c = 0; c < n; c++) {
      if (Math.abs(scale[c]!) !== 1) throw new ModelFormatError(`layer ${layer.name}: a batch norm takes only a sign on its input`);
      mean[c] = scale[c]! * (mean[c]! - shift[c]!);
      gamma[c]! *= scale[c]!;
    }
  }
  if (edit.output !== undefined) {
    checkChannels(edit.output, n, layer.name, 'output');
    const { scale, shift } = edit.output;
    for (let c = 0; c < n; c++) {
      gamma[c]! *= scale[c]!;
      beta[c] = scale[c]! * beta[c]! + shift[c]!;
    }
  }
  return [gamma, beta, mean, variance];
}

/**
 * The weights `target` (the unlocked model's copy of `source`, configured by {@link enableEditedWeights}) takes:
 * `source`'s weights with `edit` applied, as new float32 tensors the caller disposes.
 */
export function editedWeights(source: Layer, target: Layer, edit: LayerEdit): tf.Tensor[] {
  const weights = source.getWeights();
  const cls = source.getClassName();
  if (cls === 'BatchNormalization') {
    return editBatchNorm(source, weights, edit).map((v) => tf.tensor1d(Float32Array.from(v), 'float32'));
  }
  if (cls !== 'Dense' && cls !== 'Conv2D' && cls !== 'DepthwiseConv2D') throw new ModelFormatError(`cannot fold a lock into ${source.name} (${cls})`);
  const { kernel, bias } = editKernel(source, weights, edit);
  const tensors = [kernel];
  if (target.getWeights().length > 1) tensors.push(tf.tensor1d(Float32Array.from(bias), 'float32'));
  else if (bias.some((b) => b !== 0)) {
    tf.dispose(tensors);
    throw new ModelFormatError(`layer ${source.name} needs a bias to fold a lock into`);
  }
  return tensors;
}
