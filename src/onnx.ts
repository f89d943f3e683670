/**
 * `edgepro/onnx`: what a device needs to run a sealed ONNX model — read its bundle, open its licence, decrypt it into
 * memory for the app's own ONNX Runtime (`onnxruntime-web` or `onnxruntime-node`, passed in). No TensorFlow.js, no
 * ONNX Runtime and nothing Node-only is imported here. In Node, `directorySource` from `edgepro/node` reads a bundle
 * directory.
 */
export {
  loadProtectedOnnx,
  ProtectedOnnxModel,
  type OnnxLoadOptions,
  type OnnxLoadTimings,
  type OnnxRuntimeLike,
  type OnnxSessionLike,
  type OnnxExternalData,
} from './runtime/onnx.js';
export { type Credentials, type CredentialOptions, type Clock } from './runtime/credentials.js';
export { Bundle, urlSource, type BundleSource } from './bundle/source.js';
export { openOnnxBundle, ONNX_BUNDLE_LIMITS, type OpenedOnnxBundle, type UnsealedOnnx } from './bundle/onnx.js';
export { ERROR_CODES, type ErrorCode, EdgeProError, InvalidArgumentError, ModelFormatError, SealedModelError } from './util/errors.js';
export {
  DecryptionFailedError,
  MalformedError,
  SignatureError,
  ModelMismatchError,
  ExpiredError,
  ClockError,
  UnsupportedVersionError,
  CRYPTO_ERROR_CODES,
} from './crypto/errors.js';
export { errorHint, ERROR_HINTS, type ErrorHint } from './util/error_hints.js';
export { inspectLicence, type LicenceHeader } from './crypto/licence.js';
export { generateDeviceKeyPair, devicePublicKey, decodeKeyFile, encodeKeyFile, type KeyPair, type KeyKind } from './crypto/keys.js';
export { KDF_LIMITS, type KdfLimits, type KdfParams } from './crypto/kdf.js';
