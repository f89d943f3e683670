/**
 * Node-only file helpers. Never import this from shared code (runtime, lock, crypto): it pulls in node:fs.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';
import { EdgeProError } from './errors.js';

/** One file of an atomic set. */
export interface AtomicFile {
  path: string;
  data: Uint8Array | string;
  /** Permission bits, set when the temporary is created (e.g. 0o600 for a secret key: never readable by others). */
  mode?: number;
  /**
   * Create the file, never replace one: an existing `path` fails with a {@link FileExistsError} (`code` `EEXIST`),
   * atomically, leaving that file untouched (a hard link of the temporary, not a rename).
   */
  exclusive?: boolean;
}

/** Errors a directory fsync gives on platforms (or filesystems) that cannot fsync a directory: nothing to do there. */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM']);
/** Errors `link` gives where the filesystem has no hard links (FAT, some network filesystems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** An `exclusive` write found its file already there (and left it untouched). Code `ERR_FILE_EXISTS`. */
export class FileExistsError extends EdgeProError {
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_FILE_EXISTS', `file already exists: ${path}`, options);
  }
}

function alreadyExists(path: string, cause: unknown): FileExistsError {
  return new FileExistsError(path, { cause });
}

/** Creates `path` (failing if it exists) holding `data`, written and fsynced before this returns. */
async function writeDurably(path: string, data: Uint8Array | string, mode: number | undefined): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the directory entries changed in `dir` (renames, links, unlinks) durable. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Puts the written temporary at `path`, which must not exist: `link` fails with EEXIST if it does (atomic and
 * exclusive), then the temporary's name goes. Where the filesystem has no hard links, the file is created with
 * O_EXCL and written again: still exclusive, but a crash could leave it short.
 */
async function linkExclusive(temp: string, file: AtomicFile): Promise<void> {
  try {
    await link(temp, file.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw alreadyExists(file.path, error);
    if (!NO_HARD_LINKS.has(code)) throw error;
    try {
      await writeDurably(file.path, file.data, file.mode);
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(file.path, fallback);
      await rm(file.path, { force: true });
      throw fallback;
    }
  }
}

/**
 * Writes a file so that readers see either the old contents or the new, never a half-written file, and so that it
 * survives a crash once this returns: the bytes go to a temporary file beside the target and are fsynced, the
 * temporary is renamed over the target (atomic on POSIX within one filesystem), and the directory is fsynced.
 * `exclusive` refuses to replace an existing file (see {@link AtomicFile}).
 *
 * @example
 * ```ts
 * await writeFileAtomic('device.key', encodeKeyFile('device-private', key), { mode: 0o600, exclusive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: { mode?: number; exclusive?: boolean } = {}): Promise<void> {
  await writeFilesAtomic([{ path, data, ...options }]);
}

/**
 * Writes several files so that each is complete and durable; all temporaries are written and fsynced before any
 * goes into place. Then the `exclusive` files are linked into place (an existing one fails the whole set with
 * EEXIST before anything else changes; those already linked by this call are taken away again), then `remove`
 * lists files deleted (a stale file must not outlive the new set), then the others are renamed in the order given
 * (put the file a reader looks for first, last), and each directory touched is fsynced. `mode` (e.g. 0o600 for a
 * secret key) is set when the temporary is created, so the secret is never readable by others, even briefly.
 */
export async function writeFilesAtomic(files: AtomicFile[], options: { remove?: string[] } = {}): Promise<void> {
  const temps: { temp: string; file: AtomicFile }[] = [];
  const linked: string[] = [];
  let committing = false;
  try {
    for (const file of files) {
      await mkdir(dirname(file.path), { recursive: true });
      const temp = tempPathFor(file.path);
      temps.push({ temp, file });
      await writeDurably(temp, file.data, file.mode);
    }
    for (const { temp, file } of temps) {
      if (!file.exclusive) continue;
      await linkExclusive(temp, file);
      linked.push(file.path);
    }
    committing = true;
    for (const path of options.remove ?? []) await rm(path, { force: true });
    for (const { temp, file } of temps) if (!file.exclusive) await rename(temp, file.path);
    for (const { temp, file } of temps) if (file.exclusive) await unlink(temp);
  } catch (error) {
    // Until the set starts going into place, nothing of it may remain; after, a linked key stays (it may be needed).
    if (!committing) await Promise.all(linked.map((path) => rm(path, { force: true })));
    await Promise.all(temps.map(({ temp }) => rm(temp, { force: true })));
    throw error;
  }
  const dirs = new Set([...files.map((file) => resolve(dirname(file.path))), ...(options.remove ?? []).map((path) => resolve(dirname(path)))]);
  for (const dir of dirs) await syncDirectory(dir);
}
