/**
 * Step 2 of EdgePro: choose the authorization neurons of each lock point by roulette-wheel selection among the
 * best-ranked neurons, weighted by rank, without replacement. Seeded: the same generator state gives the same choice.
 */
import { InvalidArgumentError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import type { NeuronRanking } from './rank.js';

/** The authorization neurons chosen at one lock point. */
export interface NeuronSelection {
  layer: string;
  /** Chosen neuron indices, ascending. */
  neurons: number[];
  /** Position of each chosen neuron in the ranking (0 = most active), aligned with `neurons`. */
  ranks: number[];
}

export interface SelectOptions {
  /** Fraction of each lock point to lock: `floor(size * gamma) + 1` neurons. Default 0.1. */
  gamma?: number;
  /** The pool: the top `ceil(size * topFraction)` of the ranking (at least as many as are chosen). Default 0.3. */
  topFraction?: number;
  /** The generator the draws come from (see `createRng`). */
  rng: Rng;
}

/** Checks a fraction argument in (0, 1]. */
function checkFraction(value: number, name: string): number {
  if (!(typeof value === 'number' && value > 0 && value <= 1)) throw new InvalidArgumentError(`${name} must be in (0, 1], got ${value}`);
  return value;
}

/** How many neurons a lock point of `size` neurons gets: `floor(size * gamma) + 1`, at most `size`. */
export function authorizationCount(size: number, gamma: number): number {
  return Math.min(size, Math.floor(size * gamma) + 1);
}

/**
 * Draws `count` distinct positions from `0..poolSize-1`, position r weighted `poolSize - r` (the best rank weighs most),
 * removing each drawn position from the wheel.
 */
function rouletteWithoutReplacement(poolSize: number, count: number, rng: Rng): number[] {
  const weights = Array.from({ length: poolSize }, (_, r) => poolSize - r);
  let total = (poolSize * (poolSize + 1)) / 2;
  const chosen: number[] = [];
  while (chosen.length < count) {
    let u = rng.next() * total;
    let pick = -1;
    for (let r = 0; r < poolSize; r++) {
      const w = weights[r]!;
      if (w === 0) continue;
      pick = r; // the last position with weight left, should rounding leave u >= 0 at the end
      if (u < w) break;
      u -= w;
    }
    chosen.push(pick);
    total -= weights[pick]!;
    weights[pick] = 0;
  }
  return chosen;
}

/**
 * Chooses the authorization neurons of every ranked lock point.
 *
 * @example
 * ```ts
 * const selection = selectNeurons(ranking, { gamma: 0.1, topFraction: 0.3, rng: createRng(7) });
 * selection[0].neurons; // e.g. [3, 17, 40] for a lock point of 20..29 neurons
 * ```
 */
export function selectNeurons(ranking: readonly NeuronRanking[], options: SelectOptions): NeuronSelection[] {
  const gamma = checkFraction(options.gamma ?? 0.1, 'gamma');
  const topFraction = checkFraction(options.topFraction ?? 0.3, 'topFraction');
  const { rng } = options;
  if (rng === undefined || typeof rng.next !== 'function') throw new InvalidArgumentError('selectNeurons needs an rng (createRng(seed))');
  return ranking.map((r) => {
    const size = r.order.length;
    if (size === 0) throw new InvalidArgumentError(`lock point ${r.layer} has no ranked neurons`);
    const count = authorizationCount(size, gamma);
    const poolSize = Math.min(size, Math.max(count, Math.ceil(size * topFraction)));
    const ranks = rouletteWithoutReplacement(poolSize, count, rng).sort((a, b) => r.order[a]! - r.order[b]!);
    return { layer: r.layer, neurons: ranks.map((k) => r.order[k]!), ranks };
  });
}
