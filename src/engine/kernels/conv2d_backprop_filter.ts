/**
 * `Conv2DBackpropFilter` for the wasm backend, which ships without it (so no conv net could train).
 *
 * The filter gradient is itself a convolution: dW[kh,kw,ci,co] = sum over n,oh,ow of
 * x[n, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[n,oh,ow,co]. Treating input channels as the batch and the
 * batch as channels, that is a forward conv of x^T = [Ci,H,W,N] with dy^T = [OH,OW,N,Co] as the filter,
 * dilated by the forward stride — so XNNPACK's optimised convolution does the arithmetic.
 */
import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  getKernel,
  Slice,
  Transpose,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

type Backend = Parameters<KernelFunc>[0]['backend'] & { disposeData(dataId: object): boolean };

function call(name: string, backend: Backend, inputs: Record<string, TensorInfo>, attrs: object): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as never }) as TensorInfo;
}

function conv2DBackpropFilter(args: {
  inputs: Conv2DBackpropFilterInputs;
  backend: Backend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [, inH, inW] = x.shape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight, outWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Pad (or crop) the far edges so the dilated "filter" dy^T sweeps exactly kh x kw positions.
  let bottom = kh - inH - top + (outHeight - 1) * sh;
  let right = kw - inW - left + (outWidth - 1) * sw;
  const temps: TensorInfo[] = [];
  let xT = call(Transpose, backend, { x }, { perm: [3, 1, 2, 0] });
  temps.push(xT);
  if (bottom < 0 || right < 0) {
    const [c, h, w, n] = xT.shape as [number, number, number, number];
    const keepH = h + Math.min(bottom, 0);
    const keepW = w + Math.min(right, 0);
    xT = call(Slice, backend, { x: xT }, { begin: [0, 0, 0, 0], size: [c, keepH, keepW, n] });
    temps.push(xT);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const dyT = call(Transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] });
  temps.push(dyT);
  const grad = call(
    Conv2D,
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    },
  );
  temps.push(grad);
  const out = call(Transpose, backend, { x: grad }, { perm: [1, 2, 0, 3] });
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
