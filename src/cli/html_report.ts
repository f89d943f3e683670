/**
 * Self-contained HTML reports of `edgepro eval` and `edgepro attack` (`--html FILE`): result objects in, one HTML
 * string out. Inline CSS and inline SVG charts only: no script, no font, no URL of any kind, so the file opens the
 * same anywhere, offline. Every chart has a table under it with the same numbers (and the verdict in words), so
 * nothing is said by colour alone. Pure: the caller writes the file.
 */
import type { ProtectionReport } from '../eval/report.js';
import type { FineTuneResult } from '../attacks/finetune.js';
import type { PruneAttackResult } from '../attacks/prune.js';
import type { SubstituteResult } from '../attacks/substitute.js';
import type { ReverseResult } from '../attacks/reverse.js';
import type { TransferResult } from '../attacks/transfer.js';
import { describeLevel } from './level.js';

/** What `edgepro eval` writes as its JSON result. */
export type EvalReportInput = ProtectionReport & { modelDir: string; seal: { bytes: number; ofBytes: number } };

export type AttackResult = FineTuneResult | PruneAttackResult | ReverseResult | TransferResult | SubstituteResult;

/** The context `edgepro attack` adds to its result. */
export interface AttackContext {
  dataset: string;
  model: string;
  /** Sealed weights and their share of the weights' bytes. */
  sealed: { weights: number; share: number };
  unauthorizedAccuracy: number;
  seconds: number;
}

/** What `edgepro attack` writes as its JSON result: one attack with the context, or `all` of them. */
export type AttackReportInput = (AttackResult & AttackContext) | ({ attack: 'all'; holds: boolean; attacks: AttackResult[] } & AttackContext);

// ---------------------------------------------------------------------------------------------------------------
// Formatting

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const pct = (fraction: number | undefined): string => (fraction !== undefined && Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : 'n/a');

const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, ''));

let idCounter = 0;
const nextId = (prefix: string): string => `${prefix}-${++idCounter}`;

const verdict = (holds: boolean): string => (holds ? '<span class="holds">holds</span>' : '<span class="broken">BROKEN</span>');

const COLORS = {
  attack: '#b2182b',
  control: '#6b6b6b',
  unprotected: '#2166ac',
  good: '#1b7837',
  neutral: '#8c6d1f',
};

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; background: #fff; }
main { max-width: 960px; margin: 0 auto; }
h1 { font-size: 1.6em; margin: 0 0 .3em; }
h2 { font-size: 1.25em; margin: 1.8em 0 .4em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
p, dl { margin: .4em 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
figure { margin: 1em 0; }
figcaption { font-weight: 600; margin-bottom: .3em; }
svg { display: block; width: 100%; height: auto; max-width: 960px; background: #fcfcfc; border: 1px solid #e5e5e5; }
svg text { font: 13px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1a1a1a; }
svg .axis { stroke: #444; stroke-width: 1; }
svg .grid { stroke: #e2e2e2; stroke-width: 1; }
svg text.v { paint-order: stroke; stroke: #fcfcfc; stroke-width: 3px; }
table { border-collapse: collapse; width: 100%; margin: .6em 0 1em; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d0d0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.n { text-align: right; white-space: nowrap; }
.holds { color: #1b7837; font-weight: 700; }
.broken { color: #b2182b; font-weight: 700; }
.verdict { font-size: 1.1em; padding: .5em .8em; border: 2px solid currentColor; display: inline-block; margin: .4em 0; }
.note { color: #444; }
`;

function page(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network at all, whatever the page contains: a report is read offline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function facts(rows: [string, string][]): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

/** A table of already-escaped cells; columns flagged in `numeric` are right-aligned. */
function htmlTable(caption: string, head: string[], rows: string[][], numeric: number[] = []): string {
  const cell = (tag: 'td' | 'th', i: number, content: string) => `<${tag}${tag === 'td' && numeric.includes(i) ? ' class="n"' : ''}>${content}</${tag}>`;
  return [
    '<table>',
    `<caption class="note" style="caption-side: top; text-align: left">${escapeHtml(caption)}</caption>`,
    `<thead><tr>${head.map((h, i) => cell('th', i, escapeHtml(h))).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell('td', i, c)).join('')}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Charts (accuracies in [0, 1] on a 0-100% axis)

const WIDTH = 900;

function svgOpen(id: string, height: number, title: string, desc: string): string {
  return `<svg viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${id}-t ${id}-d"><title id="${id}-t">${escapeHtml(title)}</title><desc id="${id}-d">${escapeHtml(desc)}</desc>`;
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

/** Horizontal bars, one per labelled value, the value written at the bar's end. */
function horizontalBars(title: string, bars: { label: string; value: number; color: string }[]): string {
  const id = nextId('bars');
  const left = 250;
  const right = 80;
  const top = 30;
  const rowH = 34;
  const plotW = WIDTH - left - right;
  const height = top + bars.length * rowH + 40;
  const x = (v: number) => left + clamp01(v) * plotW;
  const parts: string[] = [svgOpen(id, height, title, bars.map((b) => `${b.label}: ${pct(b.value)}`).join('; '))];
  for (let t = 0; t <= 100; t += 20) {
    const gx = x(t / 100);
    parts.push(`<line class="grid" x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + bars.length * rowH}"/>`);
    parts.push(`<text x="${gx}" y="${top + bars.length * rowH + 18}" text-anchor="middle">${t}%</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, x(b.value) - left);
    parts.push(`<text x="${left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${escapeHtml(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 5}" width="${w.toFixed(1)}" height="${rowH - 10}" fill="${b.color}"><title>${escapeHtml(`${b.label}: ${pct(b.value)}`)}</title></rect>`);
    parts.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + rowH / 2 + 4}">${pct(b.value)}</text>`);
  });
  parts.push(`<line class="axis" x1="${left}" y1="${top - 6}" x2="${left}" y2="${top + bars.length * rowH}"/>`);
  parts.push(`<text x="${left + plotW / 2}" y="${height - 4}" text-anchor="middle">test accuracy</text>`);
  parts.push('</svg>');
  return parts.join('');
}

interface Series {
  name: string;
  color: string;
  dashed?: boolean;
}

function legend(series: Series[], y: number): string {
  let x = 70;
  return series
    .map((s) => {
      const item = `<rect x="${x}" y="${y - 10}" width="14" height="14" fill="${s.color}"${s.dashed ? ' fill-opacity="0.45"' : ''}/><text x="${x + 20}" y="${y + 2}">${escapeHtml(s.name)}</text>`;
      x += 34 + s.name.length * 7.2;
      return item;
    })
    .join('');
}

/** A vertical 0-100% axis with grid lines across [left, left + plotW]. */
function yAxis(left: number, top: number, plotW: number, plotH: number, label: string): string {
  const parts: string[] = [];
  for (let t = 0; t <= 100; t += 20) {
    const gy = top + plotH - (t / 100) * plotH;
    parts.push(`<line class="grid" x1="${left}" y1="${gy}" x2="${left + plotW}" y2="${gy}"/>`);
    parts.push(`<text x="${left - 8}" y="${gy + 4}" text-anchor="end">${t}%</text>`);
  }
  parts.push(`<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}"/>`);
  parts.push(`<line class="axis" x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}"/>`);
  parts.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(label)}</text>`);
  return parts.join('');
}

/** The plot area every accuracy chart shares: margins, height, and the 0..100% y scale. */
function plotFrame(right: number) {
  const left = 70;
  const top = 44;
  const plotH = 260;
  return { left, top, plotH, plotW: WIDTH - left - right, height: top + plotH + 64, y: (v: number) => top + plotH - clamp01(v) * plotH };
}

/**
 * Grouped vertical bars: one group per setting (e.g. a label budget), one bar per series (the attack beside its
 * yardsticks), each bar's value above it. `lines` draws dashed horizontal references (a threshold) across the plot.
 */
function groupedBars(
  title: string,
  xLabel: string,
  series: Series[],
  groups: { label: string; values: (number | undefined)[] }[],
  lines: { label: string; value: number; color: string }[] = [],
): string {
  const id = nextId('groups');
  const { left, top, plotH, plotW, height, y } = plotFrame(20);
  const groupW = plotW / Math.max(1, groups.length);
  const barW = Math.min(70, (groupW * 0.8) / series.length);
  const desc = groups.map((g) => `${g.label}: ${series.map((s, i) => `${s.name} ${pct(g.values[i])}`).join(', ')}`).join('; ');
  const parts: string[] = [svgOpen(id, height, title, desc), legend(series, 22), yAxis(left, top, plotW, plotH, 'test accuracy')];
  groups.forEach((g, gi) => {
    const groupX = left + gi * groupW + (groupW - barW * series.length) / 2;
    g.values.forEach((v, si) => {
      if (v === undefined) return;
      const s = series[si]!;
      const bx = groupX + si * barW;
      const by = y(v);
      const h = Math.max(1, top + plotH - by);
      parts.push(`<rect x="${bx.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"${s.dashed ? ' fill-opacity="0.45" stroke="' + s.color + '" stroke-dasharray="4 3"' : ''}><title>${escapeHtml(`${g.label}, ${s.name}: ${pct(v)}`)}</title></rect>`);
      parts.push(`<text class="v" x="${(bx + (barW - 4) / 2).toFixed(1)}" y="${(top + plotH - h - 5).toFixed(1)}" text-anchor="middle">${pct(v)}</text>`);
    });
    parts.push(`<text x="${(left + gi * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 20}" text-anchor="middle">${escapeHtml(g.label)}</text>`);
  });
  // Reference lines' labels alternate between the right and the left end, so that two close lines stay readable.
  lines.forEach((line, i) => {
    const ly = y(line.value);
    const atRight = i % 2 === 0;
    parts.push(`<path d="M${left} ${ly.toFixed(1)}H${left + plotW}" stroke="${line.color}" stroke-width="2" stroke-dasharray="6 4" fill="none"><title>${escapeHtml(`${line.label}: ${pct(line.value)}`)}</title></path>`);
    parts.push(`<text x="${atRight ? left + plotW - 4 : left + 4}" y="${(ly + (atRight ? -5 : 14)).toFixed(1)}" text-anchor="${atRight ? 'end' : 'start'}" style="fill:${line.color}; paint-order: stroke; stroke: #fcfcfc; stroke-width: 3px">${escapeHtml(`${line.label} ${pct(line.value)}`)}</text>`);
  });
  parts.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Accuracy against a numeric x (the label budget, the pruned share): one polyline with point markers per series. */
function lineChart(title: string, xLabel: string, series: Series[], xs: number[], values: (number | undefined)[][], xFormat: (x: number) => string): string {
  const id = nextId('lines');
  const { left, top, plotH, plotW, height, y } = plotFrame(30);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const x = (v: number) => (hi === lo ? left + plotW / 2 : left + 20 + ((v - lo) / (hi - lo)) * (plotW - 40));
  const desc = series.map((s, si) => `${s.name}: ${xs.map((xv, i) => `${xFormat(xv)} ${pct(values[si]![i])}`).join(', ')}`).join('; ');
  const parts: string[] = [svgOpen(id, height, title, desc), legend(series, 22), yAxis(left, top, plotW, plotH, 'test accuracy')];
  xs.forEach((xv) => parts.push(`<text x="${x(xv).toFixed(1)}" y="${top + plotH + 20}" text-anchor="middle">${escapeHtml(xFormat(xv))}</text>`));
  series.forEach((s, si) => {
    const points = xs.map((xv, i) => [xv, values[si]![i]] as const).filter((p): p is readonly [number, number] => p[1] !== undefined);
    if (points.length === 0) return;
    const d = points.map(([xv, v], i) => `${i === 0 ? 'M' : 'L'}${x(xv).toFixed(1)} ${y(v).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" stroke="${s.color}" stroke-width="2.5" fill="none"${s.dashed ? ' stroke-dasharray="7 4"' : ''}/>`);
    for (const [xv, v] of points) {
      // The highest value at this x is labelled above its point, the others below, so that close points stay legible.
      const xi = xs.indexOf(xv);
      const highest = values.every((other) => (other[xi] ?? -Infinity) <= v);
      parts.push(`<rect x="${(x(xv) - 4).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" width="8" height="8" fill="${s.color}"><title>${escapeHtml(`${s.name}, ${xFormat(xv)}: ${pct(v)}`)}</title></rect>`);
      parts.push(`<text class="v" x="${(x(xv) + 8).toFixed(1)}" y="${(y(v) + (highest ? -6 : 17)).toFixed(1)}" style="fill:${s.color}">${pct(v)}</text>`);
    }
  });
  parts.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

const figure = (caption: string, svg: string, table: string): string => `<figure><figcaption>${escapeHtml(caption)}</figcaption>${svg}</figure>\n${table}`;

// ---------------------------------------------------------------------------------------------------------------
// eval

/** The protection report of `edgepro eval` as one self-contained HTML page. */
export function evalReportHtml(report: EvalReportInput): string {
  const bars: { label: string; value: number; color: string }[] = [];
  if (report.baselineAccuracy !== undefined) bars.push({ label: 'baseline (unprotected)', value: report.baselineAccuracy, color: COLORS.unprotected });
  bars.push({ label: 'authorized (password)', value: report.authorizedAccuracy, color: COLORS.good });
  bars.push({ label: 'unauthorized (no password)', value: report.unauthorizedAccuracy, color: COLORS.attack });
  if (report.trials > 0) {
    bars.push(
      { label: 'wrong password, mean', value: report.wrongPasswordAccuracy.mean, color: COLORS.control },
      { label: 'wrong password, max', value: report.wrongPasswordAccuracy.max, color: COLORS.control },
      { label: 'near miss, mean', value: report.nearMissAccuracy.mean, color: COLORS.neutral },
      { label: 'near miss, max', value: report.nearMissAccuracy.max, color: COLORS.neutral },
    );
  }
  const rows = bars.map((b) => [escapeHtml(b.label), pct(b.value)]);
  rows.splice(report.baselineAccuracy !== undefined ? 3 : 2, 0, ['&nbsp;&nbsp;most-predicted class share (no password)', pct(report.unauthorizedTopClassShare)]);
  const title = `EdgePro protection report: ${report.modelDir}`;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    facts([
      ['protection', `${describeLevel(report.seal.bytes, report.seal.ofBytes)}`],
      ['sealed bytes', `${report.seal.bytes} of ${report.seal.ofBytes}`],
      ['model', `${report.modelDir}: ${report.model}, password of ${report.password.neurons} neurons at ${report.password.lockPoints} lock points`],
      ['data', `${report.testSamples} test samples of ${report.dataset}`],
      ['trials', report.trials > 0 ? `${report.trials} wrong and ${report.trials} near-miss passwords, ${report.trialSamples} samples each` : 'none'],
    ]),
    '<h2>Accuracy by condition</h2>',
    figure(
      'Test accuracy with the password, without it, and with wrong and near-miss passwords',
      horizontalBars('Test accuracy by condition', bars),
      htmlTable('The same figures', ['condition', 'accuracy'], rows, [1]),
    ),
  ].join('\n');
  return page(title, body);
}

// ---------------------------------------------------------------------------------------------------------------
// attack

function describeSealed(sealed: AttackContext['sealed']): string {
  if (sealed.weights === 0) return 'lock alone (weights in the clear): the thief starts from all of them';
  const share = `${(sealed.share * 100).toFixed(1)}% of the weights' bytes`;
  return sealed.share >= 1
    ? `lock + seal all (${sealed.weights} weights, ${share} sealed): the thief holds the architecture only`
    : `lock + partial seal (${sealed.weights} weights, ${share} sealed): the thief holds the clear weights and starts the sealed ones afresh`;
}

function finetuneSection(r: FineTuneResult): string {
  const withUnprotected = r.results.some((row) => row.unprotectedFinetuneAccuracy !== undefined);
  const series: Series[] = [
    { name: 'attacked (stolen model, fine-tuned)', color: COLORS.attack },
    { name: 'from scratch (control)', color: COLORS.control, dashed: true },
    ...(withUnprotected ? [{ name: 'unprotected model, fine-tuned', color: COLORS.unprotected }] : []),
  ];
  const values = (row: FineTuneResult['results'][number]) => [row.attackedAccuracy, row.scratchAccuracy, ...(withUnprotected ? [row.unprotectedFinetuneAccuracy] : [])];
  const budget = (row: FineTuneResult['results'][number]) => `${row.samples} labels (${num(row.fraction * 100)}%)`;
  const chartTitle = 'Fine-tuning: accuracy against the thief\'s label budget';
  const chart =
    r.results.length >= 2
      ? lineChart(chartTitle, "thief's labelled samples", series, r.results.map((row) => row.samples), series.map((_, si) => r.results.map((row) => values(row)[si])), (s) => `${s} labels`)
      : groupedBars(chartTitle, "thief's labelled samples", series, r.results.map((row) => ({ label: budget(row), values: values(row) })));
  const rows = r.results.map((row) => [
    escapeHtml(budget(row)),
    `${pct(row.attackedAccuracy)} <span class="note">(${escapeHtml(row.bestRecipe)})</span>`,
    `${pct(row.scratchAccuracy)} <span class="note">(${escapeHtml(row.scratchBestRecipe)})</span>`,
    ...(withUnprotected ? [row.unprotectedFinetuneAccuracy !== undefined ? pct(row.unprotectedFinetuneAccuracy) : 'n/a'] : []),
    verdict(row.holds),
  ]);
  return [
    `<h2>Fine-tuning attack: ${verdict(r.holds)}</h2>`,
    `<p>The thief fine-tunes the stolen model on the labels it holds (${r.epochs} epoch${r.epochs === 1 ? '' : 's'} per recipe, the recipe chosen on its own held-out slice); it holds if that does no better than training the same architecture from scratch on the same labels (margin ${pct(r.margin)}). Without any attack: ${pct(r.unattackedAccuracy)}.</p>`,
    figure(chartTitle, chart, htmlTable('The same figures, with the verdict per budget', ['label budget', 'attacked', 'from scratch (control)', ...(withUnprotected ? ['unprotected, fine-tuned'] : []), 'verdict'], rows, [1, 2, ...(withUnprotected ? [3] : [])])),
  ].join('\n');
}

function pruneSection(r: PruneAttackResult): string {
  const series: Series[] = [
    { name: 'pruned', color: COLORS.neutral },
    { name: 'pruned, then fine-tuned', color: COLORS.attack },
    { name: 'fine-tuned without pruning (control)', color: COLORS.control, dashed: true },
  ];
  const values = (row: PruneAttackResult['results'][number]) => [row.accuracy, row.accuracyAfterFinetune, r.finetuneWithoutPruning];
  const chartTitle = 'Pruning: accuracy against the share of each lock layer pruned';
  const ratio = (x: number) => `${num(x * 100)}% pruned`;
  const chart =
    r.results.length >= 2
      ? lineChart(chartTitle, 'share of each lock layer pruned', series, r.results.map((row) => row.ratio), series.map((_, si) => r.results.map((row) => values(row)[si])), ratio)
      : groupedBars(chartTitle, 'share of each lock layer pruned', series, r.results.map((row) => ({ label: ratio(row.ratio), values: values(row) })));
  const rows = r.results.map((row) => [escapeHtml(ratio(row.ratio)), pct(row.accuracy), pct(row.accuracyAfterFinetune), pct(r.finetuneWithoutPruning), verdict(row.holds)]);
  return [
    `<h2>Pruning attack: ${verdict(r.holds)}</h2>`,
    `<p>The thief prunes the neurons of each lock layer with the largest outgoing weights, then fine-tunes ${r.finetuneEpochs} epoch${r.finetuneEpochs === 1 ? '' : 's'} on ${r.finetuneSamples} labels (${escapeHtml(r.recipe)}). It holds if both stay at or below ${pct(r.brokenAbove)} and pruning does not beat fine-tuning alone. Unpruned, without password: ${pct(r.unattackedAccuracy)}.</p>`,
    figure(chartTitle, chart, htmlTable('The same figures, with the verdict per ratio', ['pruned', 'accuracy', 'after fine-tuning', 'fine-tune alone (control)', 'verdict'], rows, [1, 2, 3])),
  ].join('\n');
}

function reverseSection(r: ReverseResult): string {
  const s = r.results;
  const stages: { label: string; attack: number; control: number | undefined; detail: string }[] = [
    { label: 'greedy', attack: r.greedy.accuracy, control: r.control.greedy, detail: `${r.greedy.queries} queries, ${r.greedy.neuronsFound}/${s.neuronsTotal} neurons found` },
    { label: 'whole-password search', attack: r.search.accuracy, control: r.control.search, detail: `${r.search.forwardPasses} forward passes, ${r.search.neuronsFound}/${s.neuronsTotal} neurons found` },
    ...(r.regression ? [{ label: 'lock regression', attack: r.regression.accuracy, control: r.control.regression, detail: `${r.regression.epochs} epochs from the search's find` }] : []),
  ];
  const series: Series[] = [
    { name: 'on the stolen model', color: COLORS.attack },
    { name: 'on a fresh model (control)', color: COLORS.control, dashed: true },
  ];
  const chartTitle = `Reverse engineering with ${s.attackerSamples} labels: each stage on the stolen model and on the control`;
  const chart = groupedBars(
    chartTitle,
    `attack stage (${s.attackerSamples} labelled samples)`,
    series,
    stages.map((st) => ({ label: st.label, values: [st.attack, st.control] })),
    [
      { label: 'from scratch on the same labels', value: r.scratch.accuracy, color: COLORS.unprotected },
      { label: 'holds at or below', value: r.holdsAtOrBelow, color: COLORS.good },
    ],
  );
  const rows = stages.map((st) => [escapeHtml(st.label), pct(st.attack), pct(st.control), pct(r.scratch.accuracy), escapeHtml(st.detail), verdict(st.attack <= r.holdsAtOrBelow)]);
  return [
    `<h2>Reverse-engineering attack: ${verdict(r.holds)}</h2>`,
    `<p>The thief searches for the password with ${s.attackerSamples} labelled samples. Each stage holds if it stays at or below ${pct(r.holdsAtOrBelow)}: the larger of ${pct(r.brokenAbove)}, the from-scratch model on the same labels (${pct(r.scratch.accuracy)}, ${escapeHtml(r.scratch.recipe)}) plus the margin, and the control plus the margin. Without password: ${pct(s.unauthorizedAccuracy)}.</p>`,
    figure(chartTitle, chart, htmlTable('The same figures, with the verdict per stage', ['stage', 'stolen model', 'control', 'from scratch', 'detail', 'verdict'], rows, [1, 2, 3])),
    `<p class="note">Key space (reported, not judged): ${s.keySpaceBits.toFixed(1)} bits; one lock point at a time ${s.onePointAtATimeBits.toFixed(1)}; effective ${s.effectiveBits.toFixed(1)}${r.holds ? '' : ' (an upper bound: a search found a working password)'}.</p>`,
  ].join('\n');
}

function transferSection(r: TransferResult): string {
  const bars = [
    { label: "B with A's password", value: r.results.accuracy, color: COLORS.attack },
    { label: 'B without password', value: r.results.unauthorizedAccuracy, color: COLORS.control },
    ...(r.results.ownPasswordAccuracy !== undefined ? [{ label: 'B with its own password', value: r.results.ownPasswordAccuracy, color: COLORS.good }] : []),
  ];
  const rows = bars.map((b) => [escapeHtml(b.label), pct(b.value)]);
  rows.push(['holds at or below', pct(r.brokenAbove)], ['verdict', verdict(r.holds)]);
  return [
    `<h2>Password transfer: ${verdict(r.holds)}</h2>`,
    `<p>Does model A's password unlock model B, lock-trained separately? It holds if B stays at or below ${pct(r.brokenAbove)} with it.</p>`,
    figure("Model B with A's password, beside B without one", horizontalBars('Password transfer', bars), htmlTable('The same figures', ['condition', 'accuracy'], rows, [1])),
  ].join('\n');
}

function substituteSection(r: SubstituteResult): string {
  const rows = r.results.map((row) => [
    escapeHtml('labels' in row.budget ? `${row.budget.labels} labels` : `${(row.budget.fraction * 100).toFixed(0)}% (${row.samples} labels)`),
    `${pct(row.attacked.accuracy)} (${escapeHtml(row.attacked.bestRecipe)}${row.attacked.usesClearWeights ? '' : ', no clear weight kept'})`,
    row.clearCeiling ? `${pct(row.clearCeiling.accuracy)} (${escapeHtml(row.clearCeiling.recipe)})` : 'none',
    `${pct(row.control.accuracy)} (${escapeHtml(row.control.bestRecipe)})`,
    `${pct(row.control.ceiling.accuracy)} (${escapeHtml(row.control.ceiling.recipe)})`,
    `${pct(row.scratchAccuracy)} (${escapeHtml(row.scratchBestRecipe)})`,
    verdict(row.holds),
  ]);
  return [
    `<h2>Substitute layers: ${verdict(r.holds)}</h2>`,
    `<p>The sealed layers filled by the thief (${escapeHtml(r.sealedRecipes.join(', '))}), then fine-tuned${r.search ? ', with the whole-password search on top of the substitutes' : ''}; against the same model with every weight sealed (the control). ` +
      `It holds where the run the thief chose is at most ${pct(r.margin)} above the control's (or keeps no clear weight), and the best run that keeps a clear weight is at most ${pct(r.margin)} above the control's best. Training from scratch is shown, not judged.</p>`,
    htmlTable('Per label budget', ['budget', 'attacked (chosen)', 'best with a clear weight', 'all sealed (control)', 'control best', 'from scratch', 'holds'], rows),
  ].join('\n');
}

function attackSection(r: AttackResult): string {
  switch (r.attack) {
    case 'finetune':
      return finetuneSection(r);
    case 'prune':
      return pruneSection(r);
    case 'reverse':
      return reverseSection(r);
    case 'transfer':
      return transferSection(r);
    case 'substitute':
      return substituteSection(r);
  }
}

/** The result of `edgepro attack` (one attack or `all`) as one self-contained HTML page. */
export function attackReportHtml(report: AttackReportInput): string {
  const attacks: AttackResult[] = report.attack === 'all' ? report.attacks : [report];
  const holds = attacks.every((a) => a.holds);
  const title = `EdgePro attack report: ${report.model} on ${report.dataset}`;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="verdict ${holds ? 'holds' : 'broken'}">${holds ? 'The protection holds against every attack run.' : 'The protection does NOT hold against every attack run.'}</p>`,
    facts([
      ['protection', describeSealed(report.sealed)],
      ['model', report.model],
      ['data', report.dataset],
      ['without password', pct(report.unauthorizedAccuracy)],
      ['attacks', `${attacks.map((a) => a.attack).join(', ')} (${report.seconds.toFixed(0)} s in all)`],
    ]),
    ...attacks.map(attackSection),
  ].join('\n');
  return page(title, body);
}
