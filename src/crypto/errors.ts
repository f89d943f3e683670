/**
 * Errors of the password container and licences. Each is an {@link EdgeProError} with a stable `code`.
 *
 * The split is deliberate: what can be told from public bytes (a bad magic, a length that does not add up, an
 * unknown version, the wrong model, an expiry date) gets its own error; what only the key can tell — a wrong key or
 * altered ciphertext — is one {@link DecryptionFailedError}, because AES-GCM cannot tell them apart and saying which
 * would hand an attacker an oracle.
 */
import { EdgeProError } from '../util/errors.js';

/** Wrong key, wrong passphrase, licence for another device, or altered authenticated bytes. */
export class DecryptionFailedError extends EdgeProError {
  constructor(message = 'decryption failed: wrong key or altered data', options?: { cause?: unknown }) {
    super('ERR_DECRYPTION_FAILED', message, options);
  }
}

/** The bytes are not a well-formed container, licence or key file (magic, lengths, types), found before any decryption. */
export class MalformedError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MALFORMED', message, options);
  }
}

/** A vendor public key was given and the licence is unsigned, or its Ed25519 signature does not verify. */
export class SignatureError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SIGNATURE', message, options);
  }
}

/** The container or licence was made for a model whose weights have another SHA-256 fingerprint. */
export class ModelMismatchError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MODEL_MISMATCH', message, options);
  }
}

/** The container or licence carries an expiry date that has passed. */
export class ExpiredError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_EXPIRED', message, options);
  }
}

/**
 * The device's clock cannot be trusted for this licence: it is before the licence was issued (beyond the allowed
 * skew), or it went back from a time the app's clock adapter saw earlier.
 */
export class ClockError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CLOCK', message, options);
  }
}

/** The file is of a format version this build cannot read (a newer edgepro wrote it). */
export class UnsupportedVersionError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_UNSUPPORTED_VERSION', message, options);
  }
}

/** The codes above, for callers that sort failures of a licence or container from everything else. */
export { CRYPTO_ERROR_CODES } from '../util/errors.js';
