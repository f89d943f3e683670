/**
 * `edgepro`: the model owner's library — data, models, training, EdgePro protection, reports and attacks.
 * The device's side is `edgepro/runtime`.
 */
export * from './util/errors.js';
export { createRng, shuffleInPlace, type Rng } from './util/rng.js';
export { initEngine, registerExtraKernels, type BackendName, type EngineOptions } from './engine/index.js';
export * from './data/index.js';
export * from './models/index.js';
export { loadModelDir, saveModelDir, readModelFiles, type ModelFiles } from './models/files.js';
export * from './lock/index.js';
export * from './train/index.js';
export { protectionReport, type ProtectionReport, type ReportOptions, type Spread } from './eval/report.js';
export * from './attacks/index.js';
export { loadProtectedModel, ProtectedModel, type LoadOptions, type ModelSource, type Prediction } from './runtime/index.js';
export * from './crypto/index.js';
