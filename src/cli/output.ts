/**
 * Everything the CLI prints goes through here: results to stdout, progress and errors to stderr.
 */
import { writeFileAtomic } from '../util/node_fs.js';

export interface OutputOptions {
  quiet?: boolean;
  /** `true`: JSON to stdout instead of tables; a string: also write the JSON to that file. */
  json?: boolean | string;
}

export class Output {
  constructor(readonly options: OutputOptions = {}) {}

  /** Human-readable result text (suppressed when JSON goes to stdout). */
  info(text: string): void {
    if (this.options.json === true) return;
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Side remarks (progress, notes) on stderr, silenced by --quiet. */
  note(text: string): void {
    if (this.options.quiet) return;
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Emits the machine-readable result: to stdout with `--json`, to a file with `--json FILE`. */
  async result(value: unknown): Promise<void> {
    const text = `${JSON.stringify(value, null, 2)}\n`;
    if (this.options.json === true) process.stdout.write(text);
    else if (typeof this.options.json === 'string') {
      await writeFileAtomic(this.options.json, text);
      this.note(`wrote ${this.options.json}`);
    }
  }

  get isTTY(): boolean {
    return Boolean(process.stderr.isTTY) && !this.options.quiet;
  }
}

/** Formats rows as an aligned table; numbers are right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] === 'number'));
  const line = (r: (string | number)[]) =>
    r.map((c, i) => (numeric[i] ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return n.toFixed(Math.abs(n) >= 100 ? 1 : 4);
}

/** 0.9731 -> "97.31%". */
export function percent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(2)}%` : 'n/a';
}
