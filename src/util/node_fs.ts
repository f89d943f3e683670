/**
 * Node-only file helpers. Never import this from shared code (runtime, lock, crypto): it pulls in node:fs.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/**
 * Writes a file so that readers see either the old contents or the new, never a half-written file: the bytes go
 * to a temporary file beside the target, which is then renamed over it (atomic on POSIX within one filesystem).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, data, options.mode !== undefined ? { mode: options.mode } : {});
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes several files so that each is complete; all temporaries are written before any rename, and the renames go
 * in the order given (put the file a reader looks for first, last). `mode` (e.g. 0o600 for a secret key) is set when
 * the temporary is created, so the secret is never readable by others, even briefly. `remove` lists files deleted
 * once the temporaries are written, before the renames (a stale file must not outlive the new set).
 */
export async function writeFilesAtomic(files: { path: string; data: Uint8Array | string; mode?: number }[], options: { remove?: string[] } = {}): Promise<void> {
  const temps: { temp: string; path: string }[] = [];
  try {
    for (const file of files) {
      await mkdir(dirname(file.path), { recursive: true });
      const temp = join(dirname(file.path), `.${basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
      temps.push({ temp, path: file.path });
      await writeFile(temp, file.data, file.mode !== undefined ? { mode: file.mode } : {});
    }
    for (const path of options.remove ?? []) await rm(path, { force: true });
    for (const { temp, path } of temps) await rename(temp, path);
  } catch (error) {
    await Promise.all(temps.map(({ temp }) => rm(temp, { force: true })));
    throw error;
  }
}
