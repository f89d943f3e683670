/**
 * Key files on disk (formats: docs/FORMAT.md): read with an error naming the file and what it should have been.
 * Light on purpose (crypto only, no TF.js), so keygen and key errors are quick.
 */
import { decodeKeyFile, encodeKeyFile, type KeyKind } from '../crypto/index.js';
import { inFile } from './errors.js';
import { readRequired } from './files.js';

const KEY_HINTS: Record<KeyKind, string> = {
  'content-key': 'the owner key written by edgepro protect (--key-out)',
  'device-private': 'a device private key from edgepro keygen device (NAME.key)',
  'device-public': 'a device public key from edgepro keygen device (NAME.pub)',
  'vendor-private': 'a vendor signing key from edgepro keygen vendor (NAME.key)',
  'vendor-public': 'a vendor public key from edgepro keygen vendor (NAME.pub)',
};

/** Reads a key file of the expected kind; a missing, malformed or wrong-kind file is one line naming it. */
export async function readKeyFile(path: string, kind: KeyKind): Promise<Uint8Array> {
  const text = new TextDecoder().decode(await readRequired(path, `${kind} key file`, `expected ${KEY_HINTS[kind]}`));
  try {
    return decodeKeyFile(text, kind).key;
  } catch (error) {
    throw inFile(error, path, `expected ${KEY_HINTS[kind]}`);
  }
}

/** A key file for writeFilesAtomic: mode 0600 for secrets (set on creation), 0644 for public keys. */
export function keyFileEntry(path: string, kind: KeyKind, key: Uint8Array): { path: string; data: string; mode: number } {
  const secret = kind === 'content-key' || kind.endsWith('-private');
  return { path, data: encodeKeyFile(kind, key), mode: secret ? 0o600 : 0o644 };
}

