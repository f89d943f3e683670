/**
 * Key pairs and key files. A device has an X25519 pair (licences are wrapped to its public key); a vendor has an
 * Ed25519 pair (licences are signed with it). Keys are raw 32-byte strings (RFC 7748 / RFC 8032 encodings); on disk
 * they are one-line text files, documented in docs/FORMAT.md:
 *
 *     # comment lines
 *     edgepro-key/1 <kind> <64 lower-case hex digits>
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { InvalidArgumentError } from '../util/errors.js';
import { defaultRandomBytes, fromHex, keyBytes, toHex, type RandomBytes } from './bytes.js';
import { MalformedError, UnsupportedVersionError } from './errors.js';

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** What a key file holds. `content-key` is the owner's AES key of a container (`owner.key`). */
export type KeyKind = 'device-private' | 'device-public' | 'vendor-private' | 'vendor-public' | 'content-key';
export const KEY_KINDS: readonly KeyKind[] = ['device-private', 'device-public', 'vendor-private', 'vendor-public', 'content-key'];
const DESCRIPTIONS: Record<KeyKind, string> = {
  'device-private': 'device private key (X25519). Keep it on the device, secret.',
  'device-public': 'device public key (X25519). Give it to the vendor to receive licences.',
  'vendor-private': 'vendor signing key (Ed25519). Keep it secret.',
  'vendor-public': 'vendor public key (Ed25519). Ship it with the runtime to refuse forged licences.',
  'content-key': 'model owner key (AES-256 content key of password.edgepro). Keep it secret; never ship it.',
};
const KEY_FILE_VERSION = 1;
const MAX_KEY_FILE = 4096;

/**
 * A device's key pair (X25519), made on the device; only the public key leaves it.
 *
 * @example
 * ```ts
 * const { publicKey, privateKey } = await generateDeviceKeyPair();
 * ```
 */
export async function generateDeviceKeyPair(randomBytes: RandomBytes = defaultRandomBytes): Promise<KeyPair> {
  const { secretKey, publicKey } = x25519.keygen(keyBytes(randomBytes(32), 32, 'random seed'));
  return { publicKey, privateKey: secretKey };
}

/** A vendor's signing key pair (Ed25519). */
export async function generateVendorKeyPair(randomBytes: RandomBytes = defaultRandomBytes): Promise<KeyPair> {
  const { secretKey, publicKey } = ed25519.keygen(keyBytes(randomBytes(32), 32, 'random seed'));
  return { publicKey, privateKey: secretKey };
}

/** The X25519 public key of a device private key. */
export function devicePublicKey(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(keyBytes(privateKey, 32, 'device private key'));
}

/** The Ed25519 public key of a vendor private key. */
export function vendorPublicKey(privateKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(keyBytes(privateKey, 32, 'vendor private key'));
}

/**
 * The text of a key file: a comment saying what it is, then `edgepro-key/1 <kind> <hex>`.
 *
 * @example
 * ```ts
 * await writeFileAtomic('device.key', encodeKeyFile('device-private', pair.privateKey));
 * ```
 */
export function encodeKeyFile(kind: KeyKind, key: Uint8Array): string {
  if (!KEY_KINDS.includes(kind)) throw new InvalidArgumentError(`unknown key kind ${String(kind)}`);
  return `# edgepro ${DESCRIPTIONS[kind]}\nedgepro-key/${KEY_FILE_VERSION} ${kind} ${toHex(keyBytes(key, 32, 'key'))}\n`;
}

/**
 * Parses a key file. With `expected`, a key of another kind is refused (a vendor key where a device key belongs is
 * a MalformedError, not a silent failure later).
 */
export function decodeKeyFile(text: string, expected?: KeyKind): { kind: KeyKind; key: Uint8Array } {
  if (typeof text !== 'string') throw new InvalidArgumentError('key file must be text');
  if (text.length > MAX_KEY_FILE) throw new MalformedError(`key file of ${text.length} characters is too long for a key`);
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length !== 1) throw new MalformedError(`key file must hold exactly one key line, found ${lines.length}`);
  const parts = lines[0]!.split(/\s+/);
  const version = /^edgepro-key\/(\d{1,6})$/.exec(parts[0] ?? '');
  if (parts.length !== 3 || version === null) throw new MalformedError('key line must be "edgepro-key/1 <kind> <hex>"');
  if (Number(version[1]) !== KEY_FILE_VERSION) throw new UnsupportedVersionError(`key file version ${version[1]} is not supported (this edgepro reads version ${KEY_FILE_VERSION})`);
  const kind = parts[1] as KeyKind;
  if (!KEY_KINDS.includes(kind)) throw new MalformedError(`unknown key kind ${JSON.stringify(parts[1])}`);
  if (expected !== undefined && kind !== expected) throw new MalformedError(`key file holds a ${kind} key, expected a ${expected} key`);
  return { kind, key: fromHex(parts[2], 32, 'key') };
}
