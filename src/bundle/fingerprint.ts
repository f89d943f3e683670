/**
 * The bundle fingerprint: one SHA-256 over everything a device trusts — model.json (canonical form) and every weight
 * file as shipped — carried by the password container and by every licence. A licence therefore opens exactly one
 * bundle: change an activation in model.json, swap a weight file, or re-seal the weights, and it no longer matches.
 *
 * For a sealed weight file the fingerprint covers its header (magic, header JSON with the random salt, chunk size and
 * length) rather than all its bytes: the salt fixes the file's key, and AES-GCM under that key authenticates every
 * chunk at load, so only the bytes sealed with that header can ever be accepted. This keeps the fingerprint
 * computable before the body has been read (a browser decrypts while the download arrives).
 */
import { own, toHex } from '../crypto/bytes.js';

export const FINGERPRINT_VERSION = 'edgepro-bundle-fingerprint/1';

/** A weight file as the fingerprint sees it. */
export type FingerprintedFile = { name: string; clear: Uint8Array } | { name: string; sealedHeader: Uint8Array };

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', own(bytes))));
}

/** JSON with object keys sorted at every level and no white space: the same document always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The fingerprint text, then its SHA-256 (64 lower-case hex digits):
 *
 *     edgepro-bundle-fingerprint/1
 *     model.json <SHA-256 of canonical model.json>
 *     <file> clear <SHA-256 of the file>        (one line per weight file, in manifest order)
 *     <file> sealed <SHA-256 of its header>
 */
export async function fingerprintBundle(modelJson: unknown, files: readonly FingerprintedFile[]): Promise<string> {
  const lines = [FINGERPRINT_VERSION, `model.json ${await sha256Hex(new TextEncoder().encode(canonicalJson(modelJson)))}`];
  for (const file of files) {
    lines.push('clear' in file ? `${file.name} clear ${await sha256Hex(file.clear)}` : `${file.name} sealed ${await sha256Hex(file.sealedHeader)}`);
  }
  return sha256Hex(new TextEncoder().encode(`${lines.join('\n')}\n`));
}
