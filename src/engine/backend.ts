/**
 * Starting a TF.js backend, as the device runtime needs it: nothing here imports the cpu backend (an app that wants
 * it imports `@tensorflow/tfjs-backend-cpu` itself), and nothing happens on import. {@link useBackend} leaves the
 * backend an app already set alone and starts WebAssembly only when none is set.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from '../util/errors.js';
import { extraWasmKernels } from './kernels/index.js';

/** A TF.js backend: `wasm` (edgepro's default, XNNPACK + SIMD), `cpu` (the pure-JS reference), `webgl`, `webgpu`. */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu' | (string & {});

export interface EngineOptions {
  /**
   * The backend to start. {@link initEngine} defaults to `wasm`; a load given no backend uses the one the app set
   * (`tf.setBackend`), and starts `wasm` only when none is set. A backend other than `wasm` must be registered by
   * its package (`import '@tensorflow/tfjs-backend-webgl'`, `-cpu`, `-webgpu`).
   */
  backend?: BackendName;
  /**
   * Where the browser fetches the `.wasm` binaries from (a URL prefix ending in `/`, or a map of file name to URL).
   * Node finds them inside the installed package and needs nothing.
   */
  wasmPaths?: string | Record<string, string>;
}

let kernelsRegistered = false;
const starting = new Map<string, Promise<void>>();

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

/** The backend the app set (or TF.js already started), or undefined when none is active yet. Starts nothing. */
export function activeBackend(): string | undefined {
  const name = (tf.engine() as unknown as { backendName?: string | null }).backendName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * Selects and initialises a backend (default `wasm`) as the global TF.js backend. Safe to call repeatedly;
 * switching backends keeps no tensors alive across.
 *
 * @example
 * ```ts
 * await initEngine();                    // wasm, the default
 * await initEngine({ backend: 'cpu' });  // the reference, for checks (import '@tensorflow/tfjs-backend-cpu' first)
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
  if (tf.findBackendFactory(backend) == null && tf.findBackend(backend) == null) {
    throw new EngineError(`the ${backend} backend is not registered: import '@tensorflow/tfjs-backend-${backend}' before starting it`);
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

/**
 * The backend a load runs on: the one `options.backend` names (started if it is not the active one), else the one the
 * app set, else `wasm`, started here. Never switches away from the app's backend unless told to.
 */
export async function useBackend(options: EngineOptions = {}): Promise<string> {
  const active = activeBackend();
  if (options.backend === undefined && active !== undefined) {
    if (active === 'wasm') registerExtraKernels();
    await tf.ready();
    return active;
  }
  if (options.backend !== undefined && options.backend === active && options.wasmPaths === undefined) {
    if (active === 'wasm') registerExtraKernels();
    await tf.ready();
    return active;
  }
  return initEngine(options);
}
