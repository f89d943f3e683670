/**
 * Allocation caps: files whose headers declare far more than their bytes hold, and decompression bombs, are refused
 * with a typed error quickly and without a large allocation.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx, parseIdxAsync, MAX_IDX_BYTES } from '../../src/data/idx.js';
import { idxFromBytes, pngFromBytes } from '../../src/data/files.js';
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

  it('a PNG declaring 30000 x 30000 pixels over 74 bytes (a decompression bomb) is refused quickly, without decoding', async () => {
    const bomb = Uint8Array.from(Buffer.from('89504e470d0a1a0a0000000d4948445200007530000075300800000000434ca7660000001149444154789c63601805a360140c77000003e80001b3a6d3460000000049454e44ae426082', 'hex'));
    const { error, ms, peakBytes } = await measure(() => pngFromBytes(bomb, 'bomb.png'));
    expect(error).toMatchObject({ code: 'ERR_DATA_FORMAT', message: expect.stringMatching(/30000x30000/) });
    expect(ms).toBeLessThan(500);
    expect(peakBytes).toBeLessThan(16 * MiB);
  });

  it('a PNG whose pixel data inflates to fewer bytes than its header needs is refused, the same way every time', () => {
    const short = Uint8Array.from(Buffer.from('89504e470d0a1a0a0000000d494844520000000a0000000a08060000008d32cfbd0000000c49444154789c6364a43d0000141e00659300ebcc0000000049454e44ae426082', 'hex'));
    for (let i = 0; i < 5; i++) expect(() => pngFromBytes(short, 'short.png')).toThrow(expect.objectContaining({ code: 'ERR_DATA_FORMAT', message: expect.stringMatching(/needs 410/) }));
  });

  it('the Node file reader refuses a gzipped IDX bomb at its header too (node:zlib, capped output)', async () => {
    const raw = new Uint8Array(8 + 16 * MiB);
    raw.set(idxHeader(0x08, [1]));
    const bomb = new Uint8Array(gzipSync(raw, { level: 1 }));
    const { error, ms } = await measure(() => idxFromBytes(bomb, 'bomb.idx.gz'));
    expect(error).toMatchObject({ code: 'ERR_DATA_FORMAT', message: expect.stringMatching(/runs past the 9 bytes/) });
    expect(ms).toBeLessThan(2000);
    const honest = gzipSync(new Uint8Array([...idxHeader(0x08, [3, 2]), 1, 2, 3, 4, 5, 6]));
    expect((await idxFromBytes(honest, 'ok.idx.gz')).dims).toEqual([3, 2]);
  });
});
