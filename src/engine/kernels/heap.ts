/** Helpers for kernels written in JavaScript over the wasm backend's heap. */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's `BackendWasm` the kernels use (its class is not exported as a type we can name). */
export type WasmBackend = Parameters<KernelFunc>[0]['backend'] & {
  disposeData(dataId: object): boolean;
  makeOutput(shape: readonly number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
};

/**
 * A float32 view of a tensor's bytes on the wasm heap. Take views only after the last `makeOutput` of the kernel:
 * an allocation can grow the heap, which detaches every view taken before.
 */
export function heapF32(backend: WasmBackend, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new TypeError(`expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}
