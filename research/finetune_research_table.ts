/**
 * `npx tsx research/finetune_research_table.ts DIR` — Markdown tables from the JSON files that
 * `research/finetune_research.ts --family F --json DIR/F.json` wrote (research/finetune_resistance.md holds them).
 * Every arm's figure is the test accuracy of the recipe chosen on the attacker's held-out 20%, as the attack suite
 * picks; "max" is the best test accuracy of any recipe (what an attacker with a larger hold-out could reach).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// Type only: erased, so the research script (which runs when imported) is not loaded.
import type { RunRow as Run } from './finetune_research.js';

interface Summary {
  family: string;
  runs: Run[];
  best: { fraction: number; variant: string; testAccuracy: number; maxTestAccuracy: number }[];
  seconds: number;
  keyBits?: number;
  authorizedAccuracy?: number;
  releasedAccuracy?: number;
  secretRestores?: { maxAbs: number; relative: number; agree: number };
  changedByUnlock?: { layer: string; kernelChanged: number; kernelSize: number; biasChanged: number; biasSize: number }[];
  prepared: Record<string, number>;
}

const dir = process.argv[2] ?? '/tmp/ftres';
const read = (f: string): Summary | undefined => (existsSync(join(dir, `${f}.json`)) ? (JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')) as Summary) : undefined);
const pct = (x: number | undefined) => (x === undefined ? 'n/a' : (100 * x).toFixed(1));
const scratch = read('scratch');
const out: string[] = [];
const prepared = (scratch ?? read('lock'))?.prepared;
if (prepared) {
  out.push(`Baseline ${pct(prepared.baselineAccuracy)}% (trained in ${prepared.baselineTrainSeconds!.toFixed(0)} s); default protection: authorized ${pct(prepared.authorizedAccuracy)}%, released ${pct(prepared.unauthorizedAccuracy)}%, lock training ${prepared.lockTrainSeconds!.toFixed(0)} s.`, '');
}

out.push('| family | authorized | released (no secret) | key bits added | 1% | 5% | 10% | attack seconds |', '|---|---|---|---|---|---|---|---|');
const cell = (s: Summary, i: number) => {
  const b = s.best[i];
  if (!b) return 'n/a';
  const sc = scratch?.best[i];
  const flag = sc && b.testAccuracy > sc.testAccuracy + 0.01 ? '**' : '';
  return `${flag}${pct(b.testAccuracy)}${flag} (${b.variant}; max ${pct(b.maxTestAccuracy)})`;
};
for (const f of ['scratch', 'scaled-scratch', 'unprotected', 'lock', 'structural', 'structural-reinit', 'perm', 'perm+taps', 'perm+lock', 'shuffle']) {
  const s = read(f);
  if (!s) continue;
  const authorized = s.authorizedAccuracy ?? (f === 'lock' || f.startsWith('structural') ? prepared?.authorizedAccuracy : f === 'unprotected' ? prepared?.baselineAccuracy : undefined);
  const released = s.releasedAccuracy ?? (f === 'lock' || f.startsWith('structural') ? prepared?.unauthorizedAccuracy : undefined);
  out.push(`| ${f} | ${pct(authorized)} | ${pct(released)} | ${s.keyBits === undefined ? '—' : s.keyBits.toFixed(0)} | ${cell(s, 0)} | ${cell(s, 1)} | ${cell(s, 2)} | ${s.seconds.toFixed(0)} |`);
}
out.push('', 'Bold: the attack beats training from scratch by more than one point.');

for (const f of ['scratch', 'scaled-scratch', 'unprotected', 'lock', 'structural', 'structural-reinit', 'perm', 'perm+taps', 'perm+lock', 'shuffle']) {
  const s = read(f);
  if (!s) continue;
  const fractions = [...new Set(s.runs.map((r) => r.fraction))];
  const variants = [...new Set(s.runs.map((r) => r.variant))];
  out.push('', `#### ${f}: every recipe (test accuracy %)`, '', `| recipe | ${fractions.map((x) => `${x * 100}% (${s.runs.find((r) => r.fraction === x)!.samples})`).join(' | ')} |`, '|---|' + '---|'.repeat(fractions.length));
  for (const v of variants) {
    out.push(`| ${v} | ${fractions.map((x) => { const r = s.runs.find((y) => y.fraction === x && y.variant === v); return r ? `${pct(r.testAccuracy)}${r.diverged ? ' (diverged)' : ''}` : '—'; }).join(' | ')} |`);
  }
  if (s.changedByUnlock) {
    out.push('', 'Parameters that unlocking changes (released vs unlocked model):', '', '| layer | kernel changed | bias changed |', '|---|---|---|');
    for (const c of s.changedByUnlock) out.push(`| ${c.layer} | ${c.kernelChanged} / ${c.kernelSize} | ${c.biasChanged} / ${c.biasSize} |`);
  }
  if (s.secretRestores) out.push('', `Secret restores the authorized model: max |logit gap| ${s.secretRestores.maxAbs.toExponential(2)} (relative ${s.secretRestores.relative.toExponential(2)}), same prediction on ${pct(s.secretRestores.agree)}% of the test set.`);
}
console.log(out.join('\n'));
