/**
 * `edgepro`: the model owner's library — data, models, training, EdgePro protection, bundles (sealing), reports
 * and attacks. The device's side is `edgepro/runtime` (and `edgepro/node` for reading bundle directories in Node).
 */
export * from './util/errors.js';
export { createRng, shuffleInPlace, type Rng } from './util/rng.js';
export { initEngine, registerExtraKernels, type BackendName, type EngineOptions } from './engine/index.js';
export * from './data/index.js';
export * from './models/index.js';
export * from './lock/index.js';
export * from './train/index.js';
export { protectionReport, type ProtectionReport, type ReportOptions, type Spread } from './eval/report.js';
export * from './attacks/index.js';
export {
  loadProtectedModel,
  ProtectedModel,
  type Credentials,
  type Clock,
  type LoadOptions,
  type LoadTimings,
  type ModelSource,
  type Prediction,
  type PredictInput,
  type PredictOptions,
  type ScoredClass,
  type UnlockTimings,
  protectedModelHandler,
} from './runtime/index.js';
export { loadProtectedOnnx, ProtectedOnnxModel, type OnnxLoadOptions, type OnnxRuntimeLike, type OnnxSessionLike } from './runtime/onnx.js';
export * from './bundle/index.js';
export * from './owner/index.js';
export { directorySource, writeBundle, onnxFileReader } from './bundle/directory.js';
export { loadModelDir, saveModelDir } from './owner/model_dir.js';
export * from './crypto/index.js';
