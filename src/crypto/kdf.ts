/**
 * Passphrase key derivation for licences: scrypt (@noble/hashes) or PBKDF2-SHA256 (WebCrypto).
 *
 * Parameters travel in the licence header, so a crafted licence could ask a device for any amount of work or memory:
 * every parameter is checked against {@link KDF_LIMITS} (or the caller's tighter limits) before any derivation.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { InvalidArgumentError } from '../util/errors.js';
import { integerField, onlyKeys, own, stringField } from './bytes.js';
import { MalformedError } from './errors.js';

export type KdfParams = { name: 'scrypt'; N: number; r: number; p: number } | { name: 'pbkdf2-sha256'; iterations: number };

/** Defaults for new licences: scrypt with OWASP's recommended N = 2^17, r = 8, p = 1 (128 MiB, about a second). */
export const DEFAULT_KDF: KdfParams = { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 };
/** OWASP (2023) PBKDF2-HMAC-SHA256 iteration count, for `{ name: 'pbkdf2-sha256' }` without `iterations`. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

export interface KdfLimits {
  /** scrypt memory 128·N·r in bytes. */
  maxScryptMemory: number;
  /** scrypt work N·r·p (in units of one 64-byte salsa block mix). */
  maxScryptWork: number;
  maxPbkdf2Iterations: number;
}

/**
 * Hard caps on parameters read from a licence; a caller may only tighten them. Floors keep a licence from being
 * issued with a derivation too cheap to mean anything (scrypt N >= 2^10, PBKDF2 >= 1000 iterations).
 */
export const KDF_LIMITS: Readonly<KdfLimits> = { maxScryptMemory: 256 * 1024 * 1024, maxScryptWork: 2 ** 22, maxPbkdf2Iterations: 10_000_000 };
const MIN_LOG_N = 10;
const MAX_LOG_N = 20;
const MIN_PBKDF2 = 1000;
export const SALT_BYTES = 16;

function effectiveLimits(limits: Partial<KdfLimits> | undefined): KdfLimits {
  return {
    maxScryptMemory: Math.min(limits?.maxScryptMemory ?? Infinity, KDF_LIMITS.maxScryptMemory),
    maxScryptWork: Math.min(limits?.maxScryptWork ?? Infinity, KDF_LIMITS.maxScryptWork),
    maxPbkdf2Iterations: Math.min(limits?.maxPbkdf2Iterations ?? Infinity, KDF_LIMITS.maxPbkdf2Iterations),
  };
}

/** Parses and caps KDF parameters from a header object. Throws MalformedError; never derives. */
export function readKdfParams(object: Record<string, unknown>, what: string, limits?: Partial<KdfLimits>): KdfParams {
  const cap = effectiveLimits(limits);
  const name = stringField(object, 'name', what);
  if (name === 'scrypt') {
    onlyKeys(object, ['name', 'N', 'r', 'p'], what);
    const N = integerField(object, 'N', what, 2 ** MIN_LOG_N, 2 ** MAX_LOG_N);
    if ((N & (N - 1)) !== 0) throw new MalformedError(`${what}.N = ${N} is not a power of two`);
    const r = integerField(object, 'r', what, 1, 32);
    const p = integerField(object, 'p', what, 1, 16);
    if (128 * N * r > cap.maxScryptMemory) throw new MalformedError(`${what}: scrypt N=${N}, r=${r} needs ${(128 * N * r) / 2 ** 20} MiB, over the cap of ${cap.maxScryptMemory / 2 ** 20} MiB`);
    if (N * r * p > cap.maxScryptWork) throw new MalformedError(`${what}: scrypt work N·r·p = ${N * r * p} is over the cap of ${cap.maxScryptWork}`);
    return { name, N, r, p };
  }
  if (name === 'pbkdf2-sha256') {
    onlyKeys(object, ['name', 'iterations'], what);
    return { name, iterations: integerField(object, 'iterations', what, MIN_PBKDF2, cap.maxPbkdf2Iterations) };
  }
  throw new MalformedError(`${what}.name ${JSON.stringify(name)} is not a supported KDF (scrypt, pbkdf2-sha256)`);
}

/** Completes and checks a caller's choice for a new licence (same caps as reading, but an InvalidArgumentError). */
export function kdfArgument(kdf: Partial<KdfParams> | undefined): KdfParams {
  const chosen: Record<string, unknown> =
    kdf === undefined ? { ...DEFAULT_KDF } : kdf.name === 'pbkdf2-sha256' ? { iterations: DEFAULT_PBKDF2_ITERATIONS, ...kdf } : { ...DEFAULT_KDF, ...kdf };
  try {
    return readKdfParams(chosen, 'kdf');
  } catch (cause) {
    throw new InvalidArgumentError((cause as Error).message, { cause });
  }
}

/** Derives the 32-byte key-encryption key. Parameters must have been through {@link readKdfParams}. */
export async function deriveFromPassphrase(passphrase: string, salt: Uint8Array, kdf: KdfParams): Promise<Uint8Array> {
  const secret = new TextEncoder().encode(passphrase.normalize('NFC'));
  try {
    if (kdf.name === 'scrypt') return await scryptAsync(secret, salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32 });
    const base = await globalThis.crypto.subtle.importKey('raw', own(secret), 'PBKDF2', false, ['deriveBits']);
    const bits = await globalThis.crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: own(salt), iterations: kdf.iterations }, base, 256);
    return new Uint8Array(bits);
  } finally {
    secret.fill(0);
  }
}
