/**
 * `Conv2DBackpropInput` for the wasm backend, replacing the shipped one: that is a plain scalar loop (about 20 ms for
 * LeNet-5's second conv at batch 64, a third of a training step), this one hands the arithmetic to XNNPACK.
 *
 * The input gradient of a convolution is a convolution: with dy' = dy with (stride - 1) zeros inserted between its
 * rows and columns, dx[n,h,w,ci] = sum over kh,kw,co of dy'[n, h + kh - (K_h-1-top), w + kw - (K_w-1-left), co] *
 * W[K_h-1-kh, K_w-1-kw, ci, co]: a stride-1 forward conv of dy' with the filter rotated 180 degrees and its channel
 * axes swapped, padded by K-1-top at the front and whatever makes the output H x W at the back. dy' rows past
 * H-1+top feed no input pixel (their windows lie in the padding) and are cropped instead of padded negatively.
 */
import {
  backend_util,
  Conv2D,
  Conv2DBackpropInput,
  getKernel,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackend } from './heap.js';

function conv2DBackpropInput(args: {
  inputs: Conv2DBackpropInputInputs;
  backend: WasmBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropInput on wasm supports NHWC only, got ${dataFormat}`);
  const info = backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outChannels: Co, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const padTop = KH - 1 - info.padInfo.top;
  const padLeft = KW - 1 - info.padInfo.left;
  if (padTop < 0 || padLeft < 0) {
    throw new Error(`Conv2DBackpropInput on wasm: padding (${info.padInfo.top}, ${info.padInfo.left}) wider than the filter is not supported`);
  }
  // dy' rows and columns kept: the dilated extent, cropped to what feeds an input pixel.
  const rows = Math.min((OH - 1) * sh + 1, H + info.padInfo.top);
  const cols = Math.min((OW - 1) * sw + 1, W + info.padInfo.left);
  const padBottom = H + KH - 1 - rows - padTop;
  const padRight = W + KW - 1 - cols - padLeft;

  const temps: TensorInfo[] = [];
  const flipped = backend.makeOutput([KH, KW, Co, Ci], 'float32');
  temps.push(flipped);
  let source = dy;
  if (sh !== 1 || sw !== 1 || rows !== OH || cols !== OW) {
    source = backend.makeOutput([N, rows, cols, Co], 'float32');
    temps.push(source);
  }
  // Views only after the last allocation (a heap growth detaches earlier views).
  const w = heapF32(backend, filter);
  const wf = heapF32(backend, flipped);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const to = (kh * KW + kw) * Co * Ci;
      const from = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * Ci * Co;
      for (let ci = 0; ci < Ci; ci++) {
        for (let co = 0; co < Co; co++) wf[to + co * Ci + ci] = w[from + ci * Co + co]!;
      }
    }
  }
  if (source !== dy) {
    const g = heapF32(backend, dy);
    const d = heapF32(backend, source);
    d.fill(0);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh * sh < rows; oh++) {
        for (let ow = 0; ow * sw < cols; ow++) {
          const from = ((n * OH + oh) * OW + ow) * Co;
          d.set(g.subarray(from, from + Co), ((n * rows + oh * sh) * cols + ow * sw) * Co);
        }
      }
    }
  }
  const conv = getKernel(Conv2D, 'wasm');
  if (conv === undefined) throw new Error('wasm backend has no Conv2D kernel');
  const dx = conv.kernelFunc({
    inputs: { x: source, filter: flipped },
    backend,
    attrs: {
      strides: [1, 1],
      pad: [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    } as never,
  }) as TensorInfo;
  for (const t of temps) backend.disposeData(t.dataId);
  return dx;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
