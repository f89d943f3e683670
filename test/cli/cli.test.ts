import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const edgepro = (...args: string[]) => runCli(args);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('edgepro CLI', () => {
  it('train: saves a LayersModel and writes a JSON report', async () => {
    const out = join(dir, 'model');
    const report = join(dir, 'train.json');
    const r = await edgepro('train', '--limit', '400', '--test-size', '200', '--epochs', '4', '--out', out, '--json', report, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/test accuracy/);
    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json).toMatchObject({ dataset: 'mnist-embedded', model: 'lenet5', trainSamples: 400, testSamples: 200, epochs: 4 });
    expect(json.testAccuracy).toBeGreaterThan(0.3);
    expect((await stat(join(out, 'weights.bin'))).size).toBeGreaterThan(100_000);
  });

  it('trains an MLP on a CSV file', async () => {
    const csv = join(dir, 'points.csv');
    const rows = ['a,b,kind'];
    for (let i = 0; i < 120; i++) rows.push(`${i % 2 === 0 ? 1 + (i % 7) / 10 : -1 - (i % 5) / 10},${(i % 3) / 3},${i % 2 === 0 ? 'yes' : 'no'}`);
    await writeFile(csv, rows.join('\n'));
    const r = await edgepro('train', '--arch', 'mlp', '--csv', csv, '--label', 'kind', '--epochs', '5', '--json', '--quiet');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.testAccuracy).toBeGreaterThan(0.9);
  });

  it('usage errors: one line, exit 2', async () => {
    const unknown = await edgepro('train', '--no-such-flag');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option/);
    const badValue = await edgepro('train', '--epochs', 'many');
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/--epochs needs an integer/);
    const csvNoLabel = await edgepro('train', '--csv', 'x.csv');
    expect(csvNoLabel.code).toBe(2);
    expect(csvNoLabel.stderr.trim().split('\n')).toHaveLength(1);
    expect(csvNoLabel.stderr).toMatch(/--label/);
  });

  it('failures: one line naming the file, exit 1, no stack unless --verbose', async () => {
    const missing = await edgepro('train', '--model', join(dir, 'nope', 'model.json'), '--epochs', '0');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/nope.*not found/);
    const verbose = await edgepro('train', '--model', join(dir, 'nope', 'model.json'), '--epochs', '0', '--verbose');
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('--help on every command shows an example', async () => {
    const commands = [['train'], ['pipeline'], ['protect'], ['eval'], ['keygen'], ['licence', 'issue'], ['infer'], ['bench']];
    const results = await Promise.all(commands.map((c) => edgepro(...c, '--help')));
    results.forEach((r, i) => {
      expect(r.code, commands[i]!.join(' ')).toBe(0);
      expect(r.stdout, commands[i]!.join(' ')).toMatch(/Example:\n  edgepro /);
    });
    const top = await edgepro('--help');
    for (const name of ['protect', 'eval', 'keygen', 'licence', 'infer', 'bench']) expect(top.stdout).toMatch(new RegExp(`\\n  ${name}[ |]`));
  });

  it('bench names the benchmarks there are; bad values and missing arguments are usage errors', async () => {
    const [bench, kind, expires, noOut] = await Promise.all([
      edgepro('bench', 'nope'),
      edgepro('keygen', 'laptop', '--out', join(dir, 'k')),
      edgepro('licence', 'issue', dir, '--expires', 'soon', '--out', join(dir, 'x')),
      edgepro('protect', '--no-audit', '--epochs', '1'),
    ]);
    expect(bench.code).toBe(2);
    expect(bench.stderr).toMatch(/no benchmark "nope"; this checkout has train, protection/);
    for (const r of [kind, expires, noOut]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    }
    expect(kind.stderr).toMatch(/kind must be one of device, vendor, got "laptop"/);
    expect(expires.stderr).toMatch(/--expires needs a date \(2027-01-31\) or a duration \(30d, 12h\), got "soon"/);
    expect(noOut.stderr).toMatch(/required option '--out <dir>' not specified/);
  });
});
