import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { idxDataset, isGzip, maybeGunzip, parseIdx, parseIdxAsync, type IdxArray } from '../../src/data/idx.js';
import { validateDataset } from '../../src/data/types.js';
import { DataFormatError } from '../../src/util/errors.js';
import { catchAsync, catchError, encodeIdx, makeImages, type TestDtype } from './helpers.js';

const SRC = 'images.idx';

function expectFormatError(error: { code: string; message: string }, source = SRC): void {
  expect(error).toBeInstanceOf(DataFormatError);
  expect(error.code).toBe('ERR_DATA_FORMAT');
  expect(error.message).toContain(source);
}

describe('parseIdx', () => {
  const cases: [TestDtype, number[], string][] = [
    ['uint8', [0, 1, 127, 255, 8, 9], 'Uint8Array'],
    ['int8', [-128, -1, 0, 1, 127, 5], 'Int8Array'],
    ['int16', [-32768, -2, 0, 300, 32767, 7], 'Int16Array'],
    ['int32', [-2147483648, -5, 0, 70000, 2147483647, 3], 'Int32Array'],
    ['float32', [-1.5, 0, 0.25, 3.5, 1e10, -7], 'Float32Array'],
    ['float64', [Math.PI, -Math.E, 0, 1e-300, 1e300, 2], 'Float64Array'],
  ];
  for (const [dtype, values, arrayName] of cases) {
    it(`round-trips ${dtype}`, () => {
      const parsed = parseIdx(encodeIdx([2, 3], values, dtype), SRC);
      expect(parsed.dims).toEqual([2, 3]);
      expect(parsed.dtype).toBe(dtype);
      expect(parsed.data.constructor.name).toBe(arrayName);
      expect(Array.from(parsed.data)).toEqual(values);
      expect(parsed.source).toBe(SRC);
    });
  }

  it('reads a view into a larger buffer', () => {
    const file = encodeIdx([4], [9, 8, 7, 6], 'int16');
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    expect(Array.from(parseIdx(padded.subarray(3), SRC).data)).toEqual([9, 8, 7, 6]);
  });

  const bad: [string, Uint8Array][] = [
    ['an empty file', new Uint8Array(0)],
    ['a truncated magic number', Uint8Array.of(0, 0, 8)],
    ['a wrong magic number', Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0)],
    ['an unknown dtype', Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0)],
    ['zero dimensions', Uint8Array.of(0, 0, 8, 0)],
    ['a truncated header', encodeIdx([2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 10)],
    ['truncated data', encodeIdx([2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 17)],
    ['trailing bytes', Uint8Array.of(...encodeIdx([2], [1, 2]), 0)],
    ['truncated multi-byte data', encodeIdx([2], [1, 2], 'float64').subarray(0, 18)],
    ['gzip bytes given to the sync parser', gzipSync(encodeIdx([2], [1, 2]))],
  ];
  for (const [what, bytes] of bad) {
    it(`rejects ${what} with a DataFormatError naming the file`, () => {
      expectFormatError(catchError(() => parseIdx(bytes, SRC)));
    });
  }
});

describe('gzip', () => {
  const raw = encodeIdx([3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20));

  it('maybeGunzip passes raw bytes through and gunzips gzip bytes', async () => {
    expect(isGzip(raw)).toBe(false);
    expect(await maybeGunzip(raw, SRC)).toBe(raw);
    const gz = gzipSync(raw);
    expect(isGzip(gz)).toBe(true);
    expect(Array.from(await maybeGunzip(gz, SRC))).toEqual(Array.from(raw));
  });

  it('parseIdxAsync parses raw and gzipped bytes alike', async () => {
    const a = await parseIdxAsync(raw, SRC);
    const b = await parseIdxAsync(gzipSync(raw), SRC);
    expect(b).toEqual(a);
    expect(a.dims).toEqual([3, 2, 2]);
  });

  it('rejects truncated or corrupt gzip with a DataFormatError naming the file', async () => {
    const gz = gzipSync(raw);
    expectFormatError(await catchAsync(maybeGunzip(gz.subarray(0, gz.length - 12), SRC)));
    const corrupt = Uint8Array.from(gz);
    corrupt.fill(0xff, 10, 20);
    expectFormatError(await catchAsync(parseIdxAsync(corrupt, SRC)));
  });
});

describe('idxDataset', () => {
  const { images, labels } = makeImages(12, 3, 4);
  const img = (): IdxArray => parseIdx(images, 'img.idx');
  const lab = (): IdxArray => parseIdx(labels, 'lab.idx');

  it('scales uint8 to 0..1, shapes [rows, cols, 1], counts classes (at least 10)', () => {
    const ds = idxDataset(img(), lab(), 'toy');
    validateDataset(ds);
    expect(ds.name).toBe('toy');
    expect(ds.sampleShape).toEqual([3, 4, 1]);
    expect(ds.numClasses).toBe(10);
    expect(ds.y.length).toBe(12);
    expect(ds.x[12 * 5 + 2]).toBe(Math.fround(((5 * 31 + 2 * 7) % 256) / 255));
    expect(Array.from(ds.y.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const few = makeImages(4, 2, 2, 3);
    expect(idxDataset(parseIdx(few.images, 'a'), parseIdx(few.labels, 'b'), 'few').numClasses).toBe(10);
    expect(idxDataset(parseIdx(few.images, 'a'), parseIdx(few.labels, 'b'), 'few', { numClasses: 3 }).numClasses).toBe(3);
    const many = idxDataset(img(), parseIdx(encodeIdx([12], Array.from({ length: 12 }, (_, i) => i + 20)), 'lab.idx'), 'many');
    expect(many.numClasses).toBe(32);
  });

  it('keeps 4-D images [N, rows, cols, channels] and float images as they are', () => {
    const values = Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i / 24);
    const ds = idxDataset(parseIdx(encodeIdx([2, 2, 2, 3], values, 'float32'), 'rgb.idx'), parseIdx(encodeIdx([2], [0, 1]), 'l.idx'), 'rgb');
    expect(ds.sampleShape).toEqual([2, 2, 3]);
    expect(Array.from(ds.x)).toEqual(values.map(Math.fround));
  });

  it('rejects an image/label count mismatch naming both files', () => {
    const error = catchError(() => idxDataset(img(), parseIdx(encodeIdx([11], new Array(11).fill(0)), 'lab.idx'), 'toy'));
    expectFormatError(error, 'img.idx');
    expect(error.message).toContain('lab.idx');
  });

  it('rejects wrong shapes, float labels and labels beyond numClasses', () => {
    expectFormatError(catchError(() => idxDataset(lab(), lab(), 'toy')), 'lab.idx');
    expectFormatError(catchError(() => idxDataset(img(), img(), 'toy')), 'img.idx');
    const floatLabels = parseIdx(encodeIdx([12], new Array(12).fill(1), 'float32'), 'fl.idx');
    expectFormatError(catchError(() => idxDataset(img(), floatLabels, 'toy')), 'fl.idx');
    expectFormatError(catchError(() => idxDataset(img(), lab(), 'toy', { numClasses: 5 })), 'lab.idx');
    const negative = parseIdx(encodeIdx([12], [0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'int8'), 'neg.idx');
    expectFormatError(catchError(() => idxDataset(img(), negative, 'toy')), 'neg.idx');
  });
});
