/**
 * Deterministic, seeded splits and samples. Every function takes its randomness as a seed or an `Rng`: same
 * arguments, same indices, on every platform.
 */
import { InvalidArgumentError } from '../util/errors.js';
import { createRng, shuffleInPlace, type Rng } from '../util/rng.js';
import { size, subset, type Dataset } from './types.js';

/** Options of {@link stratifiedSplit}: the test set as a count or a fraction (default 2,000 samples), and a seed. */
export interface SplitOptions {
  /** Number of test samples, in `[1, size - 1]`. Default 2,000 when `testFraction` is not given either. */
  testSize?: number;
  /** Fraction of the samples for the test set, in `(0, 1)`; rounded to a count. Exclusive with `testSize`. */
  testFraction?: number;
  /** Seed of the split: the same seed gives the same split. */
  seed: number;
}

// --- internals ---

function checkSeed(seed: number, where: string): void {
  if (!Number.isFinite(seed)) throw new InvalidArgumentError(`${where}: seed must be a finite number, got ${seed}`);
}

/** Per-class quotas summing to `count`, each within 1 of `count * n_c / n` (largest-remainder method). */
function quotas(counts: Int32Array, n: number, count: number): Int32Array {
  const quota = new Int32Array(counts.length);
  const remainders: { k: number; r: number }[] = [];
  let given = 0;
  for (let k = 0; k < counts.length; k++) {
    const exact = (count * counts[k]!) / n;
    const whole = Math.floor(exact);
    quota[k] = whole;
    given += whole;
    remainders.push({ k, r: exact - whole });
  }
  remainders.sort((a, b) => b.r - a.r || a.k - b.k);
  for (let i = 0; given < count; i++, given++) quota[remainders[i]!.k]!++;
  return quota;
}

/**
 * Picks `count` of the indices `0..n-1` stratified by label (labels already checked to be in range); returns the picked and the rest, each in a seeded
 * random order.
 */
function stratifiedPick(y: Int32Array, numClasses: number, count: number, rng: Rng): { picked: Int32Array; rest: Int32Array } {
  const n = y.length;
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < n; i++) counts[y[i]!]!++;
  const byClass: Int32Array[] = [];
  const filled = new Int32Array(counts.length);
  for (let k = 0; k < counts.length; k++) byClass.push(new Int32Array(counts[k]!));
  for (let i = 0; i < n; i++) {
    const k = y[i]!;
    byClass[k]![filled[k]!++] = i;
  }
  const quota = quotas(counts, n, count);
  const picked = new Int32Array(count);
  const rest = new Int32Array(n - count);
  let p = 0;
  let r = 0;
  for (let k = 0; k < byClass.length; k++) {
    const members = shuffleInPlace(byClass[k]!, rng) as Int32Array;
    const q = quota[k]!;
    picked.set(members.subarray(0, q), p);
    rest.set(members.subarray(q), r);
    p += q;
    r += members.length - q;
  }
  shuffleInPlace(picked, rng);
  shuffleInPlace(rest, rng);
  return { picked, rest };
}

function checkLabels(ds: Dataset, where: string): void {
  for (let i = 0; i < ds.y.length; i++) {
    const label = ds.y[i]!;
    if (!(label >= 0 && label < ds.numClasses)) {
      throw new InvalidArgumentError(`${where}: sample ${i} of ${ds.name} has label ${label}, outside [0, ${ds.numClasses})`);
    }
  }
}

// --- public ---

/**
 * Splits a dataset into disjoint train and test sets that together cover it, stratified by class: each class's
 * share of the test set is within one sample of its share of the whole. Reproducible from the seed. Both halves
 * come out in a seeded random order (not the source order) and are named `<name>/train` and `<name>/test`.
 *
 * @example
 * const { train, test } = stratifiedSplit(loadEmbeddedMnist(), { seed: 1 });          // 8,000 / 2,000
 * const halves = stratifiedSplit(ds, { testFraction: 0.5, seed: 7 });
 */
export function stratifiedSplit(ds: Dataset, options: SplitOptions): { train: Dataset; test: Dataset } {
  const where = 'stratifiedSplit';
  checkSeed(options.seed, where);
  checkLabels(ds, where);
  const n = size(ds);
  let testSize: number;
  if (options.testSize !== undefined && options.testFraction !== undefined) {
    throw new InvalidArgumentError(`${where}: give testSize or testFraction, not both`);
  } else if (options.testFraction !== undefined) {
    const f = options.testFraction;
    if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`${where}: testFraction must be in (0, 1), got ${f}`);
    testSize = Math.min(n - 1, Math.max(1, Math.round(f * n)));
  } else {
    testSize = options.testSize ?? 2000;
  }
  if (!(Number.isInteger(testSize) && testSize >= 1 && testSize <= n - 1)) {
    throw new InvalidArgumentError(`${where}: testSize must be an integer in [1, ${n - 1}] for ${ds.name} (${n} samples), got ${testSize}`);
  }
  const { picked, rest } = stratifiedPick(ds.y, ds.numClasses, testSize, createRng(options.seed));
  return { train: subset(ds, rest, `${ds.name}/train`), test: subset(ds, picked, `${ds.name}/test`) };
}

/**
 * One shuffled epoch of `0..n-1` cut into batches of `batchSize` indices (the last batch may be smaller).
 * Draws from `rng`, so successive calls with the same generator give successive, different epochs.
 *
 * @example
 * const rng = createRng(seed);
 * for (let epoch = 0; epoch < 10; epoch++) for (const batch of seededBatches(size(train), 64, rng)) { ... }
 */
export function seededBatches(n: number, batchSize: number, rng: Rng): Int32Array[] {
  if (!(Number.isInteger(n) && n >= 0)) throw new InvalidArgumentError(`seededBatches: n must be a non-negative integer, got ${n}`);
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new InvalidArgumentError(`seededBatches: batchSize must be a positive integer, got ${batchSize}`);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, rng);
  const batches: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) batches.push(order.slice(start, Math.min(n, start + batchSize)));
  return batches;
}

/**
 * A stratified random sample of a dataset, reproducible from the seed: `count` samples (e.g. 200 to rank
 * neurons), or `{ fraction }` of them (e.g. 0.01 / 0.05 / 0.1 of the training set for an attacker), at least one.
 * Class shares are within one sample of the source's. The sample keeps the dataset's name; its order is random.
 *
 * @example
 * const ranking = sampleStratified(train, 200, seed);
 * const attackerData = sampleStratified(train, { fraction: 0.05 }, seed);
 */
export function sampleStratified(ds: Dataset, count: number | { fraction: number }, seed: number): Dataset {
  const where = 'sampleStratified';
  checkSeed(seed, where);
  checkLabels(ds, where);
  const n = size(ds);
  let k: number;
  if (typeof count === 'number') {
    k = count;
  } else {
    const f = count.fraction;
    if (!(f > 0 && f <= 1)) throw new InvalidArgumentError(`${where}: fraction must be in (0, 1], got ${f}`);
    k = Math.max(1, Math.round(f * n));
  }
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) {
    throw new InvalidArgumentError(`${where}: count must be an integer in [0, ${n}] for ${ds.name}, got ${k}`);
  }
  const { picked } = stratifiedPick(ds.y, ds.numClasses, k, createRng(seed));
  return subset(ds, picked);
}
