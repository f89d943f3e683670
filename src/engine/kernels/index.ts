/**
 * The kernels edgepro adds to the wasm backend or puts in place of its own, registered by `initEngine()` (never as an
 * import side effect). Each is checked against the cpu backend in test/engine.
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './batch_mat_mul.js';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { conv2DBackpropInputConfig } from './conv2d_backprop_input.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './max_pool_grad.js';

export const extraWasmKernels: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig, // missing from the wasm backend
  conv2DBackpropInputConfig, // shipped one is a scalar loop
  maxPoolGradConfig, // shipped one is wrong for negative inputs and ties
  batchMatMulConfig, // shipped one is slow when an operand is transposed
  identityConfig, // shipped one copies; every tensor saved for the backward pass is cloned
];
