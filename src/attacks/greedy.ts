/**
 * Greedy reverse engineering of the password: with a few hundred labelled samples, lock one neuron at a time with the
 * value the attacker guesses, and keep whatever raises accuracy most. This broke the reference lock (zeroing roughly
 * the right kind of neuron is enough); a hardened lock must leave it near chance.
 */
import type { Dataset } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, predictWithPassword, type LockGraph } from '../lock/lock_graph.js';
import type { LockPointKey, Password } from '../lock/password.js';
import { rankNeurons } from '../lock/rank.js';
import { countFound } from './common.js';

export interface GreedyOptions {
  /** Neurons added per lock point (default: 10% of the lock point + 1, the reference key size). */
  perPoint?: (size: number) => number;
  /** Multiples of a neuron's mean activation m tried as its lock value (alpha 0, beta = k * m). Default 0, ±1, ±2, ±3. */
  multiples?: readonly number[];
  /** Gains g also tried on each neuron (alpha g, beta 0: a key that scales its neurons). Default none. */
  gains?: readonly number[];
  /** Model evaluations (each on all attacker samples) allowed; default 4,000. */
  maxQueries?: number;
  /** Called after each accepted step with the neuron added and the attacker's accuracy. */
  onStep?: (step: { layer: string; neuron: number; alpha: number; beta: number; accuracy: number; queries: number }) => void;
}

export interface GreedyResult {
  /** Accuracy of the attacker's best guess on the test set. */
  accuracy: number;
  /** Accuracy on the attacker's own labelled samples. */
  attackerAccuracy: number;
  /** Model evaluations, each on all of the attacker's samples. */
  queries: number;
  /** Samples through the model: queries x attacker samples. */
  forwardPasses: number;
  /** True authorization neurons among those the attack locked. */
  neuronsFound: number;
  neuronsTotal: number;
}

function withNeuron(guess: Password, p: number, neuron: number, alpha: number, beta: number): Password {
  return {
    version: 1,
    lockPoints: guess.lockPoints.map((k, i): LockPointKey =>
      i === p ? { ...k, neurons: [...k.neurons, neuron], alpha: [...k.alpha, alpha], beta: [...k.beta, beta] } : k,
    ),
  };
}

/**
 * Runs the greedy search against `lockable` using `attackerData` (labelled samples the attacker holds) and reports
 * what it reaches on `test`. `password` is used only to count the true neurons found, never by the search.
 */
export function greedyAttack(lockable: LockableModel, password: Password, attackerData: Dataset, test: Dataset, options: GreedyOptions = {}): GreedyResult {
  const multiples = options.multiples ?? [0, 1, -1, 2, -2, 3, -3];
  // beta = times x the neuron's mean activation; gains have no offset.
  const values = [...multiples.map((k) => ({ alpha: 0, times: k })), ...(options.gains ?? []).map((g) => ({ alpha: g, times: 0 }))];
  const maxQueries = options.maxQueries ?? 4000;
  const perPoint = options.perPoint ?? ((size: number) => Math.floor(size * 0.1) + 1);
  const graph: LockGraph = buildLockGraph(lockable);
  const ranking = rankNeurons(lockable, attackerData, { samples: Math.min(200, attackerData.y.length) });
  const score = (guess: Password) => accuracyOf(predictWithPassword(graph, attackerData, asPassword(guess)), attackerData.y);
  let guess: Password = { version: 1, lockPoints: lockable.lockPoints.map((pt) => ({ layer: pt.layer, kind: pt.kind, size: pt.size, neurons: [], alpha: [], beta: [] })) };
  let best = score(guess);
  let queries = 1;
  outer: for (let p = 0; p < lockable.lockPoints.length; p++) {
    const point = lockable.lockPoints[p]!;
    const mean = ranking[p]!.meanActivation;
    for (let step = 0; step < perPoint(point.size); step++) {
      let stepBest: { acc: number; guess: Password } | undefined;
      const used = new Set(guess.lockPoints[p]!.neurons);
      for (let n = 0; n < point.size; n++) {
        if (used.has(n)) continue;
        for (const { alpha, times } of values) {
          if (queries >= maxQueries) break outer;
          const candidate = withNeuron(guess, p, n, alpha, times * (mean[n] ?? 0));
          const acc = score(candidate);
          queries++;
          if (!stepBest || acc > stepBest.acc) stepBest = { acc, guess: candidate };
        }
      }
      if (!stepBest || stepBest.acc <= best) break;
      best = stepBest.acc;
      guess = stepBest.guess;
      const added = guess.lockPoints[p]!;
      options.onStep?.({ layer: point.layer, neuron: added.neurons.at(-1)!, alpha: added.alpha.at(-1)!, beta: added.beta.at(-1)!, accuracy: best, queries });
    }
  }
  return {
    accuracy: accuracyOf(predictWithPassword(graph, test, asPassword(guess)), test.y),
    attackerAccuracy: best,
    queries,
    forwardPasses: queries * attackerData.y.length,
    neuronsFound: countFound(guess, password),
    neuronsTotal: password.lockPoints.reduce((n, k) => n + k.neurons.length, 0),
  };
}

/** The guess as a password (lock points without neurons dropped), or undefined while it locks nothing. */
function asPassword(guess: Password): Password | undefined {
  const lockPoints = guess.lockPoints.filter((k) => k.neurons.length > 0);
  return lockPoints.length > 0 ? { version: 1, lockPoints } : undefined;
}
