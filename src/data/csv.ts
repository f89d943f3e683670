/**
 * Tabular data from CSV text: a header row, numeric feature columns and one label column. Isomorphic (no I/O):
 * `files.ts` reads the file in Node; in a browser, pass the text of a fetched or uploaded file.
 */
import { DataFormatError, InvalidArgumentError } from '../util/errors.js';
import type { Dataset } from './types.js';

/** Options of {@link parseCsv}. */
export interface CsvOptions {
  /** Name of the label column (as written in the header row). */
  label: string;
  /** Where the text came from (a file name), for error messages. */
  source: string;
  /** Field separator, one character; default `,`. */
  delimiter?: string;
  /** Name of the dataset; default the last path segment of `source`. */
  name?: string;
}

// --- internals ---

interface CsvRecord {
  /** 1-based line on which each field starts. */
  lines: number[];
  fields: string[];
}

const QUOTE = 34; // "
const CR = 13;
const LF = 10;

function isBlank(code: number, delimiter: number): boolean {
  return (code === 32 || code === 9) && code !== delimiter;
}

/** Splits CSV text into records (RFC 4180 quoting, `""` escapes, CRLF or LF), tracking line numbers. */
function readRecords(text: string, delimiterChar: string, source: string): CsvRecord[] {
  const delimiter = delimiterChar.charCodeAt(0);
  const n = text.length;
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  while (i < n) {
    const record: CsvRecord = { lines: [], fields: [] };
    let quoted = false;
    for (;;) {
      const fieldLine = line;
      let j = i;
      while (j < n && isBlank(text.charCodeAt(j), delimiter)) j++;
      let value: string;
      if (j < n && text.charCodeAt(j) === QUOTE) {
        quoted = true;
        let k = j + 1;
        let buf = '';
        for (;;) {
          const close = text.indexOf('"', k);
          if (close < 0) throw new DataFormatError(`${source} line ${fieldLine}: a quoted field is never closed`);
          const chunk = text.slice(k, close);
          for (let c = chunk.indexOf('\n'); c >= 0; c = chunk.indexOf('\n', c + 1)) line++;
          buf += chunk;
          if (text.charCodeAt(close + 1) === QUOTE) {
            buf += '"';
            k = close + 2;
          } else {
            k = close + 1;
            break;
          }
        }
        while (k < n && isBlank(text.charCodeAt(k), delimiter)) k++;
        const next = k < n ? text.charCodeAt(k) : -1;
        if (next !== -1 && next !== delimiter && next !== CR && next !== LF) {
          throw new DataFormatError(`${source} line ${line}: unexpected ${JSON.stringify(text[k])} after a closing quote`);
        }
        value = buf;
        i = k;
      } else {
        let k = i;
        for (; k < n; k++) {
          const c = text.charCodeAt(k);
          if (c === delimiter || c === CR || c === LF) break;
        }
        value = text.slice(i, k).trim();
        i = k;
      }
      record.fields.push(value);
      record.lines.push(fieldLine);
      const c = i < n ? text.charCodeAt(i) : -1;
      if (c === delimiter) {
        i++;
        continue;
      }
      if (c === CR) i++;
      if (i < n && text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    const blank = record.fields.length === 1 && record.fields[0] === '' && !quoted;
    if (!blank) records.push(record);
  }
  return records;
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** Largest integer label taken as a class index; a larger one is more likely a regression target. */
const MAX_INTEGER_LABEL = 65535;

/** Label strings to class indices: non-negative integers as they are, anything else in sorted order. */
function encodeLabels(
  labels: string[],
  where: (r: number) => string,
): { y: Int32Array; numClasses: number; classNames?: string[] } {
  const y = new Int32Array(labels.length);
  if (labels.every((s) => /^\+?\d+$/.test(s))) {
    let max = 0;
    for (let i = 0; i < labels.length; i++) {
      const v = Number(labels[i]);
      if (v > MAX_INTEGER_LABEL) {
        throw new DataFormatError(`${where(i)}: integer label ${labels[i]} is too large for a class index (at most ${MAX_INTEGER_LABEL}); is this a classification column?`);
      }
      y[i] = v;
      if (v > max) max = v;
    }
    return { y, numClasses: max + 1 };
  }
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((s) => Number.isFinite(Number(s)));
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(distinct.map((s, k) => [s, k]));
  labels.forEach((s, i) => {
    y[i] = index.get(s)!;
  });
  return { y, numClasses: distinct.length, classNames: distinct };
}

// --- public ---

/**
 * Parses CSV text into a {@link Dataset} with `sampleShape` `[F]`: every column but the label is a numeric feature
 * (kept as written, not rescaled). A header row is required; fields may be quoted (`"a, b"`, `""` for a quote);
 * blank lines are skipped. Labels that are all non-negative integers are the class indices; otherwise the distinct
 * label strings, sorted (numerically if they are all numbers), become classes 0, 1, ... and `classNames`.
 *
 * Throws a `DataFormatError` naming `source`, the 1-based line and the column for an empty file, a missing label
 * column, a row with the wrong number of fields, a non-numeric feature or an empty label.
 *
 * @example
 * const iris = parseCsv(text, { label: 'species', source: 'iris.csv' }); // classNames ['setosa', ...]
 */
export function parseCsv(text: string, options: CsvOptions): Dataset {
  const { label, source } = options;
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new InvalidArgumentError(`parseCsv: delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records = readRecords(body, delimiter, source);
  const header = records[0];
  if (header === undefined) throw new DataFormatError(`${source}: the file is empty (a header row is required)`);
  const columns = header.fields;
  const seen = new Set<string>();
  columns.forEach((column, j) => {
    if (column === '') throw new DataFormatError(`${source} line ${header.lines[j]}, column ${j + 1}: the header names no column here`);
    if (seen.has(column)) throw new DataFormatError(`${source} line ${header.lines[j]}, column ${j + 1}: column "${column}" appears twice in the header`);
    seen.add(column);
  });
  const labelColumn = columns.indexOf(label);
  if (labelColumn < 0) {
    throw new DataFormatError(`${source} line ${header.lines[0]}: no label column "${label}"; the columns are ${columns.map((c) => `"${c}"`).join(', ')}`);
  }
  const features = columns.length - 1;
  if (features === 0) throw new DataFormatError(`${source} line ${header.lines[0]}: no feature columns besides the label "${label}"`);
  const rows = records.length - 1;
  if (rows === 0) throw new DataFormatError(`${source}: the file has a header but no data rows`);

  const x = new Float32Array(rows * features);
  const labels: string[] = [];
  for (let r = 0; r < rows; r++) {
    const record = records[r + 1]!;
    if (record.fields.length !== columns.length) {
      throw new DataFormatError(`${source} line ${record.lines[0]}: ${record.fields.length} fields, but the header has ${columns.length}`);
    }
    let f = r * features;
    for (let j = 0; j < columns.length; j++) {
      const cell = record.fields[j]!;
      const where = `${source} line ${record.lines[j]}, column ${j + 1} "${columns[j]}"`;
      if (j === labelColumn) {
        if (cell === '') throw new DataFormatError(`${where}: the label is empty`);
        labels.push(cell);
        continue;
      }
      const v = cell.trim() === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        throw new DataFormatError(`${where}: ${cell === '' ? 'empty cell' : JSON.stringify(cell)} is not a finite number`);
      }
      if (!Number.isFinite(Math.fround(v))) throw new DataFormatError(`${where}: ${JSON.stringify(cell)} is beyond the float32 range (±3.4e38)`);
      x[f++] = v;
    }
  }
  const labelWhere = (r: number): string =>
    `${source} line ${records[r + 1]!.lines[labelColumn]}, column ${labelColumn + 1} "${label}"`;
  const encoded = encodeLabels(labels, labelWhere);
  const ds: Dataset = {
    name: options.name ?? baseName(source),
    x,
    y: encoded.y,
    sampleShape: [features],
    numClasses: encoded.numClasses,
    featureNames: columns.filter((_, j) => j !== labelColumn),
  };
  if (encoded.classNames !== undefined) ds.classNames = encoded.classNames;
  return ds;
}

/** Rows of numeric features read by {@link parseCsvFeatures}, with the raw label strings when a label column was named. */
export interface CsvFeatures {
  /** `rows * featureNames.length` values, row-major, as written. */
  x: Float32Array;
  rows: number;
  featureNames: string[];
  /** The label column's cells as written, when `label` was given. */
  labels?: string[];
  /** 1-based line of each row, for messages. */
  lines: number[];
}

/**
 * Parses CSV text of numeric feature rows to run a model on (no labels needed, unlike {@link parseCsv}): a header row,
 * then rows of finite numbers. A column named `label` is set aside as the expected answer. Errors are
 * `DataFormatError`s naming `source`, the line and the column, as for {@link parseCsv}.
 */
export function parseCsvFeatures(text: string, options: { source: string; label?: string; delimiter?: string }): CsvFeatures {
  const { source, label } = options;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records = readRecords(body, options.delimiter ?? ',', source);
  const header = records[0];
  if (header === undefined) throw new DataFormatError(`${source}: the file is empty (a header row is required)`);
  const columns = header.fields;
  const labelColumn = label === undefined ? -1 : columns.indexOf(label);
  if (label !== undefined && labelColumn < 0) {
    throw new DataFormatError(`${source} line ${header.lines[0]}: no label column "${label}"; the columns are ${columns.map((c) => `"${c}"`).join(', ')}`);
  }
  const features = columns.length - (labelColumn >= 0 ? 1 : 0);
  const rows = records.length - 1;
  if (rows === 0) throw new DataFormatError(`${source}: the file has a header but no data rows`);
  const x = new Float32Array(rows * features);
  const labels: string[] = [];
  const lines: number[] = [];
  for (let r = 0; r < rows; r++) {
    const record = records[r + 1]!;
    lines.push(record.lines[0]!);
    if (record.fields.length !== columns.length) {
      throw new DataFormatError(`${source} line ${record.lines[0]}: ${record.fields.length} fields, but the header has ${columns.length}`);
    }
    let f = r * features;
    for (let j = 0; j < columns.length; j++) {
      const cell = record.fields[j]!;
      if (j === labelColumn) {
        labels.push(cell);
        continue;
      }
      const v = cell.trim() === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        throw new DataFormatError(`${source} line ${record.lines[j]}, column ${j + 1} "${columns[j]}": ${cell === '' ? 'empty cell' : JSON.stringify(cell)} is not a finite number`);
      }
      if (!Number.isFinite(Math.fround(v))) {
        throw new DataFormatError(`${source} line ${record.lines[j]}, column ${j + 1} "${columns[j]}": ${JSON.stringify(cell)} is beyond the float32 range (±3.4e38)`);
      }
      x[f++] = v;
    }
  }
  const out: CsvFeatures = { x, rows, featureNames: columns.filter((_, j) => j !== labelColumn), lines };
  if (labelColumn >= 0) out.labels = labels;
  return out;
}
