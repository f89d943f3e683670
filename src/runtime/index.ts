/**
 * `edgepro/runtime`: what a device needs — read a protected model's bundle, open its licence, unseal and unlock it,
 * predict. No training, no attacks, nothing Node-only, so a browser bundle stays small (a test bundles it for the
 * browser). In Node, `directorySource` from `edgepro/node` reads a bundle directory.
 */
export {
  loadProtectedModel,
  ProtectedModel,
  type LoadOptions,
  type LoadTimings,
  type ModelSource,
  type Prediction,
  type PredictInput,
  type PredictOptions,
  type ScoredClass,
  type UnlockTimings,
} from './session.js';
export { protectedModelHandler } from './io_handler.js';
export { registerLockLayers } from '../lock/lock_layer.js';
export { type Credentials, type CredentialOptions, type Clock } from './credentials.js';
export { Bundle, urlSource, type BundleSource } from '../bundle/source.js';
export { openBundle, type OpenedBundle } from '../bundle/open.js';
export { MANIFEST_LIMITS } from '../bundle/manifest.js';
export { initEngine, activeBackend, type BackendName, type EngineOptions } from '../engine/backend.js';
export { decodePassword, validatePassword, type Password, type LockPointKey } from '../lock/password.js';
export { ERROR_CODES, type ErrorCode, EdgeProError, InputShapeError, InvalidArgumentError, InvalidPasswordError, ModelFormatError, EngineError, SealedModelError } from '../util/errors.js';
export {
  DecryptionFailedError,
  MalformedError,
  SignatureError,
  ModelMismatchError,
  ExpiredError,
  ClockError,
  UnsupportedVersionError,
  CRYPTO_ERROR_CODES,
} from '../crypto/errors.js';
export { errorHint, ERROR_HINTS, type ErrorHint } from '../util/error_hints.js';
// What a device does with its own keys and files: make its key pair, read key files, look at a licence.
export { inspectContainer, type ContainerHeader } from '../crypto/container.js';
export { inspectLicence, type LicenceHeader } from '../crypto/licence.js';
export { generateDeviceKeyPair, devicePublicKey, decodeKeyFile, encodeKeyFile, type KeyPair, type KeyKind } from '../crypto/keys.js';
export { KDF_LIMITS, type KdfLimits, type KdfParams } from '../crypto/kdf.js';
