/**
 * Node-only file adapters of the data layer (the one module of `data/` that imports `node:`, and pngjs, which uses
 * node:zlib): read IDX directories, CSV and PNG files from disk. Everything else in `data/` works on bytes, text and
 * pixels, in Node and the browser.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PNG } from 'pngjs';
import { DataFormatError } from '../util/errors.js';
import { parseCsv, parseCsvFeatures, type CsvFeatures, type CsvOptions } from './csv.js';
import { DataFileNotFoundError } from './errors.js';
import { idxDataset, isGzip, parseIdx, type IdxArray, type IdxDatasetOptions } from './idx.js';
import type { Dataset } from './types.js';
import type { RgbaImage } from './image.js';

// --- internals ---

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if (isMissing(error)) throw new DataFileNotFoundError(path, `${what} not found: ${path}`, { cause: error });
    throw error;
  }
}

const gunzipAsync = promisify(gunzip);

/** Reads and parses one IDX file, gunzipping with node:zlib (about twice as fast as DecompressionStream in Node). */
async function readIdx(path: string, what: string): Promise<IdxArray> {
  return parseIdxBytes(await readBytes(path, what), path);
}

async function parseIdxBytes(raw: Uint8Array, path: string): Promise<IdxArray> {
  let bytes = raw;
  if (isGzip(bytes)) {
    try {
      const out = await gunzipAsync(bytes);
      bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new DataFormatError(`${path}: corrupt or truncated gzip data (${detail})`, { cause: error });
    }
  }
  return parseIdx(bytes, path);
}

/** File names an IDX split may use: `train-images-idx3-ubyte`, the `.idx3-ubyte` variant, each raw or `.gz`. */
function candidates(prefix: string, kind: 'images' | 'labels'): string[] {
  const rank = kind === 'images' ? 3 : 1;
  const stems = [`${prefix}-${kind}-idx${rank}-ubyte`, `${prefix}-${kind}.idx${rank}-ubyte`];
  return stems.flatMap((stem) => [stem, `${stem}.gz`]);
}

// --- public ---

/** Options of {@link loadIdxDir}. */
export interface IdxDirOptions extends IdxDatasetOptions {
  /** Which half: `train` reads `train-*`, `test` reads `t10k-*`. */
  split: 'train' | 'test';
  /** Name of the dataset; default `<directory name>/<split>`, e.g. `fashion-mnist/train`. */
  name?: string;
}

/**
 * Reads one split of an MNIST-style directory: `train-images-idx3-ubyte` + `train-labels-idx1-ubyte` (or `t10k-*`
 * for `test`), each optionally gzipped (`.gz`); the uncompressed file wins when both exist. A missing directory or
 * file is a `DataFileNotFoundError` (code `ERR_FILE_NOT_FOUND`) naming the path and the file names looked for;
 * a malformed file is a `DataFormatError` naming the file.
 *
 * @example
 * const train = await loadIdxDir('/usr/share/datasets/fashion-mnist', { split: 'train' }); // 60,000 samples
 */
export async function loadIdxDir(dir: string, options: IdxDirOptions): Promise<Dataset> {
  const { split, name, ...datasetOptions } = options;
  const prefix = split === 'train' ? 'train' : 't10k';
  let entries: Set<string>;
  try {
    entries = new Set(await readdir(dir));
  } catch (error) {
    if (isMissing(error)) throw new DataFileNotFoundError(dir, `IDX directory not found: ${dir}`, { cause: error });
    throw error;
  }
  const find = (kind: 'images' | 'labels'): string => {
    const names = candidates(prefix, kind);
    const found = names.find((file) => entries.has(file));
    if (found === undefined) {
      throw new DataFileNotFoundError(dir, `${dir}: no ${split} ${kind} file; expected one of ${names.join(', ')}`);
    }
    return join(dir, found);
  };
  const imagesPath = find('images');
  const labelsPath = find('labels');
  return loadIdxFiles(imagesPath, labelsPath, { ...datasetOptions, name: name ?? `${basename(dir)}/${split}` });
}

/**
 * Reads a pair of IDX files (images, labels; raw or gzipped) into a {@link Dataset}; see {@link idxDataset}.
 * Missing file: `DataFileNotFoundError`; malformed file: `DataFormatError`.
 */
export async function loadIdxFiles(imagesPath: string, labelsPath: string, options: IdxDatasetOptions & { name?: string } = {}): Promise<Dataset> {
  const { name, ...datasetOptions } = options;
  const [images, labels] = await Promise.all([readIdx(imagesPath, 'IDX images file'), readIdx(labelsPath, 'IDX labels file')]);
  return idxDataset(images, labels, name ?? basename(imagesPath), datasetOptions);
}

/**
 * Reads a UTF-8 CSV file into a {@link Dataset}; see {@link parseCsv} (errors name this path, the line and column).
 * Missing file: `DataFileNotFoundError`.
 *
 * @example
 * const iris = await loadCsvFile('iris.csv', { label: 'species' });
 */
export async function loadCsvFile(path: string, options: Omit<CsvOptions, 'source'>): Promise<Dataset> {
  const bytes = await readBytes(path, 'CSV file');
  const text = new TextDecoder('utf-8').decode(bytes);
  return parseCsv(text, { ...options, source: path });
}

/**
 * Reads one IDX file (raw or gzipped); see {@link parseIdx}. Missing file: `DataFileNotFoundError`; malformed:
 * `DataFormatError`.
 */
export async function loadIdxFile(path: string): Promise<IdxArray> {
  return readIdx(path, 'IDX file');
}

/** Parses bytes already read from `path` as an IDX file, gunzipping them first if needed. */
export async function idxFromBytes(bytes: Uint8Array, path: string): Promise<IdxArray> {
  return parseIdxBytes(bytes, path);
}

/** The 8-byte signature every PNG file starts with. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Decodes PNG bytes read from `path` (any colour type and bit depth, palette, interlaced) to 8-bit RGBA pixels with
 * pngjs. A file that is not a PNG, or a corrupt one, is a `DataFormatError` naming the path.
 */
export function pngFromBytes(bytes: Uint8Array, path: string): RgbaImage {
  if (!isPng(bytes)) throw new DataFormatError(`${path}: not a PNG file (no PNG signature)`);
  try {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), source: path };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DataFormatError(`${path}: corrupt PNG file (${detail})`, { cause: error });
  }
}

/**
 * Reads and decodes a PNG file; see {@link pngFromBytes}. Missing file: `DataFileNotFoundError`.
 *
 * @example
 * const { values } = imageToSample(await loadPngFile('seven.png'), [28, 28, 1]);
 */
export async function loadPngFile(path: string): Promise<RgbaImage> {
  return pngFromBytes(await readBytes(path, 'PNG file'), path);
}

/** Reads the bytes of any input file; a missing one is a `DataFileNotFoundError` naming `what`. */
export async function readInputFile(path: string, what = 'input file'): Promise<Uint8Array> {
  return readBytes(path, what);
}

/** Reads a UTF-8 CSV file of numeric feature columns (and optionally a label column); see {@link parseCsvFeatures}. */
export async function loadCsvFeaturesFile(path: string, options: { label?: string } = {}): Promise<CsvFeatures> {
  const text = new TextDecoder('utf-8').decode(await readBytes(path, 'CSV file'));
  return parseCsvFeatures(text, { ...options, source: path });
}
