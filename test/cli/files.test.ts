/**
 * Files that cannot be lost or read by others: key files and held-out records are created 0600, an existing key is
 * never replaced without --force (even by a writer that raced past the early check), and a secret key file others
 * can read is read with a warning.
 */
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { Bundle } from '../../src/bundle/source.js';
import type { AssembledBundle } from '../../src/bundle/assemble.js';
import { holdoutRecord } from '../../src/owner/holdout.js';
import { writeProtectedBundle } from '../../src/cli/protected_files.js';
import { refusedOverwrite } from '../../src/cli/files.js';
import { UsageError } from '../../src/cli/errors.js';
import { FileExistsError } from '../../src/util/node_fs.js';

const DATA = ['--limit', '800', '--test-size', '200', '--seed', '0'];
let dir: string;
const edgepro = (...args: string[]) => runCli(args, { cwd: dir });
const ok = (r: CliResult) => expect(r.code, r.stderr).toBe(0);
const modeOf = async (path: string) => (await stat(join(dir, path))).mode & 0o777;
const refusal = (path: string) => `${path} already exists; it may be a key you still need (move it away, or pass --force to replace it)`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-files-'));
  ok(await edgepro('train', ...DATA, '--arch', 'mlp', '--epochs', '2', '--out', 'base', '--quiet'));
  const [protect, keygen] = await Promise.all([
    edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '1', '--out', 'prot', '--quiet'),
    edgepro('keygen', 'device', '--out', 'device', '--quiet'),
  ]);
  ok(protect);
  ok(keygen);
}, 240_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('key files and held-out records on disk', () => {
  it('keygen writes the private key 0600 and the public key 0644; protect writes the owner key and held-out record 0600', async () => {
    expect(await modeOf('device.key')).toBe(0o600);
    expect(await modeOf('device.pub')).toBe(0o644);
    expect(await modeOf('prot.owner.key')).toBe(0o600);
    expect(await modeOf('prot.owner.key.holdout.json')).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('keygen and protect refuse an existing key without --force (one line, exit 2), leaving it untouched', async () => {
    const before = await readFile(join(dir, 'device.key'), 'utf8');
    const again = await edgepro('keygen', 'device', '--out', 'device');
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`edgepro: ${refusal('device.key')}`);
    expect(await readFile(join(dir, 'device.key'), 'utf8')).toBe(before);
    const protectAgain = await edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '1', '--out', 'prot', '--quiet');
    expect(protectAgain.code).toBe(2);
    expect(protectAgain.stderr).toContain(refusal('prot.owner.key'));
  });

  it('of concurrent keygens of one name exactly one wins, the others get the usage error; --force replaces', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => edgepro('keygen', 'vendor', '--out', 'race', '--quiet')));
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    for (const r of results.filter((r) => r.code !== 0)) {
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`edgepro: ${refusal('race.key')}`);
    }
    expect(await modeOf('race.key')).toBe(0o600);
    const before = await readFile(join(dir, 'race.key'), 'utf8');
    ok(await edgepro('keygen', 'vendor', '--out', 'race', '--force', '--quiet'));
    expect(await readFile(join(dir, 'race.key'), 'utf8')).not.toBe(before);
    expect(await modeOf('race.key')).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a private or owner key file others can read is read with one warning line; a public key is not', async () => {
    ok(await edgepro('licence', 'issue', 'prot', '--device-key', 'device.pub', '--out', 'quiet.licence', '--quiet'));
    const clean = await edgepro('licence', 'issue', 'prot', '--device-key', 'device.pub', '--out', 'a.licence', '--quiet');
    ok(clean);
    expect(clean.stderr).not.toContain('warning');

    await chmod(join(dir, 'prot.owner.key'), 0o644);
    const issue = await edgepro('licence', 'issue', 'prot', '--device-key', 'device.pub', '--out', 'b.licence', '--quiet');
    await chmod(join(dir, 'prot.owner.key'), 0o600);
    ok(issue);
    expect(issue.stderr.split('\n').filter((line) => line.includes('warning'))).toEqual([
      `edgepro: warning: prot.owner.key is readable by others (mode 0644); chmod 600 prot.owner.key`,
    ]);

    await writeFile(join(dir, 'digits.csv'), `${Array.from({ length: 784 }, (_, p) => `p${p}`).join(',')}\n${Array(784).fill('0').join(',')}\n`);
    await chmod(join(dir, 'device.key'), 0o640);
    const infer = await edgepro('infer', 'prot', 'digits.csv', '--licence', 'a.licence', '--device-key', 'device.key', '--allow-unsigned', '--quiet');
    await chmod(join(dir, 'device.key'), 0o600);
    // Only the warning is this test's: whether infer then runs is the runtime's business (read before the licence).
    expect(infer.stderr).toContain('edgepro: warning: device.key is readable by others (mode 0640); chmod 600 device.key');
  });
});

describe('writeProtectedBundle', () => {
  const assembled = (): AssembledBundle => ({
    bundle: Bundle.fromFiles({ 'model.json': '{}' }),
    contentKey: new Uint8Array(32).fill(7),
    fingerprint: 'f',
    sealedWeights: [],
    sealedBytes: 0,
    weightBytes: 0,
  });
  const holdout = holdoutRecord({ idx: null, csv: null, label: null, seed: 0 }, 200, 'f');

  it('without force refuses an owner key that appeared since the early check: a usage error, nothing written', async () => {
    const out = join(dir, 'wpb');
    await writeFile(join(dir, 'wpb.key'), 'an older key');
    const error = await writeProtectedBundle(assembled(), out, join(dir, 'wpb.key'), holdout, { force: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(refusal(join(dir, 'wpb.key')));
    expect(await readFile(join(dir, 'wpb.key'), 'utf8')).toBe('an older key');
    expect((await readdir(dir)).filter((name) => name.startsWith('wpb')).sort()).toEqual(['wpb', 'wpb.key']);
    expect(await readdir(out)).toEqual([]); // the directory is made before the set; no file of the set went in
  });

  it('with force, or called with four arguments as before, replaces it; key and held-out record are 0600', async () => {
    const out = join(dir, 'wpb');
    await writeProtectedBundle(assembled(), out, join(dir, 'wpb.key'), holdout, { force: true });
    expect(await readFile(join(dir, 'wpb.key'), 'utf8')).not.toBe('an older key');
    await writeFile(join(dir, 'wpb.key'), 'an older key');
    await writeProtectedBundle(assembled(), out, join(dir, 'wpb.key'), holdout);
    expect(await readFile(join(dir, 'wpb.key'), 'utf8')).not.toBe('an older key');
    expect(await modeOf('wpb.key')).toBe(0o600);
    expect(await modeOf('wpb.key.holdout.json')).toBe(0o600);
    expect(await readdir(out)).toEqual(['model.json']);
  });

  it('refusedOverwrite turns only an exclusive write\'s FileExistsError into the usage error', () => {
    expect(refusedOverwrite(new FileExistsError('k.key'))).toMatchObject({ code: 'ERR_USAGE', message: refusal('k.key') });
    const other = Object.assign(new Error('EEXIST: mkdir'), { code: 'EEXIST', path: 'd' });
    expect(refusedOverwrite(other)).toBe(other);
  });
});
