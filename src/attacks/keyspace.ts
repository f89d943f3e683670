/**
 * The size of the password's key space, in bits: which neurons (a binomial per lock point, over the part of the
 * ranking the configuration draws from) times which values (as
 * many as the lock tells apart). And what is left of it for an attacker who can test one lock point at a time:
 * the lock points' spaces then add instead of multiplying.
 */
import type { Dataset } from '../data/types.js';
import { accuracyOf, predictWithPassword, type LockGraph } from '../lock/lock_graph.js';
import type { LockPointKey, Password } from '../lock/password.js';
import { InvalidArgumentError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';

export interface PointKeySpace {
  layer: string;
  size: number;
  neurons: number;
  /** log2 C(size, neurons). */
  neuronChoiceBits: number;
  /** Value bits summed over the lock point's neurons. */
  valueBits: number;
  bits: number;
}

export interface KeySpace {
  /** Neuron choice plus values, all lock points together. */
  keySpaceBits: number;
  neuronChoiceBits: number;
  valueBits: number;
  /** Relative error of a value the lock still accepts (from {@link measureValueTolerance}, or the assumed one). */
  valueTolerance: number;
  /** log2 of the sum over lock points of 2^bits: the work of an attacker who can verify one lock point at a time. */
  onePointAtATimeBits: number;
  perPoint: PointKeySpace[];
}

export interface KeySpaceOptions {
  /** Relative value error the lock tolerates; default 0.1. Measure it with {@link measureValueTolerance}. */
  valueTolerance?: number;
  /** Range of the multiple c the values are drawn with (±c·m); default the hardened generator's 2..4. */
  cRange?: [number, number];
  /**
   * Share of each lock point's ranking the neurons are drawn from, as configured (`reference`: the top 0.3;
   * `hardened`: all, 1). The attacker ranks neurons too, so only that pool counts. Default 1.
   */
  topFraction?: number;
  /** Whether the configuration draws the sign of each offset; default: the key holds offsets of both signs. */
  signed?: boolean;
}

/** log2 of the binomial coefficient C(n, k), summed in logs (exact enough for any layer size). */
export function log2Binomial(n: number, k: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(k) && k >= 0 && k <= n)) throw new InvalidArgumentError(`C(${n}, ${k}) is not defined`);
  let bits = 0;
  for (let i = 1; i <= k; i++) bits += Math.log2(n - k + i) - Math.log2(i);
  return bits;
}

/** log2 of a sum of powers of two given as exponents, without overflow. */
export function log2SumPow2(exponents: readonly number[]): number {
  const top = Math.max(...exponents);
  return top + Math.log2(exponents.reduce((s, e) => s + 2 ** (e - top), 0));
}

/**
 * Value bits of one lock point: none when every neuron gets the same public multiplier and no offset (the reference
 * lock, alpha = lam); otherwise a sign bit per neuron when the configuration draws signs (`signed`), and log2 of how
 * many values of relative width ±tolerance fit into [cMin, cMax] (at least one).
 */
function pointValueBits(key: LockPointKey, signed: boolean, tolerance: number, [cMin, cMax]: [number, number]): number {
  if (key.alpha.every((a) => a === key.alpha[0]) && key.beta.every((b) => b === 0)) return 0;
  const levels = tolerance >= 1 ? 1 : Math.max(1, Math.log(cMax / cMin) / Math.log((1 + tolerance) / (1 - tolerance)));
  return key.neurons.length * ((signed ? 1 : 0) + Math.log2(levels));
}

/** The key space of `password` as configured. */
export function keySpace(password: Password, options: KeySpaceOptions = {}): KeySpace {
  const tolerance = options.valueTolerance ?? 0.1;
  const cRange = options.cRange ?? [2, 4];
  const topFraction = options.topFraction ?? 1;
  if (!(topFraction > 0 && topFraction <= 1)) throw new InvalidArgumentError(`topFraction must be in (0, 1], got ${topFraction}`);
  if (!(tolerance > 0)) throw new InvalidArgumentError(`valueTolerance must be > 0, got ${tolerance}`);
  // Offsets of both signs in the key: the configuration draws the sign (hardened).
  const betas = password.lockPoints.flatMap((k) => k.beta);
  const signed = options.signed ?? (betas.some((b) => b > 0) && betas.some((b) => b < 0));
  const perPoint = password.lockPoints.map((key): PointKeySpace => {
    const pool = Math.max(key.neurons.length, Math.ceil(key.size * topFraction));
    const neuronChoiceBits = log2Binomial(pool, key.neurons.length);
    const valueBits = pointValueBits(key, signed, tolerance, cRange);
    return { layer: key.layer, size: key.size, neurons: key.neurons.length, neuronChoiceBits, valueBits, bits: neuronChoiceBits + valueBits };
  });
  const sum = (f: (p: PointKeySpace) => number) => perPoint.reduce((s, p) => s + f(p), 0);
  return {
    keySpaceBits: sum((p) => p.bits),
    neuronChoiceBits: sum((p) => p.neuronChoiceBits),
    valueBits: sum((p) => p.valueBits),
    valueTolerance: tolerance,
    onePointAtATimeBits: log2SumPow2(perPoint.map((p) => p.bits)),
    perPoint,
  };
}

/** `password` with every offset scaled by 1 ± `delta` (a random sign per neuron). */
function perturbed(password: Password, delta: number, rng: Rng): Password {
  return {
    version: 1,
    lockPoints: password.lockPoints.map((k) => ({ ...k, beta: k.beta.map((b) => Math.fround(b * (1 + (rng.next() < 0.5 ? -delta : delta)))) })),
  };
}

/**
 * The largest relative error of the lock values (from 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9) at which every one of
 * `trials` perturbed passwords keeps accuracy on `data` within one point of the true password's. The owner's
 * measurement (it needs the password): how precisely an attacker must guess each value.
 */
export function measureValueTolerance(graph: LockGraph, password: Password, data: Dataset, rng: Rng, trials = 3): number {
  const authorized = accuracyOf(predictWithPassword(graph, data, password), data.y);
  let tolerated = 0.05;
  for (const delta of [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9]) {
    for (let t = 0; t < trials; t++) {
      if (accuracyOf(predictWithPassword(graph, data, perturbed(password, delta, rng)), data.y) < authorized - 0.01) return tolerated;
    }
    tolerated = delta;
  }
  return tolerated;
}
