/**
 * Making passwords: from a ranking (the real one), or like a given one (wrong and near-miss passwords for reports).
 * Values are rounded to float32, the precision the model applies them in, so a password means exactly what it says.
 */
import type { LockableModel } from '../models/types.js';
import { InvalidArgumentError } from '../util/errors.js';
import type { PasswordStrategy } from '../util/names.js';
import { createRng, type Rng } from '../util/rng.js';
import { validatePassword, type LockPointKey, type Password } from './password.js';
import type { NeuronRanking } from './rank.js';
import { selectNeurons } from './select.js';

/**
 * - `reference`: the public EdgePro code — every authorization neuron multiplied by `lam` (default 0), beta 0.
 * - `paper`: the paper — alpha 0, beta = locking value * `scale`, the locking value of the neuron at rank i being the
 *   mean activation of its neighbours in the ranking, ranks i-w..i+w without i (the "dynamic average").
 * - `random`: alpha uniform in [alphaMin, alphaMax], beta uniform in [betaMin, betaMax].
 * - `hardened` (the default): alpha 0, beta = ±c * m with a random sign and c uniform in [cMin, cMax] (default 2..4),
 *   m the neuron's mean activation (at least its lock point's mean, so a quiet neuron still gets a real offset);
 *   neurons drawn from the whole ranking, not its top 30% (gamma 0.1, topFraction 1: 104 bits of neuron choice for
 *   LeNet-5 against the reference's 57, plus a sign per neuron). Zeroing is not unlocking, and a value must be right
 *   in sign and size. (gamma 0.2 from the top 70% gave 131 bits of choice but lost more accuracy and near misses
 *   unlocked more: docs/PROTECTION.md.)
 */
export type { PasswordStrategy } from '../util/names.js';

/** Selection defaults per strategy: the paper's for its own strategies, wider for `hardened`. */
export const STRATEGY_SELECTION: Record<PasswordStrategy, { gamma: number; topFraction: number }> = {
  reference: { gamma: 0.1, topFraction: 0.3 },
  paper: { gamma: 0.1, topFraction: 0.3 },
  random: { gamma: 0.1, topFraction: 0.3 },
  hardened: { gamma: 0.1, topFraction: 1 },
};

export interface GeneratePasswordOptions {
  /** Default `hardened`. */
  strategy?: PasswordStrategy;
  /** Fraction of neurons locked per lock point (`floor(size * gamma) + 1`). Default 0.1 (`hardened`: 0.2). */
  gamma?: number;
  /** Neurons are drawn from the top `ceil(size * topFraction)` of the ranking. Default 0.3 (`hardened`: 0.7). */
  topFraction?: number;
  /**
   * Seed of the draws; or pass `rng`. One of the two is required. A password you ship needs `rng: cryptoRng()`: one
   * drawn from a seed is only as secret as the seed.
   */
  seed?: number;
  rng?: Rng;
  /** `reference`: the multiplier. Default 0. */
  lam?: number;
  /** `paper`: half-width of the ranking window the locking value is averaged over. Default 2. */
  window?: number;
  /** `paper`: the scale factor. Default 2. */
  scale?: number;
  /** `random`: ranges of alpha and beta. Defaults -1, 1, -1, 1. */
  alphaMin?: number;
  alphaMax?: number;
  betaMin?: number;
  betaMax?: number;
  /** `hardened`: range of the multiple c of the mean activation. Default 2, 4. */
  cMin?: number;
  cMax?: number;
}

// --- internals ---

function finite(value: number, name: string): number {
  if (!(typeof value === 'number' && Number.isFinite(value))) throw new InvalidArgumentError(`${name} must be a finite number, got ${value}`);
  return value;
}

function range(value: [number, number], names: [string, string]): [number, number] {
  finite(value[0], names[0]);
  finite(value[1], names[1]);
  if (value[0] > value[1]) throw new InvalidArgumentError(`${names[0]} (${value[0]}) must not exceed ${names[1]} (${value[1]})`);
  return value;
}

function uniform(rng: Rng, [lo, hi]: [number, number]): number {
  return Math.fround(lo + (hi - lo) * rng.next());
}

/** Mean activation of the neurons ranked i-w..i+w, without i itself (the neuron's own value if it has no neighbours). */
function dynamicAverage(ranking: NeuronRanking, rank: number, window: number): number {
  let sum = 0;
  let count = 0;
  for (let k = Math.max(0, rank - window); k <= Math.min(ranking.order.length - 1, rank + window); k++) {
    if (k === rank) continue;
    sum += ranking.meanActivation[ranking.order[k]!]!;
    count++;
  }
  return count > 0 ? sum / count : ranking.meanActivation[ranking.order[rank]!]!;
}

/**
 * Per neuron of a lock point, the size a `hardened` value is a multiple of: the neuron's mean activation,
 * at least the lock point's mean, so that a quiet neuron still gets a real offset. Attacks that know the scheme
 * guess on the same scale.
 */
export function valueScales(ranking: NeuronRanking): number[] {
  const means = ranking.meanActivation;
  const layerMean = means.reduce((a, b) => a + b, 0) / means.length;
  return Array.from(means, (m) => Math.max(m, layerMean));
}

/** `count` distinct integers of `0..n-1`, in draw order. */
function sampleDistinct(n: number, count: number, rng: Rng, exclude: ReadonlySet<number> = new Set()): number[] {
  const pool = Array.from({ length: n }, (_, i) => i).filter((i) => !exclude.has(i));
  const out: number[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) out.push(pool.splice(rng.int(pool.length), 1)[0]!);
  return out;
}

// --- public ---

/**
 * Generates a password for `lockable` from its neuron ranking: selection (see `selectNeurons`), then values by
 * `strategy`. The result is validated against the model's lock points.
 *
 * @example
 * ```ts
 * const ranking = rankNeurons(lockable, sample);
 * const password = generatePassword(lockable, ranking, { strategy: 'paper', seed: 42 });
 * ```
 */
export function generatePassword(lockable: LockableModel, ranking: readonly NeuronRanking[], options: GeneratePasswordOptions): Password {
  const strategy = options.strategy ?? 'hardened';
  if (!(strategy in STRATEGY_SELECTION)) {
    throw new InvalidArgumentError(`unknown password strategy ${String(strategy)} (${Object.keys(STRATEGY_SELECTION).join(', ')})`);
  }
  if (options.rng === undefined && options.seed === undefined) throw new InvalidArgumentError('generatePassword needs a seed or an rng');
  const rng = options.rng ?? createRng(finite(options.seed!, 'seed'));
  const lam = Math.fround(finite(options.lam ?? 0, 'lam'));
  const window = options.window ?? 2;
  if (!(Number.isInteger(window) && window > 0)) throw new InvalidArgumentError(`window must be a positive integer, got ${window}`);
  const scale = finite(options.scale ?? 2, 'scale');
  const alphaRange = range([options.alphaMin ?? -1, options.alphaMax ?? 1], ['alphaMin', 'alphaMax']);
  const betaRange = range([options.betaMin ?? -1, options.betaMax ?? 1], ['betaMin', 'betaMax']);
  const cRange = range([options.cMin ?? 2, options.cMax ?? 4], ['cMin', 'cMax']);

  const rankings = lockable.lockPoints.map((point) => {
    const r = ranking.find((x) => x.layer === point.layer);
    if (r === undefined) throw new InvalidArgumentError(`no ranking for lock point ${point.layer}`);
    if (r.order.length !== point.size || r.meanActivation.length !== point.size) {
      throw new InvalidArgumentError(`ranking of ${point.layer} has ${r.order.length} neurons, the lock point has ${point.size}`);
    }
    return r;
  });
  const selectOptions = {
    rng,
    gamma: options.gamma ?? STRATEGY_SELECTION[strategy].gamma,
    topFraction: options.topFraction ?? STRATEGY_SELECTION[strategy].topFraction,
  };
  const selection = selectNeurons(rankings, selectOptions);

  const lockPoints: LockPointKey[] = lockable.lockPoints.map((point, p) => {
    const { neurons, ranks } = selection[p]!;
    const scales = valueScales(rankings[p]!);
    let alpha: number[];
    let beta: number[];
    switch (strategy) {
      case 'reference':
        alpha = neurons.map(() => lam);
        beta = neurons.map(() => 0);
        break;
      case 'paper':
        alpha = neurons.map(() => 0);
        beta = ranks.map((rank) => Math.fround(dynamicAverage(rankings[p]!, rank, window) * scale));
        break;
      case 'random':
        alpha = neurons.map(() => uniform(rng, alphaRange));
        beta = neurons.map(() => uniform(rng, betaRange));
        break;
      case 'hardened':
        alpha = neurons.map(() => 0);
        beta = neurons.map((n) => {
          const sign = rng.next() < 0.5 ? -1 : 1;
          return Math.fround(sign * uniform(rng, cRange) * scales[n]!);
        });
        break;
    }
    return { layer: point.layer, kind: point.kind, size: point.size, neurons, alpha, beta };
  });
  return validatePassword({ version: 1, lockPoints }, lockable.lockPoints);
}

/**
 * A wrong password shaped like `password`: the same lock points and counts, uniformly random neurons, and values drawn
 * uniformly within the range of the real values at that lock point (so a reference key gives zeros, a paper key
 * alpha 0 and offsets of the same size).
 */
export function randomPasswordLike(password: Password, rng: Rng): Password {
  const p = validatePassword(password);
  const lockPoints = p.lockPoints.map((key): LockPointKey => {
    const alphaRange: [number, number] = [Math.min(...key.alpha), Math.max(...key.alpha)];
    const betaRange: [number, number] = [Math.min(...key.beta), Math.max(...key.beta)];
    const neurons = sampleDistinct(key.size, key.neurons.length, rng).sort((a, b) => a - b);
    return {
      layer: key.layer,
      kind: key.kind,
      size: key.size,
      neurons,
      alpha: neurons.map(() => uniform(rng, alphaRange)),
      beta: neurons.map(() => uniform(rng, betaRange)),
    };
  });
  return { version: 1, lockPoints };
}

/**
 * A near miss: the right neurons and values, except that at each lock point one authorization neuron is replaced by a
 * neuron outside the key (which takes over its values). A lock point whose every neuron is in the key is kept as is.
 */
export function nearMissPassword(password: Password, rng: Rng): Password {
  const p = validatePassword(password);
  const lockPoints = p.lockPoints.map((key): LockPointKey => {
    const neurons = [...key.neurons];
    const replacement = sampleDistinct(key.size, 1, rng, new Set(key.neurons))[0];
    if (replacement !== undefined) neurons[rng.int(neurons.length)] = replacement;
    return { layer: key.layer, kind: key.kind, size: key.size, neurons, alpha: [...key.alpha], beta: [...key.beta] };
  });
  return { version: 1, lockPoints };
}
