/**
 * `npx tsx research/perm_recovery_table.ts FILE.json...`: the Markdown tables of research/finetune_resistance.md section 3b from the
 * JSON summaries that research/perm_recovery.ts writes (one per family).
 */
import { readFileSync } from 'node:fs';

interface Recovery {
  attack: string;
  holdout: number;
  test: number;
  placed: Record<string, string>;
  seconds: number;
}
interface Result {
  fraction: number;
  samples: number;
  recoveries: Recovery[];
  chosen: string;
  finetuned?: { variant: string; testAccuracy: number; maxTestAccuracy: number };
  runs: { variant: string; testAccuracy: number; holdoutAccuracy: number }[];
}
interface Summary {
  family: string;
  dataset: string;
  seed: number;
  releasedAccuracy: number;
  baselineAccuracy: number;
  normScales: { layer: string; corrLogScale: number; medianAbsLogError: number }[];
  conv1Roughness: { authorized: number; released: number };
  results: Result[];
}

const pct = (x: number) => (100 * x).toFixed(1);
const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: perm_recovery_table.ts FILE.json...');
const summaries = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Summary);

const lines: string[] = [];
lines.push('| family | fraction (samples) | attack | units in place: conv1 / conv2 / fc1 / fc2 (taps) | as recovered: hold-out / test | seconds |');
lines.push('|---|---|---|---|---|---|');
for (const s of summaries) {
  for (const r of s.results) {
    for (const rec of r.recoveries) {
      const p = rec.placed;
      const placed = `${p.conv1} / ${p.conv2} / ${p.fc1} / ${p.fc2}${p.conv1Taps ? ` (${p.conv1Taps})` : ''}`;
      const mark = rec.attack === r.chosen ? ' (kept)' : '';
      lines.push(`| \`${s.family}\` | ${100 * r.fraction}% (${r.samples}) | ${rec.attack}${mark} | ${placed} | ${pct(rec.holdout)} / ${pct(rec.test)} | ${rec.seconds.toFixed(0)} |`);
    }
  }
}
lines.push('');
lines.push('| family | | 1% | 5% | 10% |');
lines.push('|---|---|---|---|---|');
for (const s of summaries) {
  const cell = (f: (r: Result) => string) => s.results.map(f).join(' | ');
  lines.push(`| \`${s.family}\` | as recovered (kept attack, test) | ${cell((r) => pct(r.recoveries.find((x) => x.attack === r.chosen)!.test))} |`);
  lines.push(`| | recovered + fine-tuned (best recipe by hold-out; max) | ${cell((r) => (r.finetuned ? `${pct(r.finetuned.testAccuracy)} (${r.finetuned.variant}; max ${pct(r.finetuned.maxTestAccuracy)})` : '—'))} |`);
}
lines.push('');
for (const s of summaries) {
  lines.push(`\`${s.family}\` (${s.dataset}, seed ${s.seed}): baseline ${pct(s.baselineAccuracy)}, released ${pct(s.releasedAccuracy)}; scales from norms, corr(log est., log true) ${s.normScales.map((n) => `${n.layer} ${n.corrLogScale.toFixed(2)}`).join(', ')}; conv1 tap roughness authorized ${s.conv1Roughness.authorized.toFixed(2)}, released ${s.conv1Roughness.released.toFixed(2)}.`);
  lines.push('');
  lines.push('| recipe | 1% | 5% | 10% |');
  lines.push('|---|---|---|---|');
  for (const v of s.results[0]?.runs.map((r) => r.variant) ?? []) {
    lines.push(`| ${v} | ${s.results.map((r) => pct(r.runs.find((x) => x.variant === v)!.testAccuracy)).join(' | ')} |`);
  }
  lines.push('');
}
process.stdout.write(`${lines.join('\n')}\n`);
