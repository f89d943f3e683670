import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { loadEmbeddedMnist, sampleStratified } from '../../src/data/index.js';
import { buildMlp } from '../../src/models/index.js';
import { saveModelDir } from '../../src/owner/model_dir.js';
import { encodeKeyFile } from '../../src/crypto/index.js';
import { serializeModel } from '../../src/models/serialize.js';
import { assembleBundle } from '../../src/bundle/assemble.js';
import { writeProtectedBundle } from '../../src/cli/protected_files.js';
import { protectModel, trainClassifier } from '../../src/train/index.js';

const edgepro = (...args: string[]) => runCli(args);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-attack-'));
  await initEngine();
  // A deliberately weak protection: a hardened password, lock-trained for 0 epochs (the model works without it).
  const digits = sampleStratified(loadEmbeddedMnist(), 600, 3);
  const baseline = buildMlp({ inputShape: digits.sampleShape, numClasses: 10, hidden: [32, 16], seed: 3 });
  trainClassifier(baseline.model, digits, { epochs: 4, batchSize: 32, seed: 3 });
  const weak = await protectModel(baseline, digits, { epochs: 0, seed: 3, passwordRandomness: 'seed' });
  // As `edgepro protect --seal none` writes it: the lock alone, the owner key beside the directory.
  const bundle = await assembleBundle(await serializeModel(weak.protected), { seal: 'none', password: weak.password });
  await writeProtectedBundle(bundle, join(dir, 'weak'), join(dir, 'weak.owner.key'));
  await saveModelDir(baseline, join(dir, 'baseline'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('edgepro attack', () => {
  it('substitute: attacks the thief\'s view at each label budget beside the all-sealed control and scratch, and calls a weak lock broken', async () => {
    const report = join(dir, 'substitute.json');
    const r = await edgepro(
      'attack', 'substitute', '--model', join(dir, 'weak'), '--limit', '400', '--test-size', '300',
      '--budgets', '20,10%', '--finetune-epochs', '1', '--budget', '2000', '--json', report, '--html', join(dir, 'substitute.html'), '--quiet',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/substitute +20 labels .*all sealed .*scratch/);
    expect(r.stdout).toMatch(/substitute +10% data \(40 samples\)/);
    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json).toMatchObject({ attack: 'substitute', sealedRecipes: ['fresh'], holds: false });
    expect(json.results.map((x: { budget: unknown }) => x.budget)).toEqual([{ labels: 20 }, { fraction: 0.1 }]);
    // The password is known to the auditor: the search runs, on the model as held, with the budget given.
    expect(json.search).toEqual({ budget: 2000 });
    expect(json.results[0].attacked.recipes.map((o: { recipe: string }) => o.recipe)).toContain('search+adaptive-lock+adam');
    // The page shows the chosen runs and the ceilings the verdict also reads.
    const html = await readFile(join(dir, 'substitute.html'), 'utf8');
    for (const head of ['attacked (chosen)', 'best with a clear weight', 'all sealed (control)', 'control best']) expect(html).toContain(`>${head}<`);
    expect(html).toContain('with the whole-password search on top of the substitutes');
    const bad = await edgepro('attack', 'substitute', '--model', join(dir, 'weak'), '--budgets', '10,abc');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--budgets/);
  });

  it('all: runs every attack on a saved model and its password, prints one table, writes JSON, and calls a weak lock broken', async () => {
    const report = join(dir, 'attack.json');
    const weak = join(dir, 'weak');
    const r = await edgepro(
      'attack', 'all', '--model', weak, '--baseline', join(dir, 'baseline'), '--other', weak,
      '--limit', '400', '--test-size', '300', '--fractions', '0.1', '--finetune-epochs', '1', '--ratios', '0.1,0.5',
      '--samples', '100', '--queries', '20', '--budget', '2000', '--json', report, '--quiet',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3); // the audit ran and the weak lock does not hold
    expect(r.stdout).toMatch(/^attack +setting +attacker reaches +compared with +holds/);
    expect(r.stdout).toMatch(/transfer +A's password on model B/);
    // The weak lock is broken by the searches, so the key-space row says its bits are only an upper bound.
    expect(r.stdout).toMatch(/key space .*an upper bound: a search above found a working password/);
    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json).toMatchObject({ attack: 'all', dataset: 'mnist-embedded', model: 'mlp', holds: false });
    expect(json.attacks.map((a: { attack: string }) => a.attack)).toEqual(['finetune', 'prune', 'reverse', 'transfer']);
    const [finetune, prune, reverse, transfer] = json.attacks;
    expect(finetune.results[0]).toMatchObject({ fraction: 0.1, samples: 40 });
    expect(typeof finetune.results[0].bestRecipe).toBe('string');
    expect(prune.results.map((x: { ratio: number }) => x.ratio)).toEqual([0.1, 0.5]);
    expect(prune.results[0].holds).toBe(false);
    expect(reverse).toMatchObject({ results: { queries: 20, attackerSamples: 100 }, holds: false });
    expect(reverse.results.keySpaceBits).toBeGreaterThan(0);
    expect(transfer.holds).toBe(false);
  });

  it('usage errors: exit 2 with one line, before any work', async () => {
    const missing = await edgepro('attack', 'prune');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/give --model DIR .*, or --protect/);
    const badList = await edgepro('attack', 'finetune', '--protect', '--fractions', '0.1,2');
    expect(badList.code).toBe(2);
    expect(badList.stderr).toMatch(/--fractions needs comma-separated fractions/);
  });

  it("an owner key that is not this model's: exit 1, one line naming the container", async () => {
    const wrong = join(dir, 'other.owner.key');
    await writeFile(wrong, encodeKeyFile('content-key', crypto.getRandomValues(new Uint8Array(32))), { mode: 0o600 });
    const r = await edgepro('attack', 'prune', '--model', join(dir, 'weak'), '--key', wrong, '--quiet');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/password\.edgepro/);
  });
});
