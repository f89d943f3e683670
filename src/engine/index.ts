/**
 * The numeric engine: TensorFlow.js on its WebAssembly backend (XNNPACK, SIMD), the same in Node and the browser,
 * with the pure-JS `cpu` backend kept as the numerical reference. Nothing happens on import: call
 * {@link initEngine} once before building or running a model.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle carries no gradient functions; tfjs-layers' bundle registers them all (into the registry
// shared through globalThis), so training needs this import even where no layer is used.
import '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from '../util/errors.js';
import { extraWasmKernels } from './kernels/index.js';

export type BackendName = 'wasm' | 'cpu';

export interface EngineOptions {
  /** `wasm` (default) for speed; `cpu` is the slow pure-JS reference used to check numerics. */
  backend?: BackendName;
  /**
   * Where the browser fetches the `.wasm` binaries from (a URL prefix ending in `/`, or a map of file name to URL).
   * Node finds them inside the installed package and needs nothing.
   */
  wasmPaths?: string | Record<string, string>;
}

let kernelsRegistered = false;
const starting = new Map<BackendName, Promise<void>>();

/**
 * Registers edgepro's wasm kernels: those the backend lacks, and replacements for shipped ones that are wrong or
 * slow (the shipped config is unregistered first). Idempotent.
 */
export function registerExtraKernels(): void {
  if (kernelsRegistered) return;
  for (const config of extraWasmKernels) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
  }
  kernelsRegistered = true;
}

/**
 * Selects and initialises a backend. Safe to call repeatedly; switching backends keeps no tensors alive across.
 *
 * @example
 * ```ts
 * await initEngine();               // wasm, the default
 * await initEngine({ backend: 'cpu' }); // the reference, for checks
 * ```
 */
export async function initEngine(options: EngineOptions = {}): Promise<BackendName> {
  const backend = options.backend ?? 'wasm';
  // Production mode: no debug checks, and no console banner from the cpu backend (only cli/ prints).
  tf.env().set('PROD', true);
  if (backend === 'wasm') {
    if (options.wasmPaths !== undefined) setWasmPaths(options.wasmPaths as string);
    registerExtraKernels();
  }
  // Concurrent callers (several loads at once) share one start: two setBackend calls racing leave neither ready.
  let start = starting.get(backend);
  if (start === undefined) {
    start = (async () => {
      let ok: boolean;
      try {
        ok = await tf.setBackend(backend);
        await tf.ready();
      } catch (cause) {
        throw new EngineError(`could not start the ${backend} backend`, { cause });
      }
      if (!ok || tf.getBackend() !== backend) throw new EngineError(`could not start the ${backend} backend`);
    })();
    starting.set(backend, start);
    void start.then(
      () => starting.delete(backend),
      () => starting.delete(backend),
    );
  }
  await start;
  return backend;
}

export { tf };
