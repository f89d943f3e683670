/** `tsx research/lock_draws/table.ts FILE.jsonl...`: one Markdown row per draw of research/lock_draws/draws.ts. */
import { readFileSync } from 'node:fs';

const pct = (x: number | undefined) => (x === undefined ? '—' : (100 * x).toFixed(1));
console.log('| file | draw | authorized | released | prune 10-70% max | greedy zeroing | fine-tune 1 / 5 / 10% | dead w/o password fc1 / fc2 | released vs authorized distance fc1 / fc2 | mean rank share pool1 / pool2 / fc1 / fc2 | mean abs c fc1 / fc2 | lock s |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const file of process.argv.slice(2)) {
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    const lock = (layer: string) => r.lock.find((l: { layer: string }) => l.layer === layer);
    const key = (layer: string) => r.keys.find((k: { layer: string }) => k.layer === layer);
    const meanAbs = (xs: number[]) => (xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length).toFixed(2);
    const ft = r.finetune ? `${pct(r.finetune['0.01'])} / ${pct(r.finetune['0.05'])} / ${pct(r.finetune['0.1'])}` : '—';
    console.log(
      `| ${file.split('/').pop()} | ${r.draw} | ${pct(r.authorized)} | ${pct(r.released)} | ${pct(r.pruneMax)} | ${pct(r.zeroing ?? r.greedy)}${r.zeroing === undefined && r.greedy !== undefined ? ' (full greedy)' : ''} | ${ft} | ` +
        `${pct(lock('fc1').deadReleased)} / ${pct(lock('fc2').deadReleased)} | ${lock('fc1').relativeDistance} / ${lock('fc2').relativeDistance} | ` +
        `${['pool1', 'pool2', 'fc1', 'fc2'].map((l) => key(l).meanRankShare).join(' / ')} | ${meanAbs(key('fc1').c)} / ${meanAbs(key('fc2').c)} | ${r.seconds.lockTraining.toFixed(0)} |`,
    );
  }
}

// With --summary: median / min / max of each figure over every draw of the files given, and draws above 20%.
if (process.env.SUMMARY) {
  const rows = process.argv.slice(2).flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  const figures: [string, (r: any) => number | undefined, boolean][] = [
    ['authorized', (r) => r.authorized, false],
    ['released (no password)', (r) => r.released, true],
    ['pruning 10–70%, max', (r) => r.pruneMax, true],
    ['greedy zeroing (500 labels)', (r) => r.zeroing, true],
    ['plain fine-tune, 1%', (r) => r.finetune?.['0.01'], true],
    ['plain fine-tune, 5%', (r) => r.finetune?.['0.05'], true],
    ['plain fine-tune, 10%', (r) => r.finetune?.['0.1'], true],
    ['fc2 units dead without the password', (r) => r.lock.find((l: any) => l.layer === 'fc2').deadReleased, false],
  ];
  console.log('');
  for (const [name, get, bar] of figures) {
    const xs = rows.map(get).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    if (xs.length === 0) continue;
    const m = Math.floor(xs.length / 2);
    const med = xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
    console.log(`| ${name} | ${pct(med)} | ${pct(xs[0])} | ${pct(xs.at(-1))} | ${bar ? `${xs.filter((x) => x > 0.2).length} of ${xs.length}` : ''} |`);
  }
}
