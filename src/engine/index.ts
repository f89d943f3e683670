/**
 * The numeric engine: TensorFlow.js on its WebAssembly backend (XNNPACK, SIMD), the same in Node and the browser,
 * with the pure-JS `cpu` backend kept as the numerical reference. Nothing happens on import: call
 * {@link initEngine} once before building or running a model.
 */
import * as tf from '@tensorflow/tfjs-core';
// The owner's library trains and checks numerics on the cpu backend too; the device runtime (engine/backend.ts)
// leaves this import to the app.
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle carries no gradient functions; tfjs-layers' bundle registers them all (into the registry
// shared through globalThis), so training needs this import even where no layer is used.
import '@tensorflow/tfjs-layers';

export { initEngine, registerExtraKernels, useBackend, activeBackend, type BackendName, type EngineOptions } from './backend.js';
export { tf };
