/**
 * The model fingerprint: SHA-256 of the weights' bytes (weights.bin, or all weight files concatenated in manifest
 * order). Containers and licences carry it, so a password never unlocks weights it was not made for.
 */
import { asBytes, own, toHex } from './bytes.js';

/**
 * @example
 * ```ts
 * const fingerprint = await fingerprintWeights(weights); // '3f0a…' (64 hex digits)
 * ```
 */
export async function fingerprintWeights(weights: Uint8Array | ArrayBuffer): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', own(asBytes(weights, 'weights')));
  return toHex(new Uint8Array(digest));
}
