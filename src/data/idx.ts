/**
 * IDX files (the format of MNIST, Fashion-MNIST, KMNIST, EMNIST): a 4-byte magic `00 00 <dtype> <ndims>`, `ndims`
 * big-endian uint32 dimensions, then the values, big-endian, row-major. Isomorphic: gzip is undone with the
 * web-standard `DecompressionStream`, so the module runs in Node and the browser.
 */
import { DataFormatError, InvalidArgumentError } from '../util/errors.js';
import type { Dataset } from './types.js';

/** The element types an IDX file can declare (its third magic byte). */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The values of an IDX file, in the typed array matching its dtype. */
export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file. */
export interface IdxArray {
  /** Dimensions, outermost first: `[N, rows, cols]` for images, `[N]` for labels. */
  dims: number[];
  dtype: IdxDtype;
  /** `prod(dims)` values, row-major, in host byte order. */
  data: IdxTypedArray;
  /** Where the bytes came from (a file name), for error messages. */
  source: string;
}

// --- internals ---

const DTYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function decodeValues(bytes: Uint8Array, offset: number, count: number, dtype: IdxDtype): IdxTypedArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.byteLength - offset);
  switch (dtype) {
    case 'uint8':
      return bytes.slice(offset, offset + count);
    case 'int8':
      return new Int8Array(bytes.slice(offset, offset + count).buffer);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, false);
      return out;
    }
  }
}

// --- public ---

/** True when the bytes start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns the bytes gunzipped if they start with the gzip magic, else the same bytes. Uses the web-standard
 * `DecompressionStream('gzip')` (Node >= 18, browsers). A corrupt or truncated gzip stream is a `DataFormatError`
 * naming `source`.
 */
export async function maybeGunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DataFormatError(`${source}: corrupt or truncated gzip data (${detail})`, { cause: error });
  }
}

/**
 * Parses the bytes of an (uncompressed) IDX file. Throws a `DataFormatError` naming `source` when the file is
 * truncated, has a wrong magic number or an unknown dtype, or holds more or fewer values than its dimensions say.
 * For bytes that may be gzipped use {@link parseIdxAsync}.
 *
 * @example
 * const labels = parseIdx(new Uint8Array(await (await fetch(url)).arrayBuffer()), url); // { dims: [10000], ... }
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (isGzip(bytes)) throw new DataFormatError(`${source}: the data is gzip-compressed; gunzip it first (parseIdxAsync does)`);
  if (bytes.length < 4) throw new DataFormatError(`${source}: truncated IDX file: ${bytes.length} bytes, the magic number alone needs 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), hex).join(' ');
    throw new DataFormatError(`${source}: not an IDX file: magic number ${magic} does not start with 0x00 0x00`);
  }
  const type = DTYPES[bytes[2]!];
  if (type === undefined) {
    throw new DataFormatError(`${source}: unknown IDX dtype ${hex(bytes[2]!)} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`);
  }
  const ndims = bytes[3]!;
  if (ndims === 0) throw new DataFormatError(`${source}: IDX file declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(`${source}: truncated IDX file: ${bytes.length} bytes, the header of ${ndims} dimensions needs ${headerBytes}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expected = count * type.bytes;
  const actual = bytes.length - headerBytes;
  if (expected !== actual) {
    const what = actual < expected ? 'truncated IDX file' : 'IDX file has trailing bytes';
    throw new DataFormatError(
      `${source}: ${what}: dimensions [${dims.join(', ')}] of ${type.dtype} need ${expected} bytes of data, found ${actual}`,
    );
  }
  return { dims, dtype: type.dtype, data: decodeValues(bytes, headerBytes, count, type.dtype), source };
}

/** Largest IDX file {@link parseIdxAsync} inflates (its header's dimensions and dtype say how big it is). */
export const MAX_IDX_BYTES = 2 ** 31;

/**
 * Bytes the IDX header at the start of `head` declares (header and values), `undefined` while `head` is too short to
 * tell, or `null` when it is no valid IDX header (parseIdx then says why).
 */
export function declaredBytes(head: Uint8Array): number | undefined | null {
  if (head.length < 4) return undefined;
  const type = DTYPES[head[2]!];
  if (head[0] !== 0 || head[1] !== 0 || type === undefined || head[3] === 0) return null;
  const headerBytes = 4 + 4 * head[3]!;
  if (head.length < headerBytes) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let i = 0; i < head[3]!; i++) count *= view.getUint32(4 + 4 * i, false);
  return headerBytes + count * type.bytes;
}

function joinParts(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Gunzips IDX bytes no further than their header says: a small gzip stream that inflates to gigabytes (a
 * decompression bomb) is refused once its output runs past the size its dimensions declare (or
 * {@link MAX_IDX_BYTES}), never held whole.
 */
async function gunzipIdx(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts: Uint8Array[] = [];
  let have = 0;
  let limit: number | undefined;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new DataFormatError(`${source}: corrupt or truncated gzip data (${detail})`, { cause: error });
      }
      if (next.done) break;
      parts.push(next.value);
      have += next.value.length;
      if (limit === undefined) {
        const head = joinParts(parts, have);
        parts.splice(0, parts.length, head);
        const declared = declaredBytes(head);
        if (declared === null) return head; // not an IDX header: parseIdx says what is wrong
        if (declared !== undefined) {
          if (declared > MAX_IDX_BYTES) {
            throw new DataFormatError(`${source}: the IDX header declares ${declared} bytes, over the ${MAX_IDX_BYTES} this reader inflates`);
          }
          limit = declared;
        }
      }
      if (have > (limit ?? MAX_IDX_BYTES)) {
        throw new DataFormatError(`${source}: IDX file has trailing bytes: the gunzipped data runs past the ${limit} bytes its header declares`);
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return joinParts(parts, have);
}

/**
 * Parses IDX bytes, gzipped or not: {@link parseIdx}, after gunzipping bytes that start with the gzip magic no
 * further than the IDX header's declared size (a decompression bomb is a `DataFormatError`, not gigabytes).
 */
export async function parseIdxAsync(bytes: Uint8Array, source: string): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzipIdx(bytes, source) : bytes, source);
}

/** Options of {@link idxDataset}. */
export interface IdxDatasetOptions {
  /** Number of classes; default the largest label + 1, and at least 10 (the MNIST family). */
  numClasses?: number;
  /** Names of the classes, one per class. */
  classNames?: string[];
}

/**
 * Builds a {@link Dataset} from a parsed images file (`[N, rows, cols]` or `[N, rows, cols, channels]`) and a labels
 * file (`[N]`, integer dtype). uint8 pixels are scaled to 0..1 (divided by 255); float images are taken as they are.
 * A count mismatch, a bad shape or dtype, or a negative label is a `DataFormatError` naming both files.
 *
 * @example
 * const ds = idxDataset(await parseIdxAsync(imageBytes, 'train-images-idx3-ubyte.gz'),
 *                       await parseIdxAsync(labelBytes, 'train-labels-idx1-ubyte.gz'), 'fashion-mnist/train');
 */
export function idxDataset(images: IdxArray, labels: IdxArray, name: string, options: IdxDatasetOptions = {}): Dataset {
  const files = `${images.source} / ${labels.source}`;
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DataFormatError(`${images.source}: images must have 3 or 4 dimensions [N, rows, cols(, channels)], found [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) {
    throw new DataFormatError(`${labels.source}: labels must have 1 dimension [N], found [${labels.dims.join(', ')}]`);
  }
  const n = images.dims[0]!;
  if (labels.dims[0] !== n) {
    throw new DataFormatError(`${files}: ${n} images but ${labels.dims[0]} labels`);
  }
  if (labels.dtype === 'float32' || labels.dtype === 'float64') {
    throw new DataFormatError(`${labels.source}: labels must be integers, found dtype ${labels.dtype}`);
  }
  const sampleShape = images.dims.length === 3 ? [images.dims[1]!, images.dims[2]!, 1] : images.dims.slice(1);
  let x: Float32Array;
  switch (images.dtype) {
    case 'uint8': {
      x = new Float32Array(images.data.length);
      const src = images.data;
      for (let i = 0; i < src.length; i++) x[i] = src[i]! / 255;
      break;
    }
    case 'float32':
    case 'float64': {
      x = Float32Array.from(images.data);
      for (let i = 0; i < x.length; i++) {
        if (!Number.isFinite(x[i]!)) throw new DataFormatError(`${images.source}: non-finite pixel value ${x[i]} at offset ${i}`);
      }
      break;
    }
    default:
      throw new DataFormatError(`${images.source}: image dtype ${images.dtype} is not supported (uint8, float32 or float64)`);
  }
  const y = new Int32Array(n);
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    const label = labels.data[i]!;
    if (label < 0) throw new DataFormatError(`${labels.source}: label ${i} is negative (${label})`);
    y[i] = label;
    if (label > maxLabel) maxLabel = label;
  }
  let numClasses = Math.max(10, maxLabel + 1);
  if (options.numClasses !== undefined) {
    if (!(Number.isInteger(options.numClasses) && options.numClasses > 0)) {
      throw new InvalidArgumentError(`idxDataset: numClasses must be a positive integer, got ${options.numClasses}`);
    }
    if (maxLabel >= options.numClasses) {
      throw new DataFormatError(`${labels.source}: label ${maxLabel} does not fit numClasses ${options.numClasses}`);
    }
    numClasses = options.numClasses;
  }
  const ds: Dataset = { name, x, y, sampleShape, numClasses };
  if (options.classNames !== undefined) {
    if (options.classNames.length !== numClasses) {
      throw new InvalidArgumentError(`idxDataset: ${options.classNames.length} classNames for ${numClasses} classes`);
    }
    ds.classNames = [...options.classNames];
  }
  return ds;
}
