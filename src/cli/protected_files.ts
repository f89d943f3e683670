/**
 * The protected model directory on disk (model.json + weights.bin + password.edgepro) and the owner key beside it:
 * written together and atomically by `protect`, read by `eval`, `licence issue` and `infer`.
 */
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fingerprintWeights, openContainer, sealPassword, encodeKeyFile, decodeKeyFile, type KeyKind } from '../crypto/index.js';
import { manifestPaths, parseModelJson, serializeModel } from '../models/serialize.js';
import type { LockableModel } from '../models/types.js';
import type { Password } from '../lock/password.js';
import { writeFilesAtomic } from '../util/node_fs.js';
import { inFile, UsageError } from './errors.js';
import { readRequired } from './files.js';

export const CONTAINER_FILE = 'password.edgepro';

/** Where `protect --out DIR` puts the owner key by default: beside the directory, so copying DIR never ships it. */
export function defaultOwnerKeyPath(outDir: string): string {
  const dir = outDir.replace(/(.)[\\/]+$/, '$1');
  return join(dirname(dir), `${basename(dir)}.owner.key`);
}

/** True when `path` is `dir` or lies inside it. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/**
 * Writes the protected model, its sealed password and the owner key, all atomically (temporaries first, then the
 * renames), the key with mode 0600. Returns the weights' fingerprint.
 */
export async function writeProtectedModel(lockable: LockableModel, password: Password, dir: string, keyPath: string): Promise<{ fingerprint: string }> {
  const { modelJson, weights } = await serializeModel(lockable);
  const fingerprint = await fingerprintWeights(weights);
  const { container, contentKey } = await sealPassword(password, { modelFingerprint: fingerprint });
  const keyText = encodeKeyFile('content-key', contentKey);
  contentKey.fill(0);
  const paths = manifestPaths(modelJson);
  if (paths.length !== 1) throw new UsageError(`expected one weights file in the model manifest, found ${paths.length}`);
  await writeFilesAtomic([
    { path: join(dir, paths[0]!), data: weights },
    { path: join(dir, CONTAINER_FILE), data: container },
    { path: keyPath, data: keyText, mode: 0o600 },
    // model.json last: a reader that finds it finds the rest.
    { path: join(dir, 'model.json'), data: JSON.stringify(modelJson) },
  ]);
  return { fingerprint };
}

/** The model directory's model.json path (a directory or a model.json path may be given). */
export function modelJsonPath(dirOrJson: string): string {
  return dirOrJson.endsWith('.json') ? resolve(dirOrJson) : join(resolve(dirOrJson), 'model.json');
}

/** The SHA-256 fingerprint of the weights of a model directory (all weight files of its manifest, in order). */
export async function modelFingerprint(dir: string): Promise<string> {
  return fingerprintWeights((await readModelFiles(dir)).weights);
}

/** model.json's text and the weights (all weight files of its manifest, concatenated in order). */
export async function readModelFiles(dir: string): Promise<{ modelJson: string; weights: Uint8Array }> {
  const jsonPath = modelJsonPath(dir);
  const text = new TextDecoder().decode(await readRequired(jsonPath, 'model file', 'give the directory written by edgepro protect'));
  const parts: Uint8Array[] = [];
  for (const path of manifestPaths(parseModelJson(text, jsonPath))) parts.push(await readRequired(join(dirname(jsonPath), path), 'weights file'));
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    weights.set(part, offset);
    offset += part.byteLength;
  }
  return { modelJson: text, weights };
}

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

/** Writes one key file atomically (mode 0600 for secrets, 0644 for public keys). */
export function keyFileEntry(path: string, kind: KeyKind, key: Uint8Array): { path: string; data: string; mode: number } {
  const secret = kind === 'content-key' || kind.endsWith('-private');
  return { path, data: encodeKeyFile(kind, key), mode: secret ? 0o600 : 0o644 };
}

/** Opens a protected model's password with the owner key (checks it belongs to these weights). */
export async function openOwnerPassword(dir: string, keyPath: string): Promise<Password> {
  const containerPath = join(resolve(dir), CONTAINER_FILE);
  const container = await readRequired(containerPath, 'password container', 'give a directory written by edgepro protect');
  const contentKey = await readKeyFile(keyPath, 'content-key');
  const fingerprint = await modelFingerprint(dir);
  try {
    return await openContainer(container, contentKey, { modelFingerprint: fingerprint });
  } catch (error) {
    throw inFile(error, containerPath, `is ${keyPath} the owner key this model was protected with?`);
  } finally {
    contentKey.fill(0);
  }
}
