/**
 * `MaxPoolGrad` for the wasm backend, replacing the one it ships, which is wrong: its window maximum starts at 0,
 * not -infinity, so a window of negative values sends its whole gradient to the window's first element, and ties go
 * to the last maximum where the cpu backend (and PyTorch) choose the first. (After a ReLU, LeNet-5's pools never see
 * negative values, but a pool on raw or batch-normalised activations would train on wrong gradients.)
 *
 * Each output gradient goes to the first maximum of its window, as in the cpu reference. The loop runs in
 * JavaScript straight on the wasm heap (under a millisecond for LeNet-5's first pool at batch 64, where the shipped
 * kernel takes several).
 */
import {
  backend_util,
  MaxPoolGrad,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type MaxPoolGradInputs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackend } from './heap.js';

function maxPoolGrad(args: { inputs: MaxPoolGradInputs; backend: WasmBackend; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const input = inputs.input as TensorInfo;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Allocate first: a heap growth would detach views taken before.
  const dx = backend.makeOutput(input.shape, 'float32');
  const x = heapF32(backend, input);
  const y = heapF32(backend, inputs.output as TensorInfo);
  const g = heapF32(backend, dy);
  const out = heapF32(backend, dx);
  out.fill(0);
  // The forward output y holds each window's maximum, so the first element equal to it is the first maximum:
  // one comparison per element visited, and usually fewer than a full window scan.
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && 2 * OH <= H && 2 * OW <= W) {
    // The usual 2x2 pool, stride 2, no padding: disjoint windows, unrolled and branch-free (which of the four
    // is the maximum is unpredictable, and mispredicted branches cost more than the arithmetic).
    const rowStep = W * C;
    for (let b = 0; b < batchSize; b++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const o = ((b * OH + oh) * OW + ow) * C;
          const i0 = ((b * H + 2 * oh) * W + 2 * ow) * C;
          for (let c = 0; c < C; c++) {
            const m = y[o + c]!;
            const gv = g[o + c]!;
            const a = i0 + c;
            const e0 = +(x[a] === m);
            const e1 = +(x[a + C] === m) & (e0 ^ 1);
            const e2 = +(x[a + rowStep] === m) & ((e0 | e1) ^ 1);
            const e3 = +(x[a + rowStep + C] === m) & ((e0 | e1 | e2) ^ 1);
            if (Number.isFinite(gv)) {
              out[a] = e0 * gv;
              out[a + C] = e1 * gv;
              out[a + rowStep] = e2 * gv;
              out[a + rowStep + C] = e3 * gv;
            } else {
              // 0 * Infinity would be NaN: write only where the maximum is.
              const i = e0 ? a : e1 ? a + C : e2 ? a + rowStep : e3 ? a + rowStep + C : -1;
              if (i >= 0) out[i] = gv;
            }
          }
        }
      }
    }
    return dx;
  }
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - top;
      const hMin = Math.max(0, h0);
      const hMax = Math.min(H, h0 + fh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - left;
        const wMin = Math.max(0, w0);
        const wMax = Math.min(W, w0 + fw);
        const o = ((b * OH + oh) * OW + ow) * C;
        const first = ((b * H + hMin) * W + wMin) * C;
        for (let c = 0; c < C; c++) {
          const m = y[o + c]!;
          search: for (let h = hMin, row = first + c; h < hMax; h++, row += W * C) {
            for (let w = wMin, i = row; w < wMax; w++, i += C) {
              if (x[i] === m) {
                out[i] = out[i]! + g[o + c]!;
                break search;
              }
            }
          }
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
