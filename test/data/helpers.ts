// Test helpers for the data layer: build IDX files and tiny datasets in memory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../../src/data/types.js';
import type { EdgeProError } from '../../src/util/errors.js';

const DTYPE_CODES = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e } as const;
const DTYPE_BYTES = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 } as const;
export type TestDtype = keyof typeof DTYPE_CODES;

/** Encodes values as an IDX file (big-endian) of the given dims and dtype. */
export function encodeIdx(dims: number[], values: ArrayLike<number>, dtype: TestDtype = 'uint8'): Uint8Array {
  const header = 4 + 4 * dims.length;
  const width = DTYPE_BYTES[dtype];
  const bytes = new Uint8Array(header + values.length * width);
  const view = new DataView(bytes.buffer);
  bytes[2] = DTYPE_CODES[dtype];
  bytes[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < values.length; i++) {
    const at = header + i * width;
    const v = values[i]!;
    if (dtype === 'uint8') view.setUint8(at, v);
    else if (dtype === 'int8') view.setInt8(at, v);
    else if (dtype === 'int16') view.setInt16(at, v, false);
    else if (dtype === 'int32') view.setInt32(at, v, false);
    else if (dtype === 'float32') view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return bytes;
}

/** A small image set: n images of rows x cols with pixel (i, p) = (i * 31 + p * 7) % 256, labels i % classes. */
export function makeImages(n: number, rows: number, cols: number, classes = 10): { images: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * rows * cols);
  for (let i = 0; i < n; i++) for (let p = 0; p < rows * cols; p++) pixels[i * rows * cols + p] = (i * 31 + p * 7) % 256;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % classes);
  return { images: encodeIdx([n, rows, cols], pixels), labels: encodeIdx([n], labels) };
}

/** A tabular dataset with `perClass[k]` samples of class k; feature 0 is the sample's index. */
export function makeDataset(perClass: number[], name = 'toy'): Dataset {
  const n = perClass.reduce((a, b) => a + b, 0);
  const y = new Int32Array(n);
  let at = 0;
  perClass.forEach((count, k) => {
    y.fill(k, at, at + count);
    at += count;
  });
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = y[i]! * 10;
  }
  return { name, x, y, sampleShape: [2], numClasses: perClass.length };
}

/** Runs `fn` and returns the error it throws (fails if it does not throw). */
export function catchError(fn: () => unknown): EdgeProError {
  try {
    fn();
  } catch (error) {
    return error as EdgeProError;
  }
  throw new Error('expected an error, none was thrown');
}

/** Awaits `promise` and returns the error it rejects with (fails if it resolves). */
export async function catchAsync(promise: Promise<unknown>): Promise<EdgeProError> {
  try {
    await promise;
  } catch (error) {
    return error as EdgeProError;
  }
  throw new Error('expected a rejection, the promise resolved');
}

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'edgepro-data-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
