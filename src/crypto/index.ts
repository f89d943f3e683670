/**
 * Cryptography of a protected model: the password container, licences, key pairs and key files. Isomorphic
 * (WebCrypto and @noble/* only; nothing hand-written, nothing Node-only). Formats: docs/FORMAT.md.
 */
export {
  DecryptionFailedError,
  MalformedError,
  SignatureError,
  ModelMismatchError,
  ExpiredError,
  ClockError,
  UnsupportedVersionError,
  CRYPTO_ERROR_CODES,
} from './errors.js';
export { type RandomBytes } from './bytes.js';
export {
  sealPassword,
  openContainer,
  inspectContainer,
  CONTAINER_FORMAT,
  CONTAINER_VERSION,
  CONTAINER_VERSIONS,
  type ContainerHeader,
  type SealOptions,
  type OpenContainerOptions,
} from './container.js';
export { DEFAULT_KDF, DEFAULT_PBKDF2_ITERATIONS, KDF_LIMITS, type KdfParams, type KdfLimits } from './kdf.js';
export {
  issueLicence,
  openLicence,
  inspectLicence,
  LICENCE_FORMAT,
  LICENCE_VERSION,
  LICENCE_VERSIONS,
  type LicenceHeader,
  type LicenceRecipientHeader,
  type LicenceRecipient,
  type LicenceKey,
  type IssueLicenceOptions,
  type OpenLicenceOptions,
} from './licence.js';
export {
  generateDeviceKeyPair,
  generateVendorKeyPair,
  devicePublicKey,
  vendorPublicKey,
  encodeKeyFile,
  decodeKeyFile,
  KEY_KINDS,
  type KeyPair,
  type KeyKind,
} from './keys.js';
export { sealWeights, openSealed, inspectSealed, sealedBodyBytes, SEALED_MAGIC, SEALED_FORMAT, SEALED_VERSION, DEFAULT_CHUNK_BYTES, type SealedHeader } from './stream.js';
