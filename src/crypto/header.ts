/**
 * Header fields common to the container and the licence: format name and version, model fingerprint, expiry.
 */
import { InvalidArgumentError } from '../util/errors.js';
import { integerField, stringField } from './bytes.js';
import { ClockError, ExpiredError, MalformedError, ModelMismatchError, UnsupportedVersionError } from './errors.js';

const FINGERPRINT = /^[0-9a-f]{64}$/;

/**
 * Checks `format` and `version` first: a newer version may lay out everything else differently. `supported` lists the
 * versions this build reads, newest last. Returns the version.
 */
export function checkFormatVersion(header: Record<string, unknown>, format: string, supported: number | readonly number[], what: string): number {
  if (header.format !== format) throw new MalformedError(`${what} header names format ${JSON.stringify(header.format)}, expected ${format}`);
  const version = header.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw new MalformedError(`${what} version must be a positive integer`);
  const versions = typeof supported === 'number' ? [supported] : supported;
  if (!versions.includes(version)) throw new UnsupportedVersionError(`${what} version ${version} is not supported (this edgepro reads version ${versions.join(' and ')})`);
  return version;
}

/** A fingerprint handed in by a caller: lower-case hex SHA-256. */
export function checkFingerprintArgument(value: unknown, what = 'modelFingerprint'): string {
  if (typeof value !== 'string' || !FINGERPRINT.test(value)) throw new InvalidArgumentError(`${what} must be a SHA-256 as 64 lower-case hex digits (a bundle fingerprint)`);
  return value;
}

export function readFingerprint(header: Record<string, unknown>, what: string): string {
  const value = stringField(header, 'modelFingerprint', what);
  if (!FINGERPRINT.test(value)) throw new MalformedError(`${what}.modelFingerprint must be 64 lower-case hex digits`);
  return value;
}

/**
 * The model a container or licence is opened for: a fingerprint, or an explicit `anyModel: true` (tools that
 * describe a file). Leaving both out is a mistake, not a way to skip the check.
 */
export interface ModelBinding {
  /** The bundle fingerprint of the model: a file made for another is refused with ModelMismatchError. */
  modelFingerprint?: string;
  /** Open without checking the model: only for tools that inspect a file, never on a device. */
  anyModel?: true;
}

export function checkModelBinding(options: ModelBinding, what: string): string | undefined {
  if (options.modelFingerprint !== undefined) {
    if (options.anyModel === true) throw new InvalidArgumentError(`opening a ${what}: give modelFingerprint or anyModel, not both`);
    return checkFingerprintArgument(options.modelFingerprint);
  }
  if (options.anyModel !== true) throw new InvalidArgumentError(`opening a ${what} needs the modelFingerprint it must be for (or anyModel: true, to inspect it)`);
  return undefined;
}

export function checkModel(found: string, expected: string | undefined, what: string): void {
  if (expected !== undefined && checkFingerprintArgument(expected) !== found) {
    throw new ModelMismatchError(`${what} was made for weights with SHA-256 ${found.slice(0, 16)}…, these weights are ${expected.slice(0, 16)}…`);
  }
}

/** Latest representable time (ms); far beyond any real expiry. */
export const MAX_TIME = 8.64e15;

/** Caller's expiry (Date or ms since the Unix epoch) as integer ms, or null. */
export function expiryArgument(value: Date | number | undefined): number | null {
  if (value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : value;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_TIME) throw new InvalidArgumentError('expiresAt must be a valid Date or integer milliseconds since 1970');
  return ms;
}

export function readExpiry(header: Record<string, unknown>, what: string): number | null {
  if (header.expiresAt === null) return null;
  return integerField(header, 'expiresAt', what, 0, MAX_TIME);
}

export function nowMs(now: Date | number | undefined): number {
  const ms = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : now;
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('now must be a valid Date or milliseconds');
  return ms;
}

/** Call only once the expiry has been authenticated (after decryption or signature check). */
export function checkExpiry(expiresAt: number | null, now: Date | number | undefined, what: string): void {
  if (expiresAt !== null && nowMs(now) >= expiresAt) throw new ExpiredError(`${what} expired at ${new Date(expiresAt).toISOString()}`);
}

/** How far a device clock may be behind a licence's issue time (clocks drift; 5 minutes by default). */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Call only once `issuedAt` has been authenticated. A clock before the issue time is not to be trusted with expiry. */
export function checkIssued(issuedAt: number | null, now: Date | number | undefined, skew: number, what: string): void {
  if (issuedAt !== null && nowMs(now) < issuedAt - skew) {
    throw new ClockError(`the device clock (${new Date(nowMs(now)).toISOString()}) is before this ${what} was issued (${new Date(issuedAt).toISOString()}): set the clock right`);
  }
}

export function readCipher(object: Record<string, unknown>, what: string): void {
  const cipher = stringField(object, 'cipher', what);
  if (cipher !== 'AES-256-GCM') throw new MalformedError(`${what}.cipher ${JSON.stringify(cipher)} is not supported (AES-256-GCM only)`);
}
