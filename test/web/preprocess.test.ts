import { describe, expect, it } from 'vitest';
import { centreOfMass, toMnistInput } from '../../web/src/preprocess.js';
import { loadEmbeddedMnist } from '../../src/data/mnist.js';

function rectangle(width: number, height: number, x0: number, y0: number, w: number, h: number): Float32Array {
  const ink = new Float32Array(width * height);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) ink[y * width + x] = 1;
  return ink;
}

/** Nearest-neighbour upscale of a 28 x 28 digit, as if drawn on a 280 x 280 pad. */
function upscale(digit: Float32Array, factor: number): Float32Array {
  const side = 28 * factor;
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[y * side + x] = digit[Math.floor(y / factor) * 28 + Math.floor(x / factor)]!;
  return out;
}

function correlation(a: Float32Array, b: Float32Array): number {
  const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('drawing to MNIST input', () => {
  it('returns nothing for a blank pad and refuses a wrong size', () => {
    expect(toMnistInput(new Float32Array(280 * 280), 280, 280)).toBeUndefined();
    expect(() => toMnistInput(new Float32Array(10), 4, 4)).toThrow(RangeError);
  });

  it('scales the ink to a 20-pixel box, keeps the aspect and the ink, and centres its mass', () => {
    // A 100 x 200 bar in the top-left corner: becomes 10 x 20, mass 200, centred.
    const input = toMnistInput(rectangle(280, 280, 5, 10, 100, 200), 280, 280)!;
    expect(input).toHaveLength(784);
    const rows = new Set<number>();
    const cols = new Set<number>();
    input.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      if (v > 0) {
        rows.add(Math.floor(i / 28));
        cols.add(i % 28);
      }
    });
    expect(rows.size).toBe(20);
    expect(cols.size).toBe(10);
    expect(input.reduce((s, v) => s + v, 0)).toBeCloseTo(200, 3);
    const com = centreOfMass(input);
    expect(Math.abs(com.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.y - 14)).toBeLessThanOrEqual(0.5);
  });

  it('gives back real MNIST digits drawn ten times larger (they are framed the same way)', () => {
    const mnist = loadEmbeddedMnist();
    for (const index of [0, 1500, 4200, 9999]) {
      const digit = mnist.x.slice(index * 784, (index + 1) * 784);
      const back = toMnistInput(upscale(digit, 10), 280, 280)!;
      expect(correlation(back, digit)).toBeGreaterThan(0.97);
    }
  });
});
