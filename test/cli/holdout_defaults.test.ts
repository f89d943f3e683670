/**
 * `eval` and `attack` take their split from the held-out record beside the owner key when no data flag is given,
 * still refuse given flags that differ from it, and `attack` says with its exit code whether the protection holds.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let dir: string;
const edgepro = (...args: string[]) => runCli(args, { cwd: dir });
const DATA = ['--limit', '800', '--test-size', '200', '--seed', '3'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-holdout-defaults-'));
  const train = await edgepro('train', '--arch', 'mlp', ...DATA, '--epochs', '2', '--out', 'base', '--quiet');
  expect(train.code, train.stderr).toBe(0);
  // A lock trained for one epoch, and a weak one (0 epochs: it works without its password), both in the clear.
  const [prot, weak] = await Promise.all([
    edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '1', '--seal', 'none', '--out', 'prot', '--quiet'),
    edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '0', '--seal', 'none', '--out', 'weak', '--quiet'),
  ]);
  expect(prot.code, prot.stderr).toBe(0);
  expect(weak.code, weak.stderr).toBe(0);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('data flags default to the held-out record', () => {
  it('eval with no data flag measures on the recorded split, with a note naming the record, as with the flags protect used', async () => {
    const [bare, typed] = await Promise.all([
      edgepro('eval', 'prot', '--trials', '5', '--json'),
      edgepro('eval', 'prot', ...DATA, '--trials', '5', '--json'),
    ]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(typed.code, typed.stderr).toBe(0);
    expect(bare.stderr).toMatch(/held-out split as protect recorded it in prot\.owner\.key\.holdout\.json: --test-size 200 --seed 3/);
    expect(bare.stderr).not.toMatch(/not checked/);
    expect(typed.stderr).not.toMatch(/recorded it in/);
    const report = JSON.parse(bare.stdout) as { testSamples: number };
    expect(report.testSamples).toBe(200);
    expect(report).toEqual(JSON.parse(typed.stdout));
  });

  it('a data flag that is given is still checked against the record: exit 2, naming the flags to use', async () => {
    const [otherSeed, attackSeed] = await Promise.all([edgepro('eval', 'prot', '--seed', '4'), edgepro('attack', 'prune', '--model', 'prot', '--seed', '4')]);
    for (const r of [otherSeed, attackSeed]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/hold out other samples than protect did .*use --test-size 200 --seed 3 \(recorded in prot\.owner\.key\.holdout\.json\)/);
    }
  });

  it('without a record (or a record moved away), the defaults as before, with the note that the split was not checked', async () => {
    // The record is keyed by the owner key's path: a copy of the key elsewhere has none.
    await copyFile(join(dir, 'prot.owner.key'), join(dir, 'copy.key'));
    const bare = await edgepro('eval', 'prot', '--key', 'copy.key', '--trials', '0', '--json');
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toMatch(/held-out split not checked: no record of this model at copy\.key\.holdout\.json/);
    expect((JSON.parse(bare.stdout) as { testSamples: number }).testSamples).toBe(2000);
  });
});

describe('attack exit codes', () => {
  it('exit 3 when the audit ran and a row does not hold (JSON written first); --report-only exits 0', async () => {
    const [broken, reportOnly] = await Promise.all([
      edgepro('attack', 'prune', '--model', 'weak', '--ratios', '0.5', '--json'),
      edgepro('attack', 'prune', '--model', 'weak', '--ratios', '0.5', '--json', '--report-only', '--quiet'),
    ]);
    expect(broken.code, broken.stderr).toBe(3);
    expect(broken.stderr).toMatch(/held-out split as protect recorded it in weak\.owner\.key\.holdout\.json/);
    expect(broken.stderr).toMatch(/does not hold .*exit 3/);
    expect((JSON.parse(broken.stdout) as { holds: boolean }).holds).toBe(false);
    expect(reportOnly.code, reportOnly.stderr).toBe(0);
    expect(reportOnly.stderr).toBe('');
    expect((JSON.parse(reportOnly.stdout) as { holds: boolean }).holds).toBe(false);
  });
});
