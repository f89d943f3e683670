/**
 * Key files on disk (formats: docs/FORMAT.md): read with an error naming the file and what it should have been.
 * Light on purpose (crypto only, no TF.js), so keygen and key errors are quick.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
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

function isSecret(kind: KeyKind): boolean {
  return kind === 'content-key' || kind.endsWith('-private');
}

/** The key files warned about in this process: a command that reads one key twice warns once. */
const warned = new Set<string>();

/** One warning line on stderr when a secret key file has group or other permission bits; reading goes on. */
async function warnIfReadableByOthers(path: string): Promise<void> {
  if (process.platform === 'win32') return; // No POSIX permission bits to check.
  let mode: number;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch {
    return; // Read, then gone or not stat-able: nothing to say about its permissions.
  }
  if ((mode & 0o077) === 0 || warned.has(resolve(path))) return;
  warned.add(resolve(path));
  process.stderr.write(`edgepro: warning: ${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 ${path}\n`);
}

/**
 * Reads a key file of the expected kind; a missing, malformed or wrong-kind file is one line naming it. A secret
 * kind (private keys, the owner key) whose file others may read or write gets a warning on stderr.
 */
export async function readKeyFile(path: string, kind: KeyKind): Promise<Uint8Array> {
  const text = new TextDecoder().decode(await readRequired(path, `${kind} key file`, `expected ${KEY_HINTS[kind]}`));
  if (isSecret(kind)) await warnIfReadableByOthers(path);
  try {
    return decodeKeyFile(text, kind).key;
  } catch (error) {
    throw inFile(error, path, `expected ${KEY_HINTS[kind]}`);
  }
}

/** A key file for writeFilesAtomic: mode 0600 for secrets (set on creation), 0644 for public keys. */
export function keyFileEntry(path: string, kind: KeyKind, key: Uint8Array): { path: string; data: string; mode: number } {
  return { path, data: encodeKeyFile(kind, key), mode: isSecret(kind) ? 0o600 : 0o644 };
}

