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

/** Kernel and bias of a Dense, Conv2D or DepthwiseConv2D, with `edit` applied (input side first). */
function editKernel(layer: Layer, weights: tf.Tensor[], edit: LayerEdit): { kernel: Float64Array; bias: Float64Array; shape: number[] } {
  const [kernelTensor, biasTensor] = weights;
  if (kernelTensor === undefined) throw new ModelFormatError(`layer ${layer.name} has no kernel to fold into`);
  const shape = kernelTensor.shape;
  const kernel = values(kernelTensor);
  const depthwise = layer.getClassName() === 'DepthwiseConv2D';
  const last = shape[shape.length - 1]!;
  // Output channels, and the input channel each kernel entry reads.
  const outputs = depthwise ? shape[2]! * last : last;
  const outputOf = (e: number) => (depthwise ? e % outputs : e % last);
  const bias = biasTensor !== undefined ? values(biasTensor) : new Float64Array(outputs);

  if (edit.input !== undefined) {
    const channels = edit.input.scale.length;
    const rows = depthwise ? shape[2]! : kernel.length / outputs;
    if (!Number.isInteger(rows) || rows % channels !== 0 || (shape.length === 4 && shape[2] !== channels)) {
      throw new ModelFormatError(`cannot fold a lock of ${channels} neurons into ${layer.name}, which reads ${rows} input rows`);
    }
    const inputOf = (e: number) => (depthwise ? Math.floor((e % outputs) / last) : Math.floor(e / outputs) % channels);
    const { scale, shift } = edit.input;
    for (let e = 0; e < kernel.length; e++) {
      const c = inputOf(e);
      const w = kernel[e]!;
      if (shift[c] !== 0) bias[outputOf(e)]! += w * shift[c]!;
      kernel[e] = w * scale[c]!;
    }
  }
  if (edit.output !== undefined) {
    checkChannels(edit.output, outputs, layer.name, 'output');
    const { scale, shift } = edit.output;
    for (let e = 0; e < kernel.length; e++) kernel[e]! *= scale[outputOf(e)]!;
    for (let o = 0; o < outputs; o++) bias[o] = scale[o]! * bias[o]! + shift[o]!;
  }
  return { kernel, bias, shape };
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
  const { kernel, bias, shape } = editKernel(source, weights, edit);
  const tensors = [tf.tensor(Float32Array.from(kernel), shape, 'float32')];
  if (target.getWeights().length > 1) tensors.push(tf.tensor1d(Float32Array.from(bias), 'float32'));
  else if (bias.some((b) => b !== 0)) {
    tf.dispose(tensors);
    throw new ModelFormatError(`layer ${source.name} needs a bias to fold a lock into`);
  }
  return tensors;
}
