/**
 * What a device or the owner hands over to open a protected model, as one union, and how each form becomes the
 * content key (which unseals the weights) and the password (which unlocks the lock).
 */
import { InvalidArgumentError } from '../util/errors.js';
import { decodePassword, validatePassword, type Password } from '../lock/password.js';
import { KEY_BYTES } from '../crypto/aead.js';
import { keyBytes } from '../crypto/bytes.js';
import { ClockError, UnsupportedVersionError } from '../crypto/errors.js';
import { DEFAULT_CLOCK_SKEW_MS, nowMs } from '../crypto/header.js';
import { inspectContainer, openContainer, CONTAINER_VERSION } from '../crypto/container.js';
import { inspectLicence, openLicence, LICENCE_VERSION, type LicenceKey, type OpenLicenceOptions } from '../crypto/licence.js';
import type { KdfLimits } from '../crypto/kdf.js';
import type { LockPoint } from '../models/types.js';

/**
 * How to open a protected model:
 * - a **licence** with the passphrase or this device's X25519 private key that opens it, and `vendorKey`, the
 *   vendor's Ed25519 public key: a licence not signed by it is refused. Without a vendor key a licence is refused
 *   too, unless `allowUnsigned: true` says to accept one whose signer is not checked (anyone who holds the content
 *   key can mint such a licence);
 * - the **owner key** (`contentKey`, the content of `owner.key`) and the **password** itself: owner credentials,
 *   which skip every licence check (signature, expiry, issue time) — they are the secrets licences protect.
 */
export type Credentials =
  | { licence: Uint8Array | ArrayBuffer; passphrase: string; vendorKey?: Uint8Array; allowUnsigned?: boolean }
  | { licence: Uint8Array | ArrayBuffer; deviceKey: Uint8Array; vendorKey?: Uint8Array; allowUnsigned?: boolean }
  | { contentKey: Uint8Array }
  | { password: Password | Uint8Array };

/**
 * Where the runtime reads the time from. An app that persists the last time it saw (`lastSeen`, `saw`) makes a
 * clock set back visible: the runtime refuses it (ClockError) instead of trusting it with the expiry.
 */
export interface Clock {
  /** Milliseconds since 1970. */
  now(): number;
  /** The latest time this app has seen, as persisted by {@link Clock.saw}, or undefined. */
  lastSeen?(): number | undefined;
  /** Called with each time the runtime reads, for the app to persist. */
  saw?(ms: number): void;
}

export interface CredentialOptions {
  /** A fixed time for every check (tests, replays). Give this or `clock`, not both. */
  now?: Date | number;
  /** The device's clock (default: `Date.now`). */
  clock?: Clock;
  /** How far the clock may lag a licence's issue time, or step back from `lastSeen` (default 5 minutes). */
  clockSkew?: number;
  /** Tighter caps on a passphrase licence's KDF parameters. */
  kdfLimits?: Partial<KdfLimits>;
}

/** The time to check a licence against: the fixed `now`, or the clock (refused when it went back past `lastSeen`). */
export function currentTime(options: CredentialOptions): number {
  if (options.now !== undefined && options.clock !== undefined) throw new InvalidArgumentError('give now or clock, not both');
  if (options.now !== undefined) return nowMs(options.now);
  const clock = options.clock;
  if (clock === undefined) return Date.now();
  const t = clock.now();
  if (!Number.isFinite(t)) throw new InvalidArgumentError('clock.now() must return milliseconds since 1970');
  const last = clock.lastSeen?.();
  if (last !== undefined && t < last - (options.clockSkew ?? DEFAULT_CLOCK_SKEW_MS)) {
    throw new ClockError(`the device clock went back: it says ${new Date(t).toISOString()}, after ${new Date(last).toISOString()} was seen; set the clock right`);
  }
  clock.saw?.(t);
  return t;
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
    if (c.vendorKey === undefined && c.allowUnsigned !== true) {
      throw new InvalidArgumentError("a licence is trusted only against its vendor's public key: give vendorKey (or allowUnsigned: true to accept a licence whose signer is not checked)");
    }
  } else if (c.passphrase !== undefined || c.deviceKey !== undefined || c.vendorKey !== undefined || c.allowUnsigned !== undefined) {
    throw new InvalidArgumentError('passphrase, deviceKey, vendorKey and allowUnsigned open a licence: give the licence too');
  }
}

const REPROTECT = 'protect the model again with this edgepro (edgepro protect, or edgepro seal for a model without a lock)';

/**
 * The content key the credentials hold or open (undefined for a bare password). A licence is checked against the
 * bundle's fingerprint before any key derivation; a version-1 licence (its fingerprint did not cover model.json) is
 * refused with what to do.
 */
export async function contentKeyFrom(
  credentials: Credentials,
  fingerprint: string,
  options: CredentialOptions,
): Promise<{ contentKey: Uint8Array | undefined; expiresAt: number | null }> {
  if ('password' in credentials) return { contentKey: undefined, expiresAt: null };
  if ('contentKey' in credentials) return { contentKey: keyBytes(credentials.contentKey, KEY_BYTES, 'contentKey').slice(), expiresAt: null };
  const header = inspectLicence(credentials.licence, options.kdfLimits === undefined ? {} : { kdfLimits: options.kdfLimits });
  if (header.version !== LICENCE_VERSION) {
    throw new UnsupportedVersionError(`licence version ${header.version} was issued by an older edgepro for a model format that did not bind model.json: issue a new licence (edgepro licence issue) for a model protected by this edgepro`);
  }
  const key: LicenceKey = 'passphrase' in credentials ? { passphrase: credentials.passphrase } : { devicePrivateKey: credentials.deviceKey };
  const open: OpenLicenceOptions = { modelFingerprint: fingerprint, now: currentTime(options) };
  if (credentials.vendorKey !== undefined) open.vendorPublicKey = credentials.vendorKey;
  if (options.clockSkew !== undefined) open.clockSkew = options.clockSkew;
  if (options.kdfLimits !== undefined) open.kdfLimits = options.kdfLimits;
  return { contentKey: await openLicence(credentials.licence, key, open), expiresAt: header.expiresAt };
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
  const password = await openContainer(container, contentKey, { modelFingerprint: fingerprint, now: currentTime(options) });
  return validatePassword(password, lockPoints);
}
