/**
 * `npm run bench:attacks [-- --json FILE] [--schemes hardened,reference] [--attacks finetune,prune,reverse,transfer]
 *   [--draws N] [--fast] [--lock-epochs N] [--epochs N] [--seed S] [--dataset mnist|fashion]`
 *
 * Every scheme is protected `--draws` times (default 5) with WebCrypto passwords, lock training seeded with `--seed`
 * as protect does, and every figure is printed as median (min–max) over the draws. protect's audit is off: the bench
 * measures the lock training itself, failed draws included. `--fast`: one draw, fine-tuning and pruning at 1% only
 * (a smoke run, not figures to quote).
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
import type { FineTuneResult } from '../src/attacks/finetune.js';
import type { PruneAttackResult } from '../src/attacks/prune.js';
import type { ReverseResult } from '../src/attacks/reverse.js';
import type { TransferResult } from '../src/attacks/transfer.js';
import { runAttackSuite, type AttackName, type SuiteTarget } from '../src/attacks/suite.js';
import { STRATEGY_SELECTION } from '../src/lock/generate.js';
import { loadBenchData } from './data.js';

interface Scheme {
  name: string;
  options: Omit<ProtectOptions, 'epochs' | 'seed'> & { password: { strategy: keyof typeof STRATEGY_SELECTION } };
}

const SCHEMES: Scheme[] = [
  { name: 'hardened', options: { password: { strategy: 'hardened' } } },
  { name: 'reference', options: { password: { strategy: 'reference' } } },
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
    draws: { type: 'string' },
    fast: { type: 'boolean', default: false },
  },
});
const draws = Number(values.draws ?? (values.fast ? 1 : 5));
const fractions = values.fast ? [0.01] : [0.01, 0.05, 0.1];
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
  draw: number;
  report: ReturnType<typeof protectionReport>;
  finetune?: FineTuneResult;
  prune?: PruneAttackResult;
  reverse?: ReverseResult;
  transfer?: TransferResult;
  seconds: Record<string, number>;
}
const rows: Row[] = [];
let unprotectedArm: FineTuneResult | undefined;
for (const scheme of SCHEMES.filter((s) => values.schemes!.split(',').includes(s.name))) for (let draw = 0; draw < draws; draw++) {
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    seconds[name] = (performance.now() - t0) / 1000;
    log(`${scheme.name} draw ${draw + 1}/${draws}: ${name} ${seconds[name]!.toFixed(0)} s`);
    return out;
  };
  const lockEpochs = Number(values['lock-epochs']);
  const a = await timed('protect', () => protectModel(baseline, train, { ...scheme.options, epochs: lockEpochs, seed, passwordRandomness: 'crypto' }));
  const report = protectionReport(a.protected, a.password, test, { baseline: baseline.model, trials: 100, seed });
  log(`${scheme.name}: authorized ${pct(report.authorizedAccuracy)}, unauthorized ${pct(report.unauthorizedAccuracy)}`);
  const row: Row = { scheme: scheme.name, draw, report, seconds };
  const target: SuiteTarget = {
    protected: a.protected,
    password: a.password,
    sealed: { weights: 0, share: 0 },
    // The unprotected arm does not depend on the scheme: measured once, with the first scheme and draw.
    ...(unprotectedArm ? {} : { baseline }),
    // The password's neurons come from this share of the ranking (the key space counts them there).
    topFraction: STRATEGY_SELECTION[scheme.options.password.strategy].topFraction,
  };
  if (attacks.has('transfer')) {
    const b = await timed('protect seed+1', () => protectModel(baseline, train, { ...scheme.options, epochs: lockEpochs, seed: seed + 1, passwordRandomness: 'crypto' }));
    target.other = b.protected;
    target.otherPassword = b.password;
  }
  const suite = await runAttackSuite(target, train, test, {
    attacks: (['finetune', 'prune', 'reverse', 'transfer'] as const).filter((name: AttackName) => attacks.has(name)),
    seed,
    finetune: { fractions, onRun: (r) => log(`  finetune ${r.fraction} ${r.arm} ${r.recipe}: ${pct(r.testAccuracy)}`) },
    prune: values.fast ? { ratios: [0.1, 0.3, 0.5, 0.7] } : {},
    reverse: { onProgress: (stage, detail) => log(`  reverse ${stage}: ${detail}`) },
  });
  for (const [name, s] of Object.entries(suite.seconds)) {
    seconds[name] = s;
    log(`${scheme.name} draw ${draw + 1}/${draws}: ${name} ${s.toFixed(0)} s`);
  }
  for (const result of suite.results) {
    if (result.attack === 'finetune') row.finetune = result;
    else if (result.attack === 'prune') row.prune = result;
    else if (result.attack === 'reverse') row.reverse = result;
    else if (result.attack === 'transfer') row.transfer = result;
  }
  if (row.finetune) {
    if (unprotectedArm) {
      row.finetune.results.forEach((r, i) => {
        const u = unprotectedArm!.results[i]!;
        r.unprotectedFinetuneAccuracy = u.unprotectedFinetuneAccuracy!;
        r.unprotectedBestRecipe = u.unprotectedBestRecipe!;
        r.arms.unprotected = u.arms.unprotected!;
      });
    } else unprotectedArm = row.finetune;
  }
  rows.push(row);
  if (values.json) {
    const tmp = `${values.json}.tmp`;
    writeFileSync(tmp, JSON.stringify({ dataset: datasetName, model: 'lenet5', baselineAccuracy, seed, lockEpochs, draws, passwordRandomness: 'crypto', rows }, null, 2));
    renameSync(tmp, values.json);
  }
}

// --- Markdown ---
// Every cell: median (min–max) over the draws of its scheme (one number when there is one draw).
const schemes = [...new Set(rows.map((r) => r.scheme))];
const of = (scheme: string) => rows.filter((r) => r.scheme === scheme);
function spread(xs: (number | undefined)[]): string {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return 'n/a';
  const m = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
  return v.length === 1 ? pct(median) : `${pct(median)} (${pct(v[0]!)}–${pct(v.at(-1)!)})`;
}
const holdsCount = (xs: boolean[]) => `${xs.filter(Boolean).length} of ${xs.length}`;
const md: string[] = [];
const digits = values.dataset === 'fashion' ? 'images' : 'digits';
md.push(`${datasetName}: baseline LeNet-5 ${pct(baselineAccuracy)}% (seed ${seed}); ${draws} WebCrypto password draw(s) per scheme, lock training seeded with ${seed}; cells are median (min–max) over the draws.`, '');
md.push('| scheme | authorized | unauthorized | wrong password max | near miss max |', '|---|---|---|---|---|');
for (const sc of schemes) {
  const rs = of(sc);
  md.push(`| ${sc} | ${spread(rs.map((r) => r.report.authorizedAccuracy))} | ${spread(rs.map((r) => r.report.unauthorizedAccuracy))} | ${spread(rs.map((r) => r.report.wrongPasswordAccuracy.max))} | ${spread(rs.map((r) => r.report.nearMissAccuracy.max))} |`);
}
if (rows.some((r) => r.finetune)) {
  md.push('', '### Fine-tuning', '', '| scheme | fraction (samples) | attacked (best recipe) | from scratch (best recipe) | unprotected fine-tuned | holds (attacked <= scratch + 1), draws |', '|---|---|---|---|---|---|');
  for (const sc of schemes) {
    const rs = of(sc).filter((r) => r.finetune);
    rs[0]?.finetune!.results.forEach((f0, i) => {
      const fs = rs.map((r) => r.finetune!.results[i]!);
      md.push(`| ${sc} | ${f0.fraction * 100}% (${f0.samples}) | ${spread(fs.map((f) => f.attackedAccuracy))} | ${spread(fs.map((f) => f.scratchAccuracy))} | ${spread(fs.map((f) => f.unprotectedFinetuneAccuracy))} | ${holdsCount(fs.map((f) => f.holds))} |`);
    });
  }
  for (const sc of schemes) {
    const rs = of(sc).filter((r) => r.finetune);
    if (rs.length === 0) continue;
    md.push('', `${sc}: neurons that never fire without the password (on 200 training ${digits}): ${rs[0]!.finetune!.deadNeurons.map((d, i) => `${d.layer} ${spread(rs.map((r) => r.finetune!.deadNeurons[i]!.share))}%`).join(', ')}.`);
  }
  const names = rows.find((r) => r.finetune)!.finetune!.results[0]!.arms.attacked!.recipes.map((x) => x.recipe);
  md.push('', "Every recipe (test accuracy; the chosen one is picked on the attacker's held-out 20%):", '', `| scheme | fraction | arm | ${names.join(' | ')} |`, `|---|---|---|${'---|'.repeat(names.length)}`);
  for (const sc of schemes) {
    const rs = of(sc).filter((r) => r.finetune);
    rs[0]?.finetune!.results.forEach((f0, i) => {
      for (const arm of ['attacked', 'scratch', 'unprotected'] as const) {
        const outcomes = rs.map((r) => r.finetune!.results[i]!.arms[arm]).filter((o) => o !== undefined);
        if (outcomes.length === 0) continue;
        md.push(`| ${sc} | ${f0.fraction * 100}% | ${arm} | ${names.map((n) => spread(outcomes.map((o) => o.recipes.find((y) => y.recipe === n)?.testAccuracy))).join(' | ')} |`);
      }
    });
  }
}
if (rows.some((r) => r.prune)) {
  const ratios = rows.find((r) => r.prune)!.prune!.results.map((x) => x.ratio);
  md.push('', '### Pruning', '', `| scheme | | ${ratios.map((x) => `${x * 100}%`).join(' | ')} |`, `|---|---|${'---|'.repeat(ratios.length)}`);
  for (const sc of schemes) {
    const ps = of(sc).map((r) => r.prune).filter((p) => p !== undefined);
    if (ps.length === 0) continue;
    md.push(`| ${sc} | pruned | ${ratios.map((_, i) => spread(ps.map((p) => p.results[i]!.accuracy))).join(' | ')} |`);
    md.push(`| ${sc} | + fine-tune (${ps[0]!.finetuneSamples} samples, ${ps[0]!.finetuneEpochs} epochs; without pruning ${spread(ps.map((p) => p.finetuneWithoutPruning))}) | ${ratios.map((_, i) => spread(ps.map((p) => p.results[i]!.accuracyAfterFinetune))).join(' | ')} |`);
  }
}
if (rows.some((r) => r.reverse)) {
  md.push('', '### Reverse engineering', '', '| scheme | greedy | whole-password search | lock regression from the search find | key space bits | one lock point at a time | effective (measured separability) | holds, draws |', '|---|---|---|---|---|---|---|---|');
  for (const sc of schemes) {
    const vs = of(sc).map((r) => r.reverse).filter((v) => v !== undefined);
    if (vs.length === 0) continue;
    const bits = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
    md.push(
      `| ${sc} | ${spread(vs.map((v) => v.greedy.accuracy))} | ${spread(vs.map((v) => v.search.accuracy))} | ${spread(vs.map((v) => v.regression?.accuracy))} | ${bits(vs.map((v) => v.results.keySpaceBits))} | ${bits(vs.map((v) => v.results.onePointAtATimeBits))} | ${bits(vs.map((v) => v.results.effectiveBits))} | ${holdsCount(vs.map((v) => v.holds))} |`,
    );
  }
}
if (rows.some((r) => r.transfer)) {
  md.push('', '### Password transfer', '', "| scheme | B with A's password | B without password | B with its own | holds, draws |", '|---|---|---|---|---|');
  for (const sc of schemes) {
    const ts = of(sc).map((r) => r.transfer).filter((t) => t !== undefined);
    if (ts.length === 0) continue;
    md.push(`| ${sc} | ${spread(ts.map((t) => t.results.accuracy))} | ${spread(ts.map((t) => t.results.unauthorizedAccuracy))} | ${spread(ts.map((t) => t.results.ownPasswordAccuracy))} | ${holdsCount(ts.map((t) => t.holds))} |`);
  }
}
md.push('', `Seconds per draw (median): ${schemes.map((sc) => `${sc} ${Object.keys(of(sc)[0]!.seconds).map((k) => { const xs = of(sc).map((r) => r.seconds[k]!).sort((a, b) => a - b); return `${k} ${xs[Math.floor(xs.length / 2)]!.toFixed(0)}`; }).join(', ')}`).join('; ')}.`);
console.log(md.join('\n'));
