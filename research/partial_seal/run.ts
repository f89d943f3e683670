/**
 * `tsx research/partial_seal/run.ts --dataset mnist|fashion|digits --draws 0,1,2 [--sets none,convs,convs+logits] [--unlocked-sets convs+logits] [--budgets 10,50,100,1%,5%,10%] [--out FILE]`
 *
 * How little must be sealed? One baseline per dataset (cached in /tmp), then per draw a WebCrypto password of
 * today's default lock, lock-trained as protect does (12 epochs, seed 0, `audit: false` so that a draw the audit
 * would have refused is measured too). The thief of draw N uses seed N: their labelled samples, the fresh draws of
 * the sealed layers, the substitutes and the recipes. Per draw, one all-sealed control (`substituteControl`) is
 * computed and shared by every sealed set of that draw; each set's thief view (`thiefView`) is attacked by
 * `substituteAttack` with every recipe, the adaptive thief, and the whole-password search on top of the substitute
 * layers (shape: the draw's password, of which only the neuron counts per lock point are read). `--unlocked-sets`
 * attacks the unlocked baseline with those sets sealed, against the same control. One JSON line per set.
 *
 * Datasets: `mnist` LeNet-5 on the embedded MNIST (8,000 / 2,000), public data Fashion-MNIST (10,000 of its train
 * split); `fashion` LeNet-5 on the full Fashion-MNIST (60,000 / 10,000), public data the embedded MNIST; `digits`
 * the MLP (64-256-128-10) on scikit-learn's digits CSV (python3-sklearn: 1,797 rows, 1,437 / 360), no public data.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { initEngine } from '../../src/engine/index.js';
import { loadCsvFile, loadIdxDir } from '../../src/data/files.js';
import { loadEmbeddedMnist, stratifiedSplit, type Dataset } from '../../src/data/index.js';
import { deserializeModel, serializeModel } from '../../src/models/serialize.js';
import { buildLeNet5, buildMlp } from '../../src/models/index.js';
import { evaluateClassifier, protectModel, trainClassifier } from '../../src/train/index.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../../src/lock/lock_graph.js';
import { thiefView, sealedShare } from '../../src/attacks/thief.js';
import { substituteAttack, substituteControl, type LabelBudget, type SubstituteControlOptions } from '../../src/attacks/substitute.js';
import type { LockableModel } from '../../src/models/types.js';
import { FASHION_DIR } from '../../bench/data.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'mnist' },
    draws: { type: 'string', default: '0' },
    sets: { type: 'string' },
    'unlocked-sets': { type: 'string', default: '' },
    budgets: { type: 'string', default: '10,50,100,1%,5%,10%' },
    epochs: { type: 'string', default: '30' },
    out: { type: 'string' },
  },
});
const dataset = values.dataset!;
const SETS: Record<string, Record<string, readonly string[] | 'all'>> = {
  lenet5: { none: [], conv1: ['conv1'], convs: ['conv1', 'conv2'], 'convs+logits': ['conv1', 'conv2', 'logits'], head: ['fc1', 'fc2', 'logits'], all: 'all' },
  mlp: { none: [], fc1: ['fc1'], 'fc1+logits': ['fc1', 'logits'], 'fc1+fc2': ['fc1', 'fc2'], all: 'all' },
};
const seed = 0;
const log = (s: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${dataset}: ${s}\n`);
const budgets: LabelBudget[] = values.budgets!.split(',').map((b) => (b.endsWith('%') ? { fraction: Number(b.slice(0, -1)) / 100 } : { labels: Number(b) }));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** scikit-learn's digits as a CSV with a header (the shipped file has none), features scaled to [0, 1]. */
function digitsCsv(): string {
  const path = '/tmp/partial_seal_digits.csv';
  if (!existsSync(path)) {
    const rows = gunzipSync(readFileSync('/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz')).toString('utf8').trim().split('\n');
    const header = [...Array.from({ length: 64 }, (_, i) => `p${i}`), 'digit'].join(',');
    const body = rows.map((r) => {
      const v = r.split(',').map(Number);
      return [...v.slice(0, 64).map((x) => x / 16), v[64]].join(',');
    });
    writeFileSync(path, `${header}\n${body.join('\n')}\n`);
  }
  return path;
}

async function loadData(): Promise<{ train: Dataset; test: Dataset; publicData?: Dataset; architecture: 'lenet5' | 'mlp' }> {
  if (dataset === 'mnist') {
    const { train, test } = stratifiedSplit(loadEmbeddedMnist(), { testSize: 2000, seed });
    return { train, test, publicData: await loadIdxDir(FASHION_DIR, { split: 'train' }), architecture: 'lenet5' };
  }
  if (dataset === 'fashion') {
    return { train: await loadIdxDir(FASHION_DIR, { split: 'train' }), test: await loadIdxDir(FASHION_DIR, { split: 'test' }), publicData: loadEmbeddedMnist(), architecture: 'lenet5' };
  }
  if (dataset === 'digits') {
    const all = await loadCsvFile(digitsCsv(), { label: 'digit', name: 'sklearn-digits' });
    return { ...stratifiedSplit(all, { testSize: 360, seed }), architecture: 'mlp' };
  }
  throw new Error(`unknown dataset ${dataset} (mnist, fashion or digits)`);
}

await initEngine();
const { train, test, publicData, architecture } = await loadData();
log(`${train.y.length} train / ${test.y.length} test${publicData ? `, public ${publicData.name}` : ''}`);

const cache = `/tmp/partial_seal_baseline_${dataset}`;
let baseline: LockableModel;
if (existsSync(`${cache}/model.json`)) {
  const names = architecture === 'lenet5' ? ['pool1', 'pool2', 'fc1', 'fc2'] : ['fc1', 'fc2'];
  const b = await deserializeModel(JSON.parse(readFileSync(`${cache}/model.json`, 'utf8')), readFileSync(`${cache}/weights.bin`), { lockPoints: names });
  baseline = { architecture, model: b.model, lockPoints: b.lockPoints };
} else {
  const t0 = performance.now();
  baseline = architecture === 'lenet5' ? buildLeNet5({ seed }) : buildMlp({ inputShape: train.sampleShape, numClasses: train.numClasses, seed });
  trainClassifier(baseline.model, train, { epochs: architecture === 'lenet5' ? 10 : 30, seed });
  const s = await serializeModel(baseline);
  mkdirSync(cache, { recursive: true });
  writeFileSync(`${cache}/model.json`, JSON.stringify(s.modelJson));
  writeFileSync(`${cache}/weights.bin`, s.weights);
  log(`baseline trained in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const baselineAccuracy = evaluateClassifier(baseline.model, test).accuracy;
log(`baseline ${(100 * baselineAccuracy).toFixed(1)}%`);

const allNames = baseline.model.weights.map((w) => w.originalName);
const sealedOf = (set: string): string[] => {
  const layers = SETS[architecture]![set];
  if (layers === undefined) throw new Error(`unknown sealed set ${set} for ${architecture}: ${Object.keys(SETS[architecture]!).join(', ')}`);
  return layers === 'all' ? allNames : allNames.filter((n) => layers.some((l) => n.startsWith(`${l}/`)));
};
const sets = (values.sets ?? (architecture === 'lenet5' ? 'none,convs,convs+logits' : 'none,fc1,fc1+logits')).split(',');
const unlockedSets = values['unlocked-sets']!.split(',').filter(Boolean);

for (const draw of values.draws!.split(',').map(Number)) {
  const started = performance.now();
  const lock = await protectModel(baseline, train, { epochs: 12, seed, audit: false });
  const graph = buildLockGraph(lock.protected);
  const authorized = accuracyOf(predictWithPassword(graph, test, lock.password), test.y);
  const released = evaluateClassifier(lock.protected.model, test).accuracy;
  log(`draw ${draw} lock-trained in ${((performance.now() - started) / 1000).toFixed(0)} s: authorized ${(100 * authorized).toFixed(1)}%, released ${(100 * released).toFixed(1)}%`);

  const attackSeed = draw;
  const options: SubstituteControlOptions = {
    ...(publicData ? { publicData } : {}),
    budgets,
    epochs: Number(values.epochs),
    seed: attackSeed,
    search: { shape: lock.password },
  };
  const t0 = performance.now();
  const control = await substituteControl(baseline, train, test, options);
  log(`draw ${draw} control in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${control.rows.map((r) => `${r.samples}: ${(100 * r.control.accuracy).toFixed(1)} (ceiling ${(100 * r.control.ceiling.accuracy).toFixed(1)}), scratch ${(100 * r.scratchAccuracy).toFixed(1)}`).join('; ')}`);
  const targets = [...sets.map((set) => ({ set, locked: true })), ...unlockedSets.map((set) => ({ set, locked: false }))];
  for (const { set, locked } of targets) {
    const sealed = sealedOf(set);
    const model = locked ? lock.protected : baseline;
    const t1 = performance.now();
    const stolen = await thiefView(model, sealed, attackSeed);
    const result = await substituteAttack(stolen, train, test, { ...options, sealed, control });
    stolen.model.dispose();
    const line = {
      dataset,
      draw,
      attackSeed,
      set,
      locked,
      share: r3(sealedShare(model, sealed)),
      baseline: r3(baselineAccuracy),
      authorized: locked ? r3(authorized) : r3(baselineAccuracy),
      released: locked ? r3(released) : r3(baselineAccuracy),
      seconds: Math.round((performance.now() - t1) / 1000),
      rows: result.results.map((r) => ({
        budget: 'labels' in r.budget ? `${r.budget.labels}` : `${r.budget.fraction * 100}%`,
        samples: r.samples,
        attacked: r3(r.attacked.accuracy),
        attackedBest: r.attacked.bestRecipe,
        attackedUsesClear: r.attacked.usesClearWeights,
        clearCeiling: r.clearCeiling ? r3(r.clearCeiling.accuracy) : null,
        clearCeilingRecipe: r.clearCeiling?.recipe ?? null,
        control: r3(r.control.accuracy),
        controlBest: r.control.bestRecipe,
        controlCeiling: r3(r.control.ceiling.accuracy),
        controlCeilingRecipe: r.control.ceiling.recipe,
        scratch: r3(r.scratchAccuracy),
        holds: r.holds,
        withinScratch: r.withinScratch,
      })),
      holds: result.holds,
    };
    log(`draw ${draw} ${locked ? '' : 'unlocked '}${set}: ${JSON.stringify(line.rows.map((r) => [r.budget, r.attacked, r.clearCeiling, r.control, r.controlCeiling, r.holds]))} in ${line.seconds} s`);
    if (values.out) appendFileSync(values.out, `${JSON.stringify(line)}\n`);
    else console.log(JSON.stringify(line));
  }
  control.dispose();
  lock.protected.model.dispose();
}
