/**
 * `tsx research/partial_seal/table.ts [FILE.jsonl ...]` — the markdown tables of the partial-seal study from run.ts's
 * lines (default: results/{mnist,fashion,digits}.jsonl beside this script): a summary (per dataset and sealed set, how
 * many budget × draw cells hold) and, per dataset, every cell.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Row {
  budget: string;
  samples: number;
  attacked: number;
  attackedBest: string;
  attackedUsesClear: boolean;
  clearCeiling: number | null;
  control: number;
  controlCeiling: number;
  scratch: number;
  holds: boolean;
  withinScratch: boolean;
}
interface Line {
  dataset: string;
  draw: number;
  set: string;
  locked: boolean;
  share: number;
  baseline: number;
  authorized: number;
  released: number;
  rows: Row[];
}

const here = dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['mnist', 'fashion', 'digits'].map((d) => join(here, 'results', `${d}.jsonl`)).filter(existsSync);
const lines: Line[] = files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line));
const pct = (x: number) => (100 * x).toFixed(1);
const label = (l: Line) => `${l.set}${l.locked ? '' : ' (no lock)'}`;
const groups = new Map<string, Line[]>();
for (const l of lines) {
  const key = `${l.dataset}\u0000${label(l)}`;
  groups.set(key, [...(groups.get(key) ?? []), l]);
}

console.log('| dataset | sealed | share of bytes | authorized | draws | cells held (budget x draw) | budgets that failed somewhere | within scratch + 1 |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [key, ls] of groups) {
  const [dataset, set] = key.split('\u0000');
  const cells = ls.flatMap((l) => l.rows);
  const failed = [...new Set(ls.flatMap((l) => l.rows.filter((r) => !r.holds).map((r) => r.budget)))];
  const auth = ls.map((l) => l.authorized);
  console.log(
    `| ${dataset} | ${set} | ${pct(ls[0]!.share)}% | ${pct(Math.min(...auth))}–${pct(Math.max(...auth))} | ${ls.length} | ${cells.filter((r) => r.holds).length}/${cells.length} | ${failed.join(', ') || '—'} | ${cells.filter((r) => r.withinScratch).length}/${cells.length} |`,
  );
}

for (const dataset of [...new Set(lines.map((l) => l.dataset))]) {
  const ls = lines.filter((l) => l.dataset === dataset);
  const draws = [...new Set(ls.map((l) => l.draw))].sort((a, b) => a - b);
  console.log(`\n### ${dataset}\n`);
  console.log('chosen (best with a clear weight) / control chosen (control best) / scratch, test accuracy %; `*` the chosen run keeps no clear weight; **bold** a cell that does not hold.\n');
  console.log(`| sealed | share | budget | ${draws.map((d) => `draw ${d}`).join(' | ')} | held |`);
  console.log(`|---|---|---|${draws.map(() => '---').join('|')}|---|`);
  for (const [key, group] of groups) {
    if (!key.startsWith(`${dataset}\u0000`)) continue;
    const budgets = group[0]!.rows.map((r) => r.budget);
    for (const budget of budgets) {
      const cells = draws.map((d) => {
        const r = group.find((l) => l.draw === d)?.rows.find((x) => x.budget === budget);
        if (r === undefined) return '';
        const text = `${pct(r.attacked)}${r.attackedUsesClear ? '' : '*'} (${r.clearCeiling === null ? '—' : pct(r.clearCeiling)}) / ${pct(r.control)} (${pct(r.controlCeiling)}) / ${pct(r.scratch)}`;
        return r.holds ? text : `**${text}**`;
      });
      const rows = group.flatMap((l) => l.rows.filter((x) => x.budget === budget));
      const samples = rows[0]!.samples;
      console.log(`| ${label(group[0]!)} | ${pct(group[0]!.share)}% | ${budget}${budget.endsWith('%') ? ` (${samples})` : ''} | ${cells.join(' | ')} | ${rows.filter((r) => r.holds).length}/${rows.length} |`);
    }
  }
  console.log(`\n| draw | authorized | released (no password) |\n|---|---|---|`);
  for (const d of draws) {
    const l = ls.find((x) => x.draw === d && x.locked);
    if (l) console.log(`| ${d} | ${pct(l.authorized)} | ${pct(l.released)} |`);
  }
}
