/**
 * Decoys: locks that look like guesses an attacker would make, applied to *released* samples (which carry random
 * labels) during lock training, so that a partly right, approximately right or pruned guess earns nothing.
 * The reference lock training has no decoys; that is why greedy search and pruning break it.
 */
import type { Rng } from '../util/rng.js';
import type { LockPoint } from '../models/types.js';
import type { SampleLock } from './vectors.js';

export type DecoyKind =
  /** A random 30–95% of the key's neurons with their true values. */
  | 'partial'
  /** The key with 1–3 neurons per lock point swapped for wrong ones (values kept): a near miss. */
  | 'nearMiss'
  /**
   * The key at a random non-empty proper subset of the lock points, nothing at the others: a search that gets the
   * lock points right one at a time sees no gain until all are right.
   */
  | 'somePoints'
  /**
   * What a search's guesses look like: at a random half of the lock points, 1 to (key size) random neurons (key
   * neurons included) set to 0 or to a value of either sign whose size is log-uniform from 1/20 to 8 times a key
   * value's — a searcher is not bound to the key's range, and large offsets are what greedy search tries first.
   */
  | 'sparseGuess'
  /** Neurons that are not in the key, with values of the key's kind (the key's own values, shuffled). */
  | 'wrongNeurons'
  /** The key's neurons with the values reshuffled among them and rescaled by 0.25–1.75 (right neurons, wrong values). */
  | 'wrongValues'
  /** The key's neurons zeroed: the reference lock, the first thing an attacker tries. */
  | 'zeroKey'
  /** A random 10–70% of each lock point's neurons zeroed: what magnitude pruning does. */
  | 'randomZero';

export const ALL_DECOYS: readonly DecoyKind[] = ['partial', 'nearMiss', 'somePoints', 'sparseGuess', 'wrongNeurons', 'wrongValues', 'zeroKey', 'randomZero'];

function sample<T>(items: readonly T[], count: number, rng: Rng): T[] {
  const pool = [...items];
  const out: T[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) out.push(pool.splice(rng.int(pool.length), 1)[0]!);
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Draws one decoy of the given kind for the key `key` (aligned with `points`). */
export function makeDecoy(kind: DecoyKind, key: SampleLock, points: readonly LockPoint[], rng: Rng): SampleLock {
  switch (kind) {
    case 'partial': {
      const fraction = 0.3 + 0.65 * rng.next();
      const keep = key.map((k) => k.neurons.map((_, i) => i).filter(() => rng.next() < fraction));
      // A "partial" key that kept everything would be the key, trained towards a random label: drop one neuron.
      if (keep.every((kept, p) => kept.length === key[p]!.neurons.length)) {
        const candidates = keep.map((kept, p) => p).filter((p) => keep[p]!.length > 0);
        const p = candidates[rng.int(candidates.length)]!;
        keep[p]!.splice(rng.int(keep[p]!.length), 1);
      }
      return key.map((k, p) => {
        const kept = keep[p]!;
        return { neurons: kept.map((i) => k.neurons[i]!), alpha: kept.map((i) => k.alpha[i]!), beta: kept.map((i) => k.beta[i]!) };
      });
    }
    case 'somePoints': {
      if (key.length < 2) return makeDecoy('partial', key, points, rng);
      const keep = new Set(sample(range(key.length), 1 + rng.int(key.length - 1), rng));
      return key.map((k, p) => (keep.has(p) ? k : { neurons: [], alpha: [], beta: [] }));
    }
    case 'sparseGuess':
      return key.map((k, p) => {
        if (rng.next() < 0.5 || k.neurons.length === 0) return { neurons: [], alpha: [], beta: [] };
        const neurons = sample(range(points[p]!.size), 1 + rng.int(k.neurons.length), rng);
        const alpha = neurons.map(() => 0);
        // A key that scales its neurons (alpha != 0) invites guesses of its own kind as well as constants: the
        // scale of a key neuron, on any neuron, with its offset 1/4 to 4 times as large.
        const scalingKey = k.alpha.some((a) => a !== 0);
        const beta = neurons.map((_, i) => {
          if (scalingKey && rng.next() < 0.5) {
            const j = rng.int(k.alpha.length);
            alpha[i] = k.alpha[j]!;
            return k.beta[j]! * Math.exp(Math.log(1 / 4) + Math.log(16) * rng.next());
          }
          if (rng.next() < 0.2) return 0;
          const magnitude = Math.abs(k.beta[rng.int(k.beta.length)]!);
          return (rng.next() < 0.5 ? -1 : 1) * magnitude * Math.exp(Math.log(1 / 20) + Math.log(160) * rng.next());
        });
        return { neurons, alpha, beta };
      });
    case 'nearMiss':
      return key.map((k, p) => {
        const size = points[p]!.size;
        const inKey = new Set(k.neurons);
        const others = range(size).filter((n) => !inKey.has(n));
        const swaps = Math.min(1 + rng.int(3), k.neurons.length, others.length);
        const neurons = [...k.neurons];
        const replacements = sample(others, swaps, rng);
        sample(range(k.neurons.length), swaps, rng).forEach((i, j) => {
          neurons[i] = replacements[j]!;
        });
        return { neurons, alpha: k.alpha, beta: k.beta };
      });
    case 'wrongNeurons':
      return key.map((k, p) => {
        const size = points[p]!.size;
        const inKey = new Set(k.neurons);
        const others = range(size).filter((n) => !inKey.has(n));
        const neurons = sample(others, Math.min(k.neurons.length, others.length), rng);
        const order = sample(range(k.neurons.length), k.neurons.length, rng);
        return { neurons, alpha: neurons.map((_, i) => k.alpha[order[i]!]!), beta: neurons.map((_, i) => k.beta[order[i]!]!) };
      });
    case 'wrongValues':
      return key.map((k) => {
        const order = sample(range(k.neurons.length), k.neurons.length, rng);
        return {
          neurons: k.neurons,
          alpha: k.neurons.map((_, i) => k.alpha[order[i]!]!),
          beta: k.neurons.map((_, i) => k.beta[order[i]!]! * (0.25 + 1.5 * rng.next())),
        };
      });
    case 'zeroKey':
      return key.map((k) => ({ neurons: k.neurons, alpha: k.neurons.map(() => 0), beta: k.neurons.map(() => 0) }));
    case 'randomZero':
      return points.map((point) => {
        const fraction = 0.1 + 0.6 * rng.next();
        const neurons = sample(range(point.size), Math.max(1, Math.round(point.size * fraction)), rng);
        return { neurons, alpha: neurons.map(() => 0), beta: neurons.map(() => 0) };
      });
  }
}
