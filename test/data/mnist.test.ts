import { describe, expect, it } from 'vitest';
import { loadEmbeddedMnist } from '../../src/data/mnist.js';
import { classCounts, validateDataset } from '../../src/data/types.js';

describe('loadEmbeddedMnist', () => {
  const ds = loadEmbeddedMnist();

  it('holds the 10,000 digits of the mnist package as a valid 28x28x1, 10-class dataset', () => {
    expect(ds.name).toBe('mnist-embedded');
    expect(ds.y.length).toBe(10_000);
    expect(ds.x.length).toBe(10_000 * 784);
    expect(ds.sampleShape).toEqual([28, 28, 1]);
    expect(ds.numClasses).toBe(10);
    expect(Array.from(classCounts(ds))).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    validateDataset(ds);
  });

  it('has pixels in [0, 1], each exactly k / 255', () => {
    let min = Infinity;
    let max = -Infinity;
    let offGrid = 0;
    for (const v of ds.x) {
      if (v < min) min = v;
      if (v > max) max = v;
      if (Math.fround(Math.round(v * 255) / 255) !== v) offGrid++;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(offGrid).toBe(0);
  });

  it('is the same, in the same order, on every call (pinned hash), and each call gets its own copy', () => {
    let h = 0x811c9dc5;
    const mix = (b: number): void => {
      h = Math.imul(h ^ b, 0x01000193) >>> 0;
    };
    for (const v of ds.x) mix(Math.round(v * 255));
    for (const label of ds.y) mix(label);
    expect(h.toString(16)).toBe('afb534b5');
    expect(ds.y[0]).toBe(0);
    expect(ds.y[9999]).toBe(9);
    const again = loadEmbeddedMnist();
    expect(again.x === ds.x).toBe(false); // (not .not.toBe: vitest deep-compares the arrays for its message)
    // (vitest's deep equality is far too slow for 7.8 M elements: compare the bytes)
    expect(Buffer.compare(Buffer.from(again.x.buffer), Buffer.from(ds.x.buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(again.y.buffer), Buffer.from(ds.y.buffer))).toBe(0);
  });
});
