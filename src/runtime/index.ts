/**
 * `edgepro/runtime`: what a device needs — load a protected model, open its licence, unlock it, predict. No
 * training, no attacks, nothing Node-only, so a browser bundle stays small (a test bundles it for the browser).
 */
export { loadProtectedModel, ProtectedModel, type LoadOptions, type Prediction } from './session.js';
export { type ModelSource } from './source.js';
export { initEngine, type EngineOptions } from '../engine/index.js';
export { decodePassword, validatePassword, type Password, type LockPointKey } from '../lock/password.js';
export { EdgeProError, InputShapeError, InvalidArgumentError, InvalidPasswordError, ModelFormatError, EngineError } from '../util/errors.js';
export {
  DecryptionFailedError,
  MalformedError,
  SignatureError,
  ModelMismatchError,
  ExpiredError,
  UnsupportedVersionError,
  CRYPTO_ERROR_CODES,
} from '../crypto/errors.js';
// What a device does with its own keys and files: make its key pair, read key files, look at a licence.
export { fingerprintWeights } from '../crypto/fingerprint.js';
export { openContainer, inspectContainer, type ContainerHeader, type OpenContainerOptions } from '../crypto/container.js';
export { openLicence, inspectLicence, type LicenceHeader, type LicenceKey, type OpenLicenceOptions } from '../crypto/licence.js';
export { generateDeviceKeyPair, devicePublicKey, decodeKeyFile, encodeKeyFile, type KeyPair, type KeyKind } from '../crypto/keys.js';
export { KDF_LIMITS, type KdfLimits, type KdfParams } from '../crypto/kdf.js';
