/**
 * The protected model as files — model.json, the weights in the clear and/or sealed, password.edgepro — written and
 * read through explicit sources. Isomorphic; the Node directory adapter is `directory.ts` (`edgepro/node`).
 */
export { Bundle, urlSource, streamPieces, type BundleSource } from './source.js';
export { assembleBundle, sealableNames, type AssembleOptions, type AssembledBundle, type SealSelection } from './assemble.js';
export { openBundle, type OpenedBundle } from './open.js';
export { fingerprintBundle, canonicalJson, FINGERPRINT_VERSION, type FingerprintedFile } from './fingerprint.js';
export { checkManifest, parseModelJsonDocument, isBundleFileName, MANIFEST_LIMITS, type ModelJsonDocument, type WeightSpec, type CheckedManifest } from './manifest.js';
export { MODEL_JSON_FILE, CLEAR_WEIGHTS_FILE, SEALED_WEIGHTS_FILE, CONTAINER_FILE, ONNX_FORMAT, ONNX_MODEL_FILE, type BundleMetadata } from './layout.js';
export { assembleOnnxBundle, openOnnxBundle, checkOnnxDocument, isOnnxBundleDocument, ONNX_BUNDLE_LIMITS, type AssembleOnnxOptions, type AssembledOnnxBundle, type OnnxBundleDocument, type OnnxFileReader, type OpenedOnnxBundle, type UnsealedOnnx } from './onnx.js';
export { externalTensors, ONNX_LIMITS, type ExternalTensorRef } from './onnx_proto.js';
