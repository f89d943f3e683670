/**
 * Durable, atomic and exclusive file writes: a failed set leaves the old files and no temporaries, an exclusive
 * file is never replaced (of concurrent writers exactly one wins), and every temporary and directory is fsynced.
 */
import { fstatSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileExistsError, writeFileAtomic, writeFilesAtomic } from '../../src/util/node_fs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-node-fs-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const temporaries = async (d = dir) => (await readdir(d)).filter((name) => name.endsWith('.tmp'));

/** FileHandle.prototype (node:fs/promises does not export the class). */
async function fileHandlePrototype(): Promise<{ sync: () => Promise<void> }> {
  const handle = await open(join(dir, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(handle) as { sync: () => Promise<void> };
  await handle.close();
  await rm(join(dir, 'probe'));
  return prototype;
}

describe('writeFilesAtomic', () => {
  it('writes each file with its mode, and replaces an existing one', async () => {
    await writeFile(join(dir, 'a'), 'old');
    await writeFilesAtomic([
      { path: join(dir, 'a'), data: 'new' },
      { path: join(dir, 'sub', 'secret.key'), data: new Uint8Array([1, 2, 3]), mode: 0o600 },
    ]);
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('new');
    expect([...(await readFile(join(dir, 'sub', 'secret.key')))]).toEqual([1, 2, 3]);
    expect((await stat(join(dir, 'sub', 'secret.key'))).mode & 0o777).toBe(0o600);
    expect(await temporaries()).toEqual([]);
    expect(await temporaries(join(dir, 'sub'))).toEqual([]);
  });

  it('a set that fails (a parent that is a file) leaves the old contents and no temporary', async () => {
    await writeFile(join(dir, 'a'), 'old');
    await writeFile(join(dir, 'not-a-dir'), 'x');
    await expect(
      writeFilesAtomic([
        { path: join(dir, 'a'), data: 'new' },
        { path: join(dir, 'not-a-dir', 'b'), data: 'b' },
      ]),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('old');
    expect(await temporaries()).toEqual([]);
  });

  it('writeFileAtomic into a path whose parent is a file fails and leaves nothing', async () => {
    await writeFile(join(dir, 'not-a-dir'), 'x');
    await expect(writeFileAtomic(join(dir, 'not-a-dir', 'a'), 'a')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['not-a-dir']);
  });

  it('removes the files listed in `remove` and renames in order', async () => {
    await writeFile(join(dir, 'stale'), 'stale');
    await writeFilesAtomic([{ path: join(dir, 'a'), data: 'a' }], { remove: [join(dir, 'stale')] });
    expect((await readdir(dir)).sort()).toEqual(['a']);
  });
});

describe('exclusive writes', () => {
  it('refuses an existing file with FileExistsError (ERR_FILE_EXISTS), leaving it untouched and nothing else written', async () => {
    await writeFile(join(dir, 'owner.key'), 'the key you still need', { mode: 0o600 });
    const error = await writeFilesAtomic([
      { path: join(dir, 'new.pub'), data: 'pub', exclusive: true },
      { path: join(dir, 'owner.key'), data: 'replacement', mode: 0o600, exclusive: true },
      { path: join(dir, 'model.json'), data: '{}' },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileExistsError);
    expect(error).toMatchObject({ code: 'ERR_FILE_EXISTS', path: join(dir, 'owner.key') });
    expect(await readFile(join(dir, 'owner.key'), 'utf8')).toBe('the key you still need');
    // new.pub was linked before owner.key was refused: it is taken away again; model.json never went in.
    expect((await readdir(dir)).sort()).toEqual(['owner.key']);
  });

  it('creates a new file (mode kept) and leaves no temporary', async () => {
    await writeFileAtomic(join(dir, 'device.key'), 'secret', { mode: 0o600, exclusive: true });
    expect(await readFile(join(dir, 'device.key'), 'utf8')).toBe('secret');
    expect((await stat(join(dir, 'device.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'device.key'))).nlink).toBe(1);
    expect(await temporaries()).toEqual([]);
  });

  it('of concurrent exclusive writers of one path, exactly one wins; the file holds what the winner wrote', async () => {
    const path = join(dir, 'race.key');
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => writeFileAtomic(path, `writer ${i}`, { mode: 0o600, exclusive: true })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(FileExistsError);
    expect(await readFile(path, 'utf8')).toBe(`writer ${winners[0]}`);
    expect(await temporaries()).toEqual([]);
  });
});

describe('durability (fsync)', () => {
  it('fsyncs every temporary before it goes into place, then the directories', async () => {
    const prototype = await fileHandlePrototype();
    const original = prototype.sync;
    const calls: { directory: boolean; targetsPresent: boolean }[] = [];
    const targets = [join(dir, 'a'), join(dir, 'sub', 'b.key')];
    vi.spyOn(prototype, 'sync').mockImplementation(async function (this: { fd: number }) {
      const present = await Promise.all(targets.map((t) => stat(t).then(() => true, () => false)));
      calls.push({ directory: fstatSync(this.fd).isDirectory(), targetsPresent: present.some(Boolean) });
      return original.call(this);
    });
    await writeFilesAtomic([
      { path: targets[0]!, data: 'a' },
      { path: targets[1]!, data: 'b', mode: 0o600, exclusive: true },
    ]);
    expect(calls).toEqual([
      { directory: false, targetsPresent: false },
      { directory: false, targetsPresent: false },
      { directory: true, targetsPresent: true },
      { directory: true, targetsPresent: true },
    ]);
  });

  it('a directory fsync the platform refuses (EISDIR, EINVAL, EPERM) is ignored; another failure is not', async () => {
    const prototype = await fileHandlePrototype();
    const original = prototype.sync;
    let code = 'EINVAL';
    vi.spyOn(prototype, 'sync').mockImplementation(async function (this: { fd: number }) {
      if (fstatSync(this.fd).isDirectory()) throw Object.assign(new Error(`${code}: fsync`), { code });
      return original.call(this);
    });
    for (const c of ['EISDIR', 'EINVAL', 'EPERM']) {
      code = c;
      await writeFileAtomic(join(dir, `ok-${c}`), c);
      expect(await readFile(join(dir, `ok-${c}`), 'utf8')).toBe(c);
    }
    code = 'EIO';
    await expect(writeFileAtomic(join(dir, 'io'), 'x')).rejects.toMatchObject({ code: 'EIO' });
  });
});
