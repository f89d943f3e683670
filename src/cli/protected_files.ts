/**
 * The protected model directory on disk (model.json + weights.bin + password.edgepro) and the owner key beside it:
 * written together and atomically by `protect`, read by `eval`, `licence issue` and `infer`.
 */
import { join, resolve } from 'node:path';
import { fingerprintWeights, openContainer, sealPassword, encodeKeyFile } from '../crypto/index.js';
import { CONTAINER_FILE, manifestPaths, serializeModel } from '../models/serialize.js';
import { readModelFiles } from '../models/files.js';
import { readKeyFile } from './keys.js';
import type { LockableModel } from '../models/types.js';
import type { Password } from '../lock/password.js';
import { writeFilesAtomic } from '../util/node_fs.js';
import { inFile, UsageError } from './errors.js';
import { readRequired } from './files.js';
import { holdoutRecord, holdoutRecordPath } from './holdout.js';
import type { DataFlags } from './data.js';

export { CONTAINER_FILE };

/**
 * Writes the protected model, its sealed password, the owner key and (given `holdout`, the data flags protect split
 * by and the number of test samples) the held-out record beside the key, all atomically (temporaries first, then the
 * renames), the key with mode 0600. Returns the weights' fingerprint.
 */
export async function writeProtectedModel(
  lockable: LockableModel,
  password: Password,
  dir: string,
  keyPath: string,
  holdout?: { flags: DataFlags; testSamples: number },
): Promise<{ fingerprint: string }> {
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
    ...(holdout ? [{ path: holdoutRecordPath(keyPath), data: `${JSON.stringify(holdoutRecord(holdout.flags, holdout.testSamples, fingerprint), null, 2)}\n` }] : []),
    // model.json last: a reader that finds it finds the rest.
    { path: join(dir, 'model.json'), data: JSON.stringify(modelJson) },
  ]);
  return { fingerprint };
}

/** The SHA-256 fingerprint of the weights of a model directory (all weight files of its manifest, in order). */
export async function modelFingerprint(dir: string): Promise<string> {
  return fingerprintWeights((await readModelFiles(dir)).weights);
}

/**
 * Opens a protected model's password with the owner key (checks it belongs to these weights). Returns the weights'
 * fingerprint too, which it had to compute, so that callers need not read the weights again.
 */
export async function openOwnerPassword(dir: string, keyPath: string): Promise<{ password: Password; fingerprint: string }> {
  const containerPath = join(resolve(dir), CONTAINER_FILE);
  const container = await readRequired(containerPath, 'password container', 'give a directory written by edgepro protect');
  const contentKey = await readKeyFile(keyPath, 'content-key');
  const fingerprint = await modelFingerprint(dir);
  try {
    return { password: await openContainer(container, contentKey, { modelFingerprint: fingerprint }), fingerprint };
  } catch (error) {
    throw inFile(error, containerPath, `is ${keyPath} the owner key this model was protected with?`);
  } finally {
    contentKey.fill(0);
  }
}
