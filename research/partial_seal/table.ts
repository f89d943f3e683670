/**
 * `tsx research/partial_seal/table.ts [FILE]` — the markdown table of research/partial_seal/run.ts's JSON lines
 * (default results/draws.jsonl): per sealed set and budget, attacked / all-sealed control / scratch per draw.
 */
import { readFileSync } from 'node:fs';

interface Row { budget: string; samples: number; attacked: number; attackedBest: string; control: number; controlBest: string; scratch: number; holds: boolean }
interface Line { draw: number; attackSeed?: number; set: string; share: number; authorized: number; released: number; rows: Row[] }

const file = process.argv[2] ?? new URL('results/draws.jsonl', import.meta.url).pathname;
const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
const pct = (x: number) => (100 * x).toFixed(1);
const sets = [...new Set(lines.map((l) => l.set))];
const draws = [...new Set(lines.map((l) => `${l.draw}`))];
console.log('| sealed | share of bytes | budget | ' + draws.map((d) => `draw ${d}: attacked / control / scratch`).join(' | ') + ' | ≤ control + 1 | ≤ scratch + 1 |');
console.log('|---|---|---|' + draws.map(() => '---|').join('') + '---|---|');
for (const set of sets) {
  const of = lines.filter((l) => l.set === set);
  for (const budget of of[0]!.rows.map((r) => r.budget)) {
    const rows = draws.map((d) => of.find((l) => `${l.draw}` === d)?.rows.find((r) => r.budget === budget));
    const cells = rows.map((r) => (r ? `${pct(r.attacked)} / ${pct(r.control)} / ${pct(r.scratch)}` : '—'));
    const present = rows.filter((r): r is Row => r !== undefined);
    const vsControl = present.filter((r) => r.attacked <= r.control + 0.01).length;
    const vsScratch = present.filter((r) => r.attacked <= r.scratch + 0.01).length;
    console.log(`| ${set} | ${(100 * of[0]!.share).toFixed(1)}% | ${budget} (${present[0]?.samples}) | ${cells.join(' | ')} | ${vsControl}/${present.length} | ${vsScratch}/${present.length} |`);
  }
}
console.log('');
console.log('| draw | thief seed | authorized | released (no password) |');
console.log('|---|---|---|---|');
for (const d of draws) {
  const l = lines.find((x) => `${x.draw}` === d)!;
  console.log(`| ${d} | ${l.attackSeed ?? 0} | ${pct(l.authorized)} | ${pct(l.released)} |`);
}
