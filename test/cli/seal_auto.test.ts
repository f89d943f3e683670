/**
 * `--seal auto` on the command line. No partial seal is measured to hold yet (MEASURED_PARTIAL_SEALS is empty), so
 * protect of a LeNet-5 and of an MLP seal all, and seal of a model without a lock seals all; each prints its choice in
 * one line, with the reason, and reports it in --json. A list naming auto is refused. (A table entry's partial seal
 * is tested in test/owner/auto_seal.test.ts.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { initEngine } from '../../src/engine/index.js';
import { buildLeNet5 } from '../../src/models/index.js';
import { saveModelDir } from '../../src/owner/model_dir.js';

const DATA = ['--limit', '300', '--test-size', '100', '--seed', '0'];
let dir: string;
const edgepro = (...args: string[]) => runCli(args, { cwd: dir });
const ok = (r: CliResult) => expect(r.code, r.stderr).toBe(0);

type Manifest = { weightsManifest: { paths: string[]; weights: { name: string }[] }[] };
type SealReport = { mode: string; layers: string[] | 'all'; measured: boolean; rule: string; weights: number; bytes: number; ofBytes: number; share: number };
const weightsIn = async (bundle: string, file: string) => {
  const doc = JSON.parse(await readFile(join(dir, bundle, 'model.json'), 'utf8')) as Manifest;
  return doc.weightsManifest.filter((g) => g.paths.includes(file)).flatMap((g) => g.weights.map((w) => w.name)).sort();
};
const sealOf = async (report: string) => (JSON.parse(await readFile(join(dir, report), 'utf8')) as { seal: SealReport }).seal;

let lenet: CliResult;
let mlp: CliResult;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-seal-auto-'));
  await initEngine();
  const plain = buildLeNet5({ seed: 0 });
  await saveModelDir(plain, join(dir, 'plain'));
  plain.model.dispose();
  // No lock training (0 epochs) and no audit: what is measured here is the choice of weights, not the lock.
  [lenet, mlp] = await Promise.all([
    edgepro('protect', '--no-audit', '--arch', 'lenet5', ...DATA, '--epochs', '0', '--seal', 'auto', '--out', 'lenet', '--json', 'lenet.json'),
    edgepro('protect', '--no-audit', '--arch', 'mlp', ...DATA, '--epochs', '0', '--seal', 'auto', '--out', 'mlp', '--json', 'mlp.json', '--quiet'),
  ]);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('--seal auto', () => {
  it('protect of a LeNet-5 seals every weight, and says no partial seal was measured to hold for it', async () => {
    ok(lenet);
    expect(await weightsIn('lenet', 'weights.bin')).toEqual([]);
    expect(await weightsIn('lenet', 'weights.sealed')).toEqual(['conv1/bias', 'conv1/kernel', 'conv2/bias', 'conv2/kernel', 'fc1/bias', 'fc1/kernel', 'fc2/bias', 'fc2/kernel', 'logits/bias', 'logits/kernel']);
    const seal = await sealOf('lenet.json');
    expect(seal).toMatchObject({ mode: 'auto', layers: 'all', measured: false, weights: 10, share: 1 });
    expect(seal.share).toBeCloseTo(seal.bytes / seal.ofBytes, 12);
    const lines = lenet.stdout.split('\n').filter((l) => l.startsWith('seal auto:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^seal auto: all weights \(100\.0+% of the weights' bytes\) — no partial seal was measured to hold for lenet5/);
  });

  it('protect of an MLP seals all, the JSON saying no partial seal was measured for it', async () => {
    ok(mlp);
    expect(await weightsIn('mlp', 'weights.bin')).toEqual([]);
    const seal = await sealOf('mlp.json');
    expect(seal).toMatchObject({ mode: 'auto', layers: 'all', measured: false, share: 1 });
    expect(seal.weights).toBeGreaterThan(0);
    expect(seal.rule).toContain('no partial seal was measured to hold for mlp');
  });

  it('seal of a model without a lock seals all with auto, even a LeNet-5', async () => {
    const r = await edgepro('seal', 'plain', '--seal', 'auto', '--out', 'sealed', '--json', 'sealed.json');
    ok(r);
    expect(await weightsIn('sealed', 'weights.bin')).toEqual([]);
    expect(await sealOf('sealed.json')).toMatchObject({ mode: 'auto', layers: 'all', measured: false, share: 1 });
    expect(r.stdout).toMatch(/^seal auto: all weights \(100\.0+% of the weights' bytes\) — no lock/m);
  });

  it('the help lists auto and its fall-back; a list naming auto is refused as a usage error', async () => {
    const help = await edgepro('protect', '--help');
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/auto \(the partial seal measured to hold for the architecture, and all for an architecture without one; measured to hold: none\)/);
    const mixed = await edgepro('protect', '--seal', 'auto,conv1', '--out', 'never');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--seal auto stands alone');
  });
});
