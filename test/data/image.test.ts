import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageToSample, resizeArea, type RgbaImage } from '../../src/data/image.js';
import { loadPngFile, pngFromBytes } from '../../src/data/files.js';
import { catchAsync, catchError, tempDir } from './helpers.js';

/** Encodes an RGBA pixel array as a PNG of the given colour type (0 grey, 2 RGB, 4 grey+alpha, 6 RGBA). */
function encodePng(width: number, height: number, rgba: Uint8Array, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16 = 8): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 6, bitDepth, inputHasAlpha: true });
  // pngjs's writer takes 16-bit samples for a 16-bit file.
  png.data = bitDepth === 16 ? (Uint16Array.from(rgba, (v) => v * 257) as unknown as Buffer) : Buffer.from(rgba);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 6, bitDepth, inputHasAlpha: true }));
}

/** A w x h grey ramp: pixel (x, y) = (x + y * w) * 7 % 256, opaque. */
function ramp(w: number, h: number): Uint8Array {
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const v = (i * 7) % 256;
    rgba.set([v, v, v, 255], i * 4);
  }
  return rgba;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

describe('PNG files to model inputs', () => {
  it('reads grey, RGB and 16-bit PNGs to the same grey values', async () => {
    const rgba = ramp(28, 28);
    const expected = Float32Array.from({ length: 28 * 28 }, (_, i) => rgba[i * 4]! / 255);
    for (const [colorType, bitDepth] of [[0, 8], [2, 8], [6, 8], [0, 16]] as const) {
      const path = join(dir, `ramp-${colorType}-${bitDepth}.png`);
      await writeFile(path, encodePng(28, 28, rgba, colorType, bitDepth));
      const image = await loadPngFile(path);
      expect([image.width, image.height]).toEqual([28, 28]);
      const { values, resized, inverted } = imageToSample(image, [28, 28, 1], { invert: false });
      expect(resized).toBe(false);
      expect(inverted).toBe(false);
      for (let i = 0; i < values.length; i++) expect(values[i]).toBeCloseTo(expected[i]!, 2);
    }
  });

  it('takes the opacity as ink when the image has transparency', () => {
    const rgba = new Uint8Array(28 * 28 * 4); // transparent black everywhere
    rgba.set([0, 0, 0, 255], (14 * 28 + 14) * 4); // one opaque black pixel: the drawing
    const { values } = imageToSample(pngFromBytes(encodePng(28, 28, rgba, 6), 'ink.png'), [28, 28, 1]);
    expect(values[14 * 28 + 14]).toBe(1);
    expect(values.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('inverts a dark digit on white paper (auto), not a light one on black', () => {
    const paper = new Uint8Array(28 * 28 * 4).fill(255);
    paper.set([0, 0, 0, 255], 0 + 14 * 28 * 4 + 14 * 4);
    const a = imageToSample({ width: 28, height: 28, data: paper, source: 'paper' }, [28, 28, 1]);
    expect(a.inverted).toBe(true);
    expect(a.values[14 * 28 + 14]).toBeCloseTo(1, 5);
    expect(a.values[0]).toBeCloseTo(0, 5);
    const b = imageToSample({ width: 28, height: 28, data: ramp(28, 28).map((v, i) => (i % 4 === 3 ? 255 : 0)), source: 'black' }, [28, 28, 1]);
    expect(b.inverted).toBe(false);
  });

  it('area-averages a larger image to the model size, or refuses with resize: false', () => {
    // 56x56 -> 28x28: every output pixel is the mean of a 2x2 block.
    const big = new Float32Array(56 * 56).map((_, i) => (i % 13) / 13);
    const small = resizeArea(big, 56, 56, 1, 28, 28);
    for (const [ox, oy] of [[0, 0], [5, 17], [27, 27]] as const) {
      const at = (x: number, y: number) => big[y * 56 + x]!;
      const mean = (at(2 * ox, 2 * oy) + at(2 * ox + 1, 2 * oy) + at(2 * ox, 2 * oy + 1) + at(2 * ox + 1, 2 * oy + 1)) / 4;
      expect(small[oy * 28 + ox]).toBeCloseTo(mean, 6);
    }
    // A non-integer ratio keeps the mean brightness.
    const odd = resizeArea(big, 56, 56, 1, 20, 20);
    const meanOf = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(meanOf(odd)).toBeCloseTo(meanOf(big), 3);
    const image: RgbaImage = { width: 56, height: 40, data: new Uint8Array(56 * 40 * 4), source: 'big.png' };
    expect(imageToSample(image, [28, 28, 1]).resized).toBe(true);
    const error = catchError(() => imageToSample(image, [28, 28, 1], { resize: false }));
    expect(error.code).toBe('ERR_INPUT_SHAPE');
    expect(error.message).toMatch(/big\.png.*56x40.*28x28/);
  });

  it('gives RGB models colour, and refuses models that do not take images', () => {
    const rgba = new Uint8Array(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set([255, 0, 0, 255], i * 4);
    const { values } = imageToSample({ width: 4, height: 4, data: rgba, source: 'red' }, [4, 4, 3]);
    expect(Array.from(values.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(catchError(() => imageToSample({ width: 4, height: 4, data: rgba, source: 'red' }, [16])).code).toBe('ERR_INPUT_SHAPE');
  });

  it('corrupt, foreign and missing files are typed errors naming the file', async () => {
    const good = encodePng(8, 8, ramp(8, 8), 0);
    const truncated = join(dir, 'truncated.png');
    await writeFile(truncated, good.subarray(0, 40));
    const t = await catchAsync(loadPngFile(truncated));
    expect(t.code).toBe('ERR_DATA_FORMAT');
    expect(t.message).toMatch(/truncated\.png: corrupt PNG/);
    expect(catchError(() => pngFromBytes(new TextEncoder().encode('a,b\n1,2\n'), 'rows.csv')).message).toMatch(/rows\.csv: not a PNG/);
    const missing = await catchAsync(loadPngFile(join(dir, 'nope.png')));
    expect(missing.code).toBe('ERR_FILE_NOT_FOUND');
    expect(missing.message).toMatch(/nope\.png/);
  });
});
