import { describe, expect, it } from 'vitest';
import { loadEmbeddedMnist } from '../../src/data/mnist.js';
import { sampleStratified, seededBatches, stratifiedSplit } from '../../src/data/split.js';
import { classCounts, size, type Dataset } from '../../src/data/types.js';
import { InvalidArgumentError } from '../../src/util/errors.js';
import { createRng } from '../../src/util/rng.js';
import { catchError, makeDataset } from './helpers.js';

/** Feature 0 of makeDataset is the source index: recover which samples a split took. */
const ids = (ds: Dataset): number[] => Array.from({ length: size(ds) }, (_, i) => ds.x[2 * i]!);

function expectStratified(part: Dataset, whole: Dataset): void {
  const partCounts = classCounts(part);
  const wholeCounts = classCounts(whole);
  for (let k = 0; k < whole.numClasses; k++) {
    const exact = (size(part) * wholeCounts[k]!) / size(whole);
    expect(Math.abs(partCounts[k]! - exact)).toBeLessThan(1);
  }
}

describe('stratifiedSplit', () => {
  const ds = makeDataset([50, 13, 7, 30, 1]);

  it('is disjoint and covering, stratified within one sample per class', () => {
    const { train, test } = stratifiedSplit(ds, { testSize: 20, seed: 3 });
    expect(size(test)).toBe(20);
    expect(size(train)).toBe(81);
    const all = [...ids(train), ...ids(test)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expectStratified(test, ds);
    expectStratified(train, ds);
    // labels travel with their samples
    for (const part of [train, test]) for (let i = 0; i < size(part); i++) expect(part.x[2 * i + 1]).toBe(part.y[i]! * 10);
    expect(train.name).toBe('toy/train');
    expect(test.name).toBe('toy/test');
  });

  it('is reproducible from the seed, and another seed gives another split', () => {
    const a = stratifiedSplit(ds, { testSize: 20, seed: 3 });
    const b = stratifiedSplit(ds, { testSize: 20, seed: 3 });
    const c = stratifiedSplit(ds, { testSize: 20, seed: 4 });
    expect(ids(a.test)).toEqual(ids(b.test));
    expect(ids(a.train)).toEqual(ids(b.train));
    expect(new Set(ids(a.test))).not.toEqual(new Set(ids(c.test)));
  });

  it('takes a testFraction', () => {
    const { train, test } = stratifiedSplit(ds, { testFraction: 0.25, seed: 1 });
    expect(size(test)).toBe(25);
    expect(size(train)).toBe(76);
    expectStratified(test, ds);
  });

  it('splits the embedded MNIST 8,000 / 2,000 by default', () => {
    const mnist = loadEmbeddedMnist();
    const { train, test } = stratifiedSplit(mnist, { seed: 42 });
    expect(size(train)).toBe(8000);
    expect(size(test)).toBe(2000);
    expectStratified(test, mnist);
  });

  it('refuses impossible sizes and contradictory options', () => {
    for (const options of [
      { testSize: 0, seed: 1 },
      { testSize: 101, seed: 1 },
      { testSize: 2.5, seed: 1 },
      { testFraction: 1, seed: 1 },
      { testSize: 5, testFraction: 0.1, seed: 1 },
      { testSize: 5, seed: NaN },
    ]) {
      const error = catchError(() => stratifiedSplit(ds, options));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('seededBatches', () => {
  it('covers 0..n-1 once, in batches of batchSize (the last smaller), reproducibly', () => {
    const batches = seededBatches(10, 4, createRng(9));
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    const flat = batches.flatMap((b) => Array.from(b));
    expect([...flat].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seededBatches(10, 4, createRng(9))).toEqual(batches);
    const rng = createRng(9);
    const first = seededBatches(100, 100, rng)[0]!;
    const second = seededBatches(100, 100, rng)[0]!;
    expect(Array.from(first)).not.toEqual(Array.from(second));
  });

  it('gives no batches for n = 0 and refuses a bad batch size', () => {
    expect(seededBatches(0, 8, createRng(1))).toEqual([]);
    expect(catchError(() => seededBatches(10, 0, createRng(1))).code).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('sampleStratified', () => {
  const ds = makeDataset([60, 30, 10]);

  it('draws a count, stratified, without repeats, reproducibly', () => {
    const a = sampleStratified(ds, 20, 5);
    expect(size(a)).toBe(20);
    expect(Array.from(classCounts(a))).toEqual([12, 6, 2]);
    expect(new Set(ids(a)).size).toBe(20);
    expect(ids(sampleStratified(ds, 20, 5))).toEqual(ids(a));
    expect(new Set(ids(sampleStratified(ds, 20, 6)))).not.toEqual(new Set(ids(a)));
    expect(a.name).toBe('toy');
  });

  it('draws a fraction (at least one sample)', () => {
    expect(size(sampleStratified(ds, { fraction: 0.05 }, 1))).toBe(5);
    expect(size(sampleStratified(ds, { fraction: 0.001 }, 1))).toBe(1);
    expect(size(sampleStratified(ds, { fraction: 1 }, 1))).toBe(100);
  });

  it('refuses a count above the dataset size or a bad fraction', () => {
    expect(catchError(() => sampleStratified(ds, 101, 1))).toBeInstanceOf(InvalidArgumentError);
    expect(catchError(() => sampleStratified(ds, { fraction: 0 }, 1))).toBeInstanceOf(InvalidArgumentError);
  });
});
