/** The kernels edgepro adds to the wasm backend, registered by `initEngine()` (never as an import side effect). */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter.js';

export const extraWasmKernels: readonly KernelConfig[] = [conv2DBackpropFilterConfig];
