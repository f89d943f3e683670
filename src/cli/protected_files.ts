/**
 * The CLI's side of bundles on disk: a protected model directory written with its owner key beside it (and the
 * held-out record), and opened again with that key by `eval`, `attack` and `licence issue`. The layout itself is the
 * bundle module's.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeKeyFile } from '../crypto/index.js';
import { CONTAINER_FILE, SEALED_WEIGHTS_FILE } from '../bundle/layout.js';
import { checkOwnerKey } from '../owner/open.js';
import type { AssembledBundle } from '../bundle/assemble.js';
import { directorySource, writeBundle } from '../bundle/directory.js';
import { openOwnedModel, type OwnedModel } from '../owner/open.js';
import type { HoldoutRecord } from '../owner/holdout.js';
import { readKeyFile } from './keys.js';
import { inFile } from './errors.js';
import { refusedOverwrite } from './files.js';
import { holdoutRecordPath } from './holdout.js';

/**
 * Writes the bundle, the owner key (mode 0600) and, given one, the held-out record beside the key (0600 too: with
 * --reproducible-password its seed gives the password away), all in one atomic, durable set (temporaries first,
 * then the renames, model.json last). Given `{ force }` without force, the owner key is created exclusively: one
 * that appeared since the command's early check is never replaced (a usage error, nothing written). Without
 * `options` an existing key is replaced, as before the option existed.
 */
export async function writeProtectedBundle(assembled: Pick<AssembledBundle, 'bundle' | 'contentKey'>, dir: string, keyPath: string, holdout?: HoldoutRecord, options?: { force?: boolean }): Promise<void> {
  const keyText = encodeKeyFile('content-key', assembled.contentKey);
  try {
    await writeBundle(assembled.bundle, dir, {
      alongside: [
        { path: keyPath, data: keyText, mode: 0o600, exclusive: options !== undefined && !options.force },
        ...(holdout ? [{ path: holdoutRecordPath(keyPath), data: `${JSON.stringify(holdout, null, 2)}\n`, mode: 0o600 }] : []),
      ],
    });
  } catch (error) {
    throw refusedOverwrite(error);
  }
}

/**
 * The same error, naming the file an owner key failed to open (the container is opened first, then the sealed
 * weights) and asking whether it is the right key.
 */
function ownerKeyFailure(error: unknown, dir: string, keyPath: string): unknown {
  const file = existsSync(join(dir, CONTAINER_FILE)) ? join(dir, CONTAINER_FILE) : existsSync(join(dir, SEALED_WEIGHTS_FILE)) ? join(dir, SEALED_WEIGHTS_FILE) : dir;
  return inFile(error, file, `is ${keyPath} the owner key this model was protected with?`);
}

/** Checks the owner key opens the bundle in `dir` (any model, layers or graph) and returns its fingerprint. */
export async function checkOwnerKeyFile(dir: string, keyPath: string): Promise<string> {
  const contentKey = await readKeyFile(keyPath, 'content-key');
  try {
    return (await checkOwnerKey(directorySource(dir), contentKey)).fingerprint;
  } catch (error) {
    throw ownerKeyFailure(error, dir, keyPath);
  } finally {
    contentKey.fill(0);
  }
}

/**
 * Opens a protected model directory with its owner key: the model as lock-trained (sealed weights decrypted), its
 * password, its fingerprint. A key that does not open it is named in the error.
 */
export async function openProtected(dir: string, keyPath: string): Promise<OwnedModel> {
  const contentKey = await readKeyFile(keyPath, 'content-key');
  try {
    return await openOwnedModel(directorySource(dir), contentKey);
  } catch (error) {
    throw ownerKeyFailure(error, dir, keyPath);
  } finally {
    contentKey.fill(0);
  }
}
