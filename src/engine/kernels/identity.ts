/**
 * `Identity` for the wasm backend, replacing the shipped one, which copies the tensor's bytes. The engine calls it
 * for every tensor it saves for the backward pass (`clone` in `saveTensorsForBackwardMode`), so training copied each
 * activation once more per step (about 0.8 ms of a LeNet-5 step at batch 64). Tensors are immutable (a Variable's
 * `assign` swaps its data id, nothing writes in place), so the clone can share the bytes and count a reference, as
 * the cpu and webgl backends do.
 */
import { Identity, type IdentityInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackend } from './heap.js';

function identity(args: { inputs: IdentityInputs; backend: WasmBackend & { incRef(dataId: object): void } }): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
};
