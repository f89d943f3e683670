/**
 * Node-only file adapters of the data layer (the one module of `data/` that imports `node:`, and pngjs, which uses
 * node:zlib): read IDX directories, CSV and PNG files from disk. Everything else in `data/` works on bytes, text and
 * pixels, in Node and the browser.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip, gunzip, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { DataFormatError } from '../util/errors.js';
import { parseCsv, parseCsvFeatures, type CsvFeatures, type CsvOptions } from './csv.js';
import { DataFileNotFoundError } from './errors.js';
import { declaredBytes, idxDataset, isGzip, MAX_IDX_BYTES, parseIdx, type IdxArray, type IdxDatasetOptions } from './idx.js';
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

/** The first gunzipped bytes (one zlib output chunk, 16 KiB), enough for any IDX header; the rest is not inflated. */
async function gunzippedHead(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = createGunzip();
  stream.end(bytes);
  try {
    for await (const chunk of stream) return new Uint8Array((chunk as Buffer).buffer, (chunk as Buffer).byteOffset, (chunk as Buffer).byteLength);
    return new Uint8Array(0);
  } finally {
    stream.destroy();
  }
}

/**
 * Gunzips IDX bytes no further than their header says: a small gzip stream that inflates to gigabytes (a
 * decompression bomb) is refused once its output passes the size its dimensions declare (or MAX_IDX_BYTES).
 */
async function parseIdxBytes(raw: Uint8Array, path: string): Promise<IdxArray> {
  if (!isGzip(raw)) return parseIdx(raw, path);
  const fail = (error: unknown) => {
    const detail = error instanceof Error ? error.message : String(error);
    return new DataFormatError(`${path}: corrupt or truncated gzip data (${detail})`, { cause: error });
  };
  let head: Uint8Array;
  try {
    head = await gunzippedHead(raw);
  } catch (error) {
    throw fail(error);
  }
  const declared = declaredBytes(head);
  if (declared === null) return parseIdx(head, path); // not an IDX header: parseIdx says what is wrong
  if (declared !== undefined && declared > MAX_IDX_BYTES) {
    throw new DataFormatError(`${path}: the IDX header declares ${declared} bytes, over the ${MAX_IDX_BYTES} this reader inflates`);
  }
  const limit = declared ?? head.length;
  let out: Buffer;
  try {
    out = await gunzipAsync(raw, { maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataFormatError(`${path}: IDX file has trailing bytes: the gunzipped data runs past the ${limit} bytes its header declares`, { cause: error });
    }
    throw fail(error);
  }
  return parseIdx(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), path);
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

/** Largest image pngFromBytes decodes: 2^25 pixels (8192 x 4096), 128 MiB as RGBA. */
export const MAX_PNG_PIXELS = 2 ** 25;

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7: [number, number, number, number][] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * Checks a PNG before pngjs sees it, which allocates from the header and reads past short pixel data: the IHDR's
 * size within {@link MAX_PNG_PIXELS}, and the IDAT data inflating (capped at that size) to exactly the bytes the
 * header needs. A decompression bomb or truncated pixel data is refused here, in bounded time and memory.
 */
function checkPngSize(bytes: Uint8Array, path: string): void {
  const bad = (why: string) => new DataFormatError(`${path}: corrupt PNG file (${why})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 33 || view.getUint32(8, false) !== 13 || type(12) !== 'IHDR') throw bad('no IHDR chunk first');
  const width = view.getUint32(16, false);
  const height = view.getUint32(20, false);
  const depth = bytes[24]!;
  const channels = PNG_CHANNELS[bytes[25]!];
  const interlaced = bytes[28] === 1;
  if (width === 0 || height === 0 || channels === undefined || ![1, 2, 4, 8, 16].includes(depth)) throw bad('invalid IHDR');
  if (width * height > MAX_PNG_PIXELS) throw new DataFormatError(`${path}: the PNG is ${width}x${height}, over the ${MAX_PNG_PIXELS} pixels edgepro decodes`);
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * channels * depth) / 8));
  const passes = interlaced ? ADAM7 : ([[0, 0, 1, 1]] as [number, number, number, number][]);
  let expected = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (w > 0 && h > 0) expected += rowBytes(w) * h;
  }
  const idat: Uint8Array[] = [];
  for (let at = 8; ; ) {
    if (at + 12 > bytes.length) throw bad('truncated before IEND');
    const length = view.getUint32(at, false);
    if (at + 12 + length > bytes.length) throw bad(`chunk ${type(at + 4)} runs past the end of the file`);
    const name = type(at + 4);
    if (name === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (name === 'IEND') break;
    at += 12 + length;
  }
  let pixels: Buffer;
  try {
    pixels = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw bad(`its pixel data inflates to more than the ${expected} bytes its header needs`);
    throw bad(`its pixel data does not inflate: ${(error as Error).message}`);
  }
  if (pixels.length !== expected) throw bad(`its pixel data is ${pixels.length} bytes, its header needs ${expected}`);
}

/**
 * Decodes PNG bytes read from `path` (any colour type and bit depth, palette, interlaced) to 8-bit RGBA pixels with
 * pngjs, after checking that its size and pixel data agree (see checkPngSize). A file that is not a PNG, or a corrupt
 * one, is a `DataFormatError` naming the path.
 */
export function pngFromBytes(bytes: Uint8Array, path: string): RgbaImage {
  if (!isPng(bytes)) throw new DataFormatError(`${path}: not a PNG file (no PNG signature)`);
  checkPngSize(bytes, path);
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
