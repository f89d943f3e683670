/**
 * Allocation caps: files whose headers declare far more than their bytes hold, and decompression bombs, are refused
 * with a typed error quickly and without a large allocation.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx, parseIdxAsync, MAX_IDX_BYTES } from '../../src/data/idx.js';
import { pngFromBytes } from '../../src/data/files.js';
import { EdgeProError } from '../../src/util/errors.js';
import { pngWithHeader } from './properties.js';

/** Runs `fn`, sampling the memory held by ArrayBuffers; returns the error, the time and the peak growth. */
async function measure(fn: () => unknown): Promise<{ error: unknown; ms: number; peakBytes: number }> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - base));
  const timer = setInterval(sample, 2);
  const started = performance.now();
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - started;
  clearInterval(timer);
  sample();
  return { error, ms, peakBytes: peak };
}

function idxHeader(dtype: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  out.set([0, 0, dtype, dims.length]);
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  return out;
}

const MiB = 2 ** 20;

describe('allocation caps', () => {
  it('an IDX header declaring 60000 x 28 x 28 float64 over 16 bytes of data is refused before allocating', async () => {
    const bytes = new Uint8Array([...idxHeader(0x0e, [60000, 28, 28]), ...new Uint8Array(16)]);
    const { error, ms, peakBytes } = await measure(() => parseIdx(bytes, 'lying.idx'));
    expect(error).toBeInstanceOf(EdgeProError);
    expect((error as EdgeProError).code).toBe('ERR_DATA_FORMAT');
    expect(ms).toBeLessThan(500);
    expect(peakBytes).toBeLessThan(4 * MiB);
  });

  it('an IDX header whose dimensions multiply past 2^53 is refused', () => {
    expect(() => parseIdx(idxHeader(0x08, [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1]), 'huge.idx')).toThrow(expect.objectContaining({ code: 'ERR_DATA_FORMAT' }));
  });

  it('a gzipped IDX bomb (about 65 kB inflating to 64 MiB, header declaring one byte) is refused without inflating it', async () => {
    const raw = new Uint8Array(8 + 64 * MiB);
    raw.set(idxHeader(0x08, [1]));
    const bomb = new Uint8Array(gzipSync(raw, { level: 9 }));
    expect(bomb.length).toBeLessThan(MiB);
    const { error, ms, peakBytes } = await measure(() => parseIdxAsync(bomb, 'bomb.idx.gz'));
    expect((error as EdgeProError).code).toBe('ERR_DATA_FORMAT');
    expect(ms).toBeLessThan(1000);
    expect(peakBytes).toBeLessThan(16 * MiB);
  });

  it('a gzipped IDX whose header declares more than MAX_IDX_BYTES is refused at its header', async () => {
    const bomb = new Uint8Array(gzipSync(Buffer.concat([idxHeader(0x0e, [2 ** 16, 2 ** 16]), Buffer.alloc(1024)])));
    const { error, ms } = await measure(() => parseIdxAsync(bomb, 'big.idx.gz'));
    expect((error as EdgeProError).code).toBe('ERR_DATA_FORMAT');
    expect((error as Error).message).toContain(String(MAX_IDX_BYTES));
    expect(ms).toBeLessThan(500);
  });

  it('a gzipped IDX file of honest size still parses', async () => {
    const raw = Buffer.concat([idxHeader(0x08, [2, 3]), Buffer.from([1, 2, 3, 4, 5, 6])]);
    const parsed = await parseIdxAsync(new Uint8Array(gzipSync(raw)), 'ok.idx.gz');
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a PNG declaring 100000 x 100000 pixels is refused with ERR_DATA_FORMAT in well under a second', async () => {
    const png = pngWithHeader(100_000, 100_000, 8, 6, 0, new Uint8Array(gzipSync(Buffer.alloc(1000))).subarray(0, 0));
    const { error, ms, peakBytes } = await measure(() => pngFromBytes(png, 'huge.png'));
    expect((error as EdgeProError).code).toBe('ERR_DATA_FORMAT');
    expect(ms).toBeLessThan(1000);
    expect(peakBytes).toBeLessThan(16 * MiB);
  });
});
