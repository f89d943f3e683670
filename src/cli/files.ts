/**
 * Reading the files a command is given (models, keys, licences) with errors that say what the file was for, and
 * refusing to overwrite secrets by accident.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { MissingFileError, UsageError } from './errors.js';
import { MODEL_JSON_FILE } from '../bundle/layout.js';
import { FileExistsError } from '../util/node_fs.js';

/** Reads a file; a missing one is a one-line error: `<what> not found: <path>` plus what to do about it. */
export async function readRequired(path: string, what: string, hint?: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingFileError(path, `${what} not found: ${path}${hint ? ` (${hint})` : ''}`);
    if (code === 'EISDIR') throw new UsageError(`${what} ${path} is a directory; give the file`);
    throw error;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function overwriteRefusal(path: string): UsageError {
  return new UsageError(`${path} already exists; it may be a key you still need (move it away, or pass --force to replace it)`);
}

/**
 * Refuses to replace an existing secret or key file unless --force: losing a private key cannot be undone. This is
 * the early check (before minutes of training); what makes it safe is writing those files with `exclusive: !force`
 * and passing the write's error through {@link refusedOverwrite}.
 */
export async function refuseOverwrite(paths: string[], force: boolean | undefined): Promise<void> {
  if (force) return;
  for (const path of paths) {
    if (await exists(path)) throw overwriteRefusal(path);
  }
}

/** An exclusive write's error (writeFilesAtomic `exclusive`) as refuseOverwrite's usage error; others unchanged. */
export function refusedOverwrite(error: unknown): unknown {
  return error instanceof FileExistsError ? overwriteRefusal(error.path) : error;
}

/** The model directory's model.json path (a directory or a model.json path may be given). */
export function modelJsonPath(dirOrJson: string): string {
  return dirOrJson.endsWith('.json') ? resolve(dirOrJson) : join(resolve(dirOrJson), MODEL_JSON_FILE);
}

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
