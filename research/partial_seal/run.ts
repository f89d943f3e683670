/**
 * `tsx research/partial_seal/run.ts --draw N [--attack-seed S] [--sets none,convs,convs+logits,all] [--budgets 10,100,1%] [--out FILE]`
 *
 * How little must be sealed? One LeNet-5 baseline on the embedded MNIST (8,000 / 2,000, seed 0; the baseline
 * research/lock_draws caches), one WebCrypto password draw of today's default lock, lock-trained as protect does
 * (12 epochs, seed 0, `audit: false` so that a draw the audit would have refused is measured too). Then, per sealed
 * set, the thief's view (`thiefView`, seed S, default 0) attacked by `substituteAttack`: sealed layers fresh, from the thief's
 * own share, or from Fashion-MNIST (10,000 samples, 5 epochs), then every fine-tuning recipe and the adaptive thief,
 * against the all-sealed control and from scratch. One JSON line per sealed set.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initEngine } from '../../src/engine/index.js';
import { loadIdxDir } from '../../src/data/files.js';
import { deserializeModel, serializeModel } from '../../src/models/serialize.js';
import { buildLeNet5 } from '../../src/models/index.js';
import { evaluateClassifier, protectModel, trainClassifier } from '../../src/train/index.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../../src/lock/lock_graph.js';
import { thiefView, sealedShare } from '../../src/attacks/thief.js';
import { substituteAttack, type LabelBudget } from '../../src/attacks/substitute.js';
import type { LockableModel } from '../../src/models/types.js';
import { loadBenchData } from '../../bench/data.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const { values } = parseArgs({
  options: {
    draw: { type: 'string', default: '0' },
    sets: { type: 'string', default: 'none,convs,convs+logits,all' },
    budgets: { type: 'string', default: '10,100,1%' },
    epochs: { type: 'string', default: '30' },
    'attack-seed': { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
const SETS: Record<string, readonly string[] | 'all'> = { none: [], convs: ['conv1', 'conv2'], 'convs+logits': ['conv1', 'conv2', 'logits'], all: 'all' };
const seed = 0;
/** The thief's seed: their samples, the fresh draws of the sealed layers, the substitutes' and recipes' seeds. */
const attackSeed = Number(values['attack-seed']);
const log = (s: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] draw ${values.draw}: ${s}\n`);
const budgets: LabelBudget[] = values.budgets!.split(',').map((b) => (b.endsWith('%') ? { fraction: Number(b.slice(0, -1)) / 100 } : { labels: Number(b) }));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

await initEngine();
const { train, test } = await loadBenchData('mnist', seed);
const fashion = await loadIdxDir('/usr/share/datasets/fashion-mnist', { split: 'train' });

const cache = '/tmp/lock_draws_baseline_mnist';
let baseline: LockableModel;
if (existsSync(`${cache}/model.json`)) {
  const b = await deserializeModel(JSON.parse(readFileSync(`${cache}/model.json`, 'utf8')), readFileSync(`${cache}/weights.bin`), { lockPoints: ['pool1', 'pool2', 'fc1', 'fc2'] });
  baseline = { architecture: 'lenet5', model: b.model, lockPoints: b.lockPoints };
} else {
  baseline = buildLeNet5({ seed });
  trainClassifier(baseline.model, train, { epochs: 10, seed });
  const s = await serializeModel(baseline);
  mkdirSync(cache, { recursive: true });
  writeFileSync(`${cache}/model.json`, JSON.stringify(s.modelJson));
  writeFileSync(`${cache}/weights.bin`, s.weights);
}
const baselineAccuracy = evaluateClassifier(baseline.model, test).accuracy;
log(`baseline ${(100 * baselineAccuracy).toFixed(1)}%`);

const started = performance.now();
const lock = await protectModel(baseline, train, { epochs: 12, seed, audit: false });
const graph = buildLockGraph(lock.protected);
const authorized = accuracyOf(predictWithPassword(graph, test, lock.password), test.y);
const released = evaluateClassifier(lock.protected.model, test).accuracy;
log(`lock-trained in ${((performance.now() - started) / 1000).toFixed(0)} s: authorized ${(100 * authorized).toFixed(1)}%, released ${(100 * released).toFixed(1)}%`);

const allNames = lock.protected.model.weights.map((w) => w.originalName);
for (const set of values.sets!.split(',')) {
  const layers = SETS[set];
  if (layers === undefined) throw new Error(`unknown sealed set ${set}`);
  const sealed = layers === 'all' ? allNames : allNames.filter((n) => layers.some((l) => n.startsWith(`${l}/`)));
  const t0 = performance.now();
  const stolen = await thiefView(lock.protected, sealed, attackSeed);
  const result = await substituteAttack(stolen, train, test, { sealed, publicData: fashion, budgets, epochs: Number(values.epochs), seed: attackSeed });
  stolen.model.dispose();
  const line = {
    draw: Number(values.draw),
    attackSeed,
    set,
    share: r3(sealedShare(lock.protected, sealed)),
    baseline: r3(baselineAccuracy),
    authorized: r3(authorized),
    released: r3(released),
    seconds: Math.round((performance.now() - t0) / 1000),
    rows: result.results.map((r) => ({
      budget: 'labels' in r.budget ? `${r.budget.labels}` : `${r.budget.fraction * 100}%`,
      samples: r.samples,
      attacked: r3(r.attacked.accuracy),
      attackedBest: r.attacked.bestRecipe,
      control: r3(r.control.accuracy),
      controlBest: r.control.bestRecipe,
      scratch: r3(r.scratchAccuracy),
      holds: r.holds,
      // Best on test per sealed recipe, for the table's reader (the thief chooses on the hold-out).
      bestOnTest: Object.fromEntries(result.sealedRecipes.map((s) => [s, r3(Math.max(...r.attacked.recipes.filter((o) => o.sealedRecipe === s).map((o) => o.testAccuracy)))])),
    })),
    holds: result.holds,
  };
  log(`${set}: ${JSON.stringify(line.rows.map((r) => [r.budget, r.attacked, r.control, r.scratch, r.holds]))} in ${line.seconds} s`);
  if (values.out) appendFileSync(values.out, `${JSON.stringify(line)}\n`);
  else console.log(JSON.stringify(line));
}
