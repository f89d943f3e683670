import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeKeyFile, encodeKeyFile } from '../../crypto/index.js';
import { directorySource } from '../../bundle/directory.js';
import { CONTAINER_FILE, SEALED_WEIGHTS_FILE } from '../../bundle/layout.js';
import { rekeyBundle, type RekeyedBundle } from '../../owner/rekey.js';
import { parseHoldoutRecord, type HoldoutRecord } from '../../owner/holdout.js';
import { EdgeProError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/node_fs.js';
import { inFile, UsageError } from '../errors.js';
import { defaultOwnerKeyPath, exists, readRequired } from '../files.js';
import { holdoutRecordPath } from '../holdout.js';
import { readKeyFile } from '../keys.js';
import { describeLevel } from '../level.js';
import { Output, table } from '../output.js';
import { writeProtectedBundle } from '../protected_files.js';
import type { RekeyFlags, RekeyPaths } from './rekey.js';

/** Where the current key waits while an in-place rekey replaces it, so that a crash never leaves a bundle keyless. */
function pendingKeyPath(keyPath: string): string {
  return `${keyPath}.before-rekey`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}

/**
 * A file at --key-out is replaced only if it holds the current owner key (or with --force); and the current key file
 * itself only in place: with --out the model in DIR stays, and would be left without its key. True: it may be replaced.
 */
async function checkKeyOut(paths: RekeyPaths, oldKey: Uint8Array, force: boolean | undefined): Promise<boolean> {
  if (!(await exists(paths.keyOut))) return false;
  if (force) return true;
  if (resolve(paths.keyOut) === resolve(paths.key)) {
    if (resolve(paths.out) === resolve(paths.dir)) return true;
    throw new UsageError(`--key-out ${paths.keyOut} is the owner key of ${paths.dir}, which --out leaves in place without its key; write the new key elsewhere (or pass --force if ${paths.dir} is to be deleted)`);
  }
  let same = false;
  try {
    const key = decodeKeyFile(new TextDecoder().decode(await readRequired(paths.keyOut, 'key file')), 'content-key').key;
    same = sameBytes(key, oldKey);
    key.fill(0);
  } catch {
    same = false;
  }
  if (!same) throw new UsageError(`${paths.keyOut} already exists and is not the current owner key ${paths.key}; it may be a key you still need (move it away, or pass --force to replace it)`);
  return true;
}

/** The held-out record beside the current key, moved to the new fingerprint; undefined when there is none for it. */
async function movedHoldout(paths: RekeyPaths, rekeyed: RekeyedBundle, out: Output): Promise<HoldoutRecord | undefined> {
  const path = holdoutRecordPath(paths.key);
  if (!(await exists(path))) return undefined;
  const record = parseHoldoutRecord(new TextDecoder().decode(await readRequired(path, 'held-out record')));
  if (record === undefined || record.modelFingerprint !== rekeyed.previousFingerprint) {
    out.note(`edgepro: ${path} is not the held-out record of this model; left as it is`);
    return undefined;
  }
  return { ...record, modelFingerprint: rekeyed.fingerprint };
}

export async function runRekey(paths: RekeyPaths, flags: RekeyFlags): Promise<void> {
  const out = new Output(flags);
  const started = performance.now();
  const inPlaceKey = resolve(paths.keyOut) === resolve(paths.key);
  const pending = pendingKeyPath(paths.key);
  const oldKey = await readKeyFile(paths.key, 'content-key');
  if (inPlaceKey && (await exists(pending))) {
    const aside = await readKeyFile(pending, 'content-key').catch(() => undefined);
    const same = aside !== undefined && sameBytes(aside, oldKey);
    aside?.fill(0);
    if (!same) {
      oldKey.fill(0);
      throw new UsageError(`${pending} was left by an interrupted rekey and holds another key than ${paths.key}: find which of the two opens ${paths.dir} (edgepro licence issue ${paths.dir} --key FILE), keep that one as ${paths.key}, remove the other, then rekey again`);
    }
    await rm(pending, { force: true }); // the same key twice: a rekey that failed before anything was replaced
  }
  let rekeyed: RekeyedBundle;
  try {
    // A key file checked here may be replaced; any other is created exclusively (one that appears meanwhile is kept).
    const replace = await checkKeyOut(paths, oldKey, flags.force);
    try {
      rekeyed = await rekeyBundle(directorySource(paths.dir), oldKey);
    } catch (error) {
      if (!(error instanceof EdgeProError) || error.code !== 'ERR_DECRYPTION_FAILED') throw error;
      const file = existsSync(join(paths.dir, CONTAINER_FILE)) ? join(paths.dir, CONTAINER_FILE) : join(paths.dir, SEALED_WEIGHTS_FILE);
      throw inFile(error, file, `is ${paths.key} the owner key this model was protected with?`);
    }
    const holdout = await movedHoldout(paths, rekeyed, out);
    // In place, the current key is put aside first: the renames of the set below are not one step, and until the new
    // model.json is in place the directory is the old bundle, which only the current key opens.
    if (inPlaceKey) await writeFileAtomic(pending, encodeKeyFile('content-key', oldKey), { mode: 0o600 });
    await writeProtectedBundle(rekeyed, paths.out, paths.keyOut, holdout, { force: replace });
    if (inPlaceKey) await rm(pending, { force: true });
    rekeyed.contentKey.fill(0);
    const seconds = (performance.now() - started) / 1000;
    const locked = rekeyed.bundle.get(CONTAINER_FILE) !== undefined;
    const level = locked ? describeLevel(rekeyed.sealedBytes, rekeyed.weightBytes) : `seal (${rekeyed.sealedWeights.length} weights sealed, no lock)`;
    out.info(
      table(
        ['model', 'protection', 'fingerprint before', 'fingerprint now', 'out'],
        [[paths.dir, level.split(':')[0]!, `${rekeyed.previousFingerprint.slice(0, 16)}…`, `${rekeyed.fingerprint.slice(0, 16)}…`, `${paths.out}/ (${rekeyed.bundle.fileNames().join(', ')})`]],
      ),
    );
    out.info(`wrote the new owner key ${paths.keyOut}${holdout ? ` and ${holdoutRecordPath(paths.keyOut)}` : ''}`);
    process.stderr.write(
      `edgepro: licences issued before this rekey no longer open ${paths.out}: issue new ones with the new owner key (edgepro licence issue ${paths.out}${resolve(paths.keyOut) === resolve(defaultOwnerKeyPath(paths.out)) ? '' : ` --key ${paths.keyOut}`}); keep ${paths.keyOut} secret and never ship it\n`,
    );
    await out.result({
      model: paths.dir,
      out: paths.out,
      ownerKey: paths.keyOut,
      previousFingerprint: rekeyed.previousFingerprint,
      modelFingerprint: rekeyed.fingerprint,
      locked,
      sealedWeights: rekeyed.sealedWeights.length,
      sealedBytes: rekeyed.sealedBytes,
      weightBytes: rekeyed.weightBytes,
      holdout: holdout !== undefined,
      seconds,
    });
  } finally {
    oldKey.fill(0);
  }
}
