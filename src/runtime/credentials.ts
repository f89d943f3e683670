/**
 * What a device or the owner hands over to open a protected model, as one union, and how each form becomes the
 * content key (which unseals the weights) and the password (which unlocks the lock).
 */
import { InvalidArgumentError } from '../util/errors.js';
import { decodePassword, validatePassword, type Password } from '../lock/password.js';
import { KEY_BYTES } from '../crypto/aead.js';
import { keyBytes } from '../crypto/bytes.js';
import { UnsupportedVersionError } from '../crypto/errors.js';
import { inspectContainer, openContainer, CONTAINER_VERSION } from '../crypto/container.js';
import { inspectLicence, openLicence, LICENCE_VERSION, type LicenceKey, type OpenLicenceOptions } from '../crypto/licence.js';
import type { KdfLimits } from '../crypto/kdf.js';
import type { LockPoint } from '../models/types.js';

/**
 * How to open a protected model:
 * - a licence with the passphrase or this device's X25519 private key that opens it (`vendorKey`, the vendor's
 *   Ed25519 public key: with it, unsigned or forged licences are refused);
 * - the owner key (`contentKey`, the content of `owner.key`);
 * - the password itself (the owner's experiments; opens the lock of a model whose weights are in the clear).
 */
export type Credentials =
  | { licence: Uint8Array | ArrayBuffer; passphrase: string; vendorKey?: Uint8Array }
  | { licence: Uint8Array | ArrayBuffer; deviceKey: Uint8Array; vendorKey?: Uint8Array }
  | { contentKey: Uint8Array }
  | { password: Password | Uint8Array };

export interface CredentialOptions {
  /** Clock for expiry checks (default: now). */
  now?: Date | number;
  /** Tighter caps on a passphrase licence's KDF parameters. */
  kdfLimits?: Partial<KdfLimits>;
}

/** Refuses a malformed credentials object before any I/O, naming what is wrong. */
export function checkCredentials(credentials: unknown): asserts credentials is Credentials {
  if (typeof credentials !== 'object' || credentials === null) throw new InvalidArgumentError('credentials must be an object: { licence, passphrase | deviceKey }, { contentKey } or { password }');
  const c = credentials as Record<string, unknown>;
  const ways = ['licence', 'contentKey', 'password'].filter((k) => c[k] !== undefined);
  if (ways.length !== 1) throw new InvalidArgumentError('credentials need exactly one of licence, contentKey or password');
  if (c.licence !== undefined) {
    if ((c.passphrase === undefined) === (c.deviceKey === undefined)) throw new InvalidArgumentError('a licence needs exactly one of passphrase or deviceKey');
    if (c.passphrase !== undefined && typeof c.passphrase !== 'string') throw new InvalidArgumentError('passphrase must be a string');
  } else if (c.passphrase !== undefined || c.deviceKey !== undefined || c.vendorKey !== undefined) {
    throw new InvalidArgumentError('passphrase, deviceKey and vendorKey open a licence: give the licence too');
  }
}

const REPROTECT = 'protect the model again with this edgepro (edgepro protect, or edgepro seal for a model without a lock)';

/**
 * The content key the credentials hold or open (undefined for a bare password). A licence is checked against the
 * bundle's fingerprint before any key derivation; a version-1 licence (its fingerprint did not cover model.json) is
 * refused with what to do.
 */
export async function contentKeyFrom(credentials: Credentials, fingerprint: string, options: CredentialOptions): Promise<Uint8Array | undefined> {
  if ('password' in credentials) return undefined;
  if ('contentKey' in credentials) return keyBytes(credentials.contentKey, KEY_BYTES, 'contentKey').slice();
  const version = inspectLicence(credentials.licence, options.kdfLimits === undefined ? {} : { kdfLimits: options.kdfLimits }).version;
  if (version !== LICENCE_VERSION) {
    throw new UnsupportedVersionError(`licence version ${version} was issued by an older edgepro for a model format that did not bind model.json: issue a new licence (edgepro licence issue) for a model protected by this edgepro`);
  }
  const key: LicenceKey = 'passphrase' in credentials ? { passphrase: credentials.passphrase } : { devicePrivateKey: credentials.deviceKey };
  const open: OpenLicenceOptions = { modelFingerprint: fingerprint };
  if (credentials.vendorKey !== undefined) open.vendorPublicKey = credentials.vendorKey;
  if (options.now !== undefined) open.now = options.now;
  if (options.kdfLimits !== undefined) open.kdfLimits = options.kdfLimits;
  return openLicence(credentials.licence, key, open);
}

/** Refuses a version-1 container up front: its bundle's model.json is not bound, whatever the credentials. */
export function checkContainerVersion(container: Uint8Array): void {
  const { version } = inspectContainer(container);
  if (version !== CONTAINER_VERSION) throw new UnsupportedVersionError(`password.edgepro is version ${version}, made by an older edgepro whose fingerprint did not cover model.json: ${REPROTECT}`);
}

/**
 * The password to apply: given directly, or decrypted from password.edgepro with the content key. A sealed model
 * cannot take a bare password (nothing would decrypt its weights).
 */
export async function passwordFrom(
  credentials: Credentials,
  contentKey: Uint8Array | undefined,
  container: Uint8Array | undefined,
  fingerprint: string,
  lockPoints: readonly LockPoint[],
  options: CredentialOptions,
): Promise<Password | undefined> {
  if ('password' in credentials) {
    const p = credentials.password;
    return p instanceof Uint8Array ? decodePassword(p, lockPoints) : validatePassword(p, lockPoints);
  }
  if (container === undefined || contentKey === undefined) return undefined;
  checkContainerVersion(container);
  const password = await openContainer(container, contentKey, options.now === undefined ? { modelFingerprint: fingerprint } : { modelFingerprint: fingerprint, now: options.now });
  return validatePassword(password, lockPoints);
}
