/**
 * `edgepro rekey` end to end, as an owner whose key leaked meets it: protect (the lock alone, where the weights file
 * does not change), issue a licence, rekey in place; the old licence and the old key are refused with one line, a new
 * licence gives the same predictions, the held-out record follows the new fingerprint. Plus --out, the refusals, and
 * a sealed graph model.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { loadEmbeddedMnist } from '../../src/data/mnist.js';
import { stratifiedSplit } from '../../src/data/split.js';

const FACERES = resolve('node_modules/@vladmandic/human/models/faceres.json');
const DATA = ['--limit', '800', '--test-size', '200', '--seed', '0'];
let dir: string;
const edgepro = (...args: string[]) => runCli(args, { cwd: dir });
const ok = (r: Awaited<ReturnType<typeof edgepro>>) => expect(r.code, r.stderr).toBe(0);
/** A failure is one line on stderr and the exit code. */
const fails = (r: Awaited<ReturnType<typeof edgepro>>, code: number) => {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  return r.stderr.trim();
};
const read = (file: string) => readFile(join(dir, file), 'utf8');
const INFER = ['digits.csv', '--label', 'digit', '--device-key', 'device.key', '--vendor-key', 'vendor.pub', '--json'];
const predictionsOf = (stdout: string) => (JSON.parse(stdout) as { predictions: unknown }).predictions;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-rekey-'));
  const [protect, device, vendor] = await Promise.all([
    edgepro('protect', '--no-audit', '--arch', 'mlp', ...DATA, '--epochs', '2', '--seal', 'none', '--out', 'lock', '--quiet'),
    edgepro('keygen', 'device', '--out', 'device', '--quiet'),
    edgepro('keygen', 'vendor', '--out', 'vendor', '--quiet'),
  ]);
  for (const r of [protect, device, vendor]) ok(r);
  const { test } = stratifiedSplit(loadEmbeddedMnist(), { testSize: 200, seed: 0 });
  const rows = [[...Array.from({ length: 784 }, (_, p) => `p${p}`), 'digit'].join(',')];
  for (let i = 0; i < 10; i++) rows.push([...Array.from(test.x.subarray(i * 784, (i + 1) * 784), (v) => v.toFixed(4)), test.y[i]].join(','));
  await writeFile(join(dir, 'digits.csv'), rows.join('\n'));
}, 240_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('edgepro rekey', () => {
  it('in place: the old licence and the old key are refused with one line, a new licence gives the same predictions', async () => {
    ok(await edgepro('licence', 'issue', 'lock', '--device-key', 'device.pub', '--sign', 'vendor.key', '--out', 'old.licence', '--quiet'));
    const before = await edgepro('infer', 'lock', ...INFER, '--licence', 'old.licence');
    ok(before);
    const oldKey = await read('lock.owner.key');
    await writeFile(join(dir, 'old.key'), oldKey, { mode: 0o600 });
    const filesBefore = (await readdir(join(dir, 'lock'))).sort();
    const weightsBefore = await readFile(join(dir, 'lock', 'weights.bin'));

    const rekey = await edgepro('rekey', 'lock', '--json');
    ok(rekey);
    const report = JSON.parse(rekey.stdout) as { previousFingerprint: string; modelFingerprint: string; ownerKey: string; locked: boolean; holdout: boolean };
    expect(report.modelFingerprint).not.toBe(report.previousFingerprint);
    expect(report).toMatchObject({ ownerKey: 'lock.owner.key', locked: true, holdout: true });
    expect(rekey.stderr).toContain('licences issued before this rekey no longer open lock');
    expect((await readdir(join(dir, 'lock'))).sort()).toEqual(filesBefore);
    expect((await readFile(join(dir, 'lock', 'weights.bin'))).equals(weightsBefore)).toBe(true); // the lock alone: same weights
    expect(await read('lock.owner.key')).not.toBe(oldKey);
    expect((await readdir(dir)).filter((f) => f.includes('before-rekey'))).toEqual([]);
    const holdout = JSON.parse(await read('lock.owner.key.holdout.json')) as { modelFingerprint: string; testSamples: number };
    expect(holdout).toMatchObject({ modelFingerprint: report.modelFingerprint, testSamples: 200 });

    const stale = fails(await edgepro('infer', 'lock', ...INFER, '--licence', 'old.licence'), 1);
    expect(stale).toMatch(/made for/);
    fails(await edgepro('licence', 'issue', 'lock', '--key', 'old.key', '--device-key', 'device.pub', '--out', 'x.licence'), 1);
    fails(await edgepro('rekey', 'lock', '--key', 'old.key'), 1);

    ok(await edgepro('licence', 'issue', 'lock', '--device-key', 'device.pub', '--sign', 'vendor.key', '--out', 'new.licence', '--quiet'));
    const after = await edgepro('infer', 'lock', ...INFER, '--licence', 'new.licence');
    ok(after);
    expect(predictionsOf(after.stdout)).toEqual(predictionsOf(before.stdout));
  });

  it('--out writes a second bundle and key and leaves the first as it was; refuses a key file that is not the current key, and a key inside the model', async () => {
    const keyBefore = await read('lock.owner.key');
    const json = await read('lock/model.json');
    const copy = await edgepro('rekey', 'lock', '--out', 'lock2', '--json');
    ok(copy);
    expect(JSON.parse(copy.stdout)).toMatchObject({ out: 'lock2', ownerKey: 'lock2.owner.key', holdout: true });
    expect(await read('lock.owner.key')).toBe(keyBefore);
    expect(await read('lock/model.json')).toBe(json);
    expect((await readdir(join(dir, 'lock2'))).sort()).toEqual(['model.json', 'password.edgepro', 'weights.bin']);
    ok(await edgepro('licence', 'issue', 'lock2', '--device-key', 'device.pub', '--sign', 'vendor.key', '--out', 'lock2.licence', '--quiet'));
    ok(await edgepro('infer', 'lock2', ...INFER, '--licence', 'lock2.licence'));
    fails(await edgepro('infer', 'lock2', ...INFER, '--licence', 'new.licence'), 1);

    // lock2.owner.key is another model's key now: not replaced without --force.
    const refused = fails(await edgepro('rekey', 'lock', '--out', 'lock3', '--key-out', 'lock2.owner.key'), 2);
    expect(refused).toContain('--force');
    expect(fails(await edgepro('rekey', 'lock', '--out', 'lock3', '--key-out', 'lock.owner.key'), 2)).toContain('without its key');
    expect(fails(await edgepro('rekey', 'lock', '--key-out', 'lock/owner.key'), 2)).toContain('inside the model directory');
    expect(fails(await edgepro('rekey', 'nowhere'), 1)).toContain('nowhere');
    expect(await read('lock.owner.key')).toBe(keyBefore);
  });

  it('a sealed graph model (no password.edgepro): rekey, and only the new key issues licences', async () => {
    ok(await edgepro('seal', FACERES, '--out', 'faceres', '--quiet'));
    const oldKey = await read('faceres.owner.key');
    await writeFile(join(dir, 'faceres-old.key'), oldKey, { mode: 0o600 });
    const rekey = await edgepro('rekey', 'faceres', '--json');
    ok(rekey);
    expect(JSON.parse(rekey.stdout)).toMatchObject({ locked: false, holdout: false });
    expect((await readdir(join(dir, 'faceres'))).sort()).toEqual(['model.json', 'weights.sealed']);
    expect(fails(await edgepro('licence', 'issue', 'faceres', '--key', 'faceres-old.key', '--device-key', 'device.pub', '--out', 'f.licence'), 1)).toContain('weights.sealed');
    ok(await edgepro('licence', 'issue', 'faceres', '--device-key', 'device.pub', '--out', 'f.licence', '--quiet'));
  });
});
