/**
 * An evolutionary search over whole passwords: every candidate sets all lock points at once, so a lock whose layers
 * must all be right together (which a one-point-at-a-time greedy search cannot see) is tried hard too. The attacker
 * knows the method and its configuration (Kerckhoffs): the lock points, how many neurons each locks, and how values
 * are drawn (alpha 0, beta = ±c·m with c in [2, 4], m a neuron's mean activation, or 0 as in the reference lock);
 * not the neurons, not the values. Fitness is the mean log-probability of the true labels on a fixed batch of the
 * attacker's labelled samples (smoother than accuracy); the budget counts forward passes (one sample through the model).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/types.js';
import { gatherInputs, subset } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, forwardLocked, predictWithPassword, type LockGraph } from '../lock/lock_graph.js';
import type { Password } from '../lock/password.js';
import { rankNeurons } from '../lock/rank.js';
import { valueScales } from '../lock/generate.js';
import { BatchLocks, type SampleLock } from '../lock/vectors.js';
import { outputsProbabilities } from '../models/outputs.js';
import { InvalidArgumentError } from '../util/errors.js';
import { createRng, type Rng } from '../util/rng.js';
import { countFound } from './common.js';

export interface SearchOptions {
  /** Forward passes allowed in all (each candidate costs `samplesPerEval`). Default 100,000. */
  budget?: number;
  /** Attacker samples each candidate is scored on. Default 50. */
  samplesPerEval?: number;
  /** Default 20. */
  population?: number;
  /** Best candidates kept unchanged each generation. Default 4. */
  elite?: number;
  /** Share of guessed values that are 0 (the reference lock) rather than ±c·m. Default 0.2. */
  zeroShare?: number;
  /** Range of c in ±c·m. Default 2..4 (the hardened generator's). */
  cRange?: [number, number];
  seed?: number;
  onGeneration?: (g: { generation: number; fitness: number; accuracy: number; forwardPasses: number }) => void;
}

export interface SearchResult {
  /** The best candidate found: the password an attacker would go on with (and adversarial lock training trains on). */
  found: Password;
  /** Test accuracy of the best candidate found. */
  accuracy: number;
  /** Its accuracy on all of the attacker's samples. */
  attackerAccuracy: number;
  forwardPasses: number;
  evaluations: number;
  generations: number;
  neuronsFound: number;
  neuronsTotal: number;
}

/** A candidate: per lock point, neuron -> its lock. */
type Candidate = Map<number, { alpha: number; beta: number }>[];

interface Scored {
  candidate: Candidate;
  fitness: number;
  accuracy: number;
}

function toPassword(c: Candidate, graph: LockGraph): Password {
  return {
    version: 1,
    lockPoints: graph.points
      .map((p, i) => {
        const neurons = [...c[i]!.keys()];
        return { layer: p.layer, kind: p.kind, size: p.size, neurons, alpha: neurons.map((n) => c[i]!.get(n)!.alpha), beta: neurons.map((n) => c[i]!.get(n)!.beta) };
      })
      .filter((k) => k.neurons.length > 0),
  };
}

function toLock(c: Candidate): SampleLock {
  return c.map((m) => {
    const neurons = [...m.keys()];
    return { neurons, alpha: neurons.map((n) => m.get(n)!.alpha), beta: neurons.map((n) => m.get(n)!.beta) };
  });
}

/**
 * Searches for a password that makes `lockable` accurate on `attackerData`, within the budget, and reports the best
 * one's accuracy on `test`. `password` is used only for its shape (the public configuration) and to count the true
 * neurons found, never by the search.
 */
export function evolutionarySearch(lockable: LockableModel, password: Password, attackerData: Dataset, test: Dataset, options: SearchOptions = {}): SearchResult {
  const budget = options.budget ?? 100_000;
  const perEval = Math.min(options.samplesPerEval ?? 50, attackerData.y.length);
  const popSize = options.population ?? 20;
  const elite = Math.min(options.elite ?? 4, popSize - 1);
  const zeroShare = options.zeroShare ?? 0.2;
  const [cMin, cMax] = options.cRange ?? [2, 4];
  if (!(popSize >= 2 && elite >= 1)) throw new InvalidArgumentError('evolutionarySearch needs a population of at least 2 and an elite of at least 1');
  if (perEval < 1) throw new InvalidArgumentError('evolutionarySearch needs labelled attacker samples');
  const rng: Rng = createRng(options.seed ?? 0);
  const graph = buildLockGraph(lockable);
  const probabilities = outputsProbabilities(lockable.model);
  const points = graph.points;
  const counts = points.map((p) => password.lockPoints.find((k) => k.layer === p.layer)?.neurons.length ?? 0);
  const ranking = rankNeurons(lockable, attackerData, { samples: Math.min(200, attackerData.y.length) });
  const scales = ranking.map((r) => Float32Array.from(valueScales(r)));
  const evalSet = subset(attackerData, Int32Array.from({ length: perEval }, (_, i) => i));

  const drawValue = (p: number, n: number): { alpha: number; beta: number } => {
    if (rng.next() < zeroShare) return { alpha: 0, beta: 0 };
    const sign = rng.next() < 0.5 ? -1 : 1;
    return { alpha: 0, beta: Math.fround(sign * (cMin + (cMax - cMin) * rng.next()) * scales[p]![n]!) };
  };
  const drawPoint = (p: number): Map<number, { alpha: number; beta: number }> => {
    const m = new Map<number, { alpha: number; beta: number }>();
    while (m.size < Math.min(counts[p]!, points[p]!.size)) {
      const n = rng.int(points[p]!.size);
      if (!m.has(n)) m.set(n, drawValue(p, n));
    }
    return m;
  };
  const mutate = (c: Candidate): void => {
    const live = points.map((_, i) => i).filter((i) => counts[i]! > 0);
    const p = live[rng.int(live.length)]!;
    const m = c[p]!;
    const keys = [...m.keys()];
    const n = keys[rng.int(keys.length)]!;
    const r = rng.next();
    if (r < 0.5 && m.size < points[p]!.size) {
      let fresh = rng.int(points[p]!.size);
      while (m.has(fresh)) fresh = rng.int(points[p]!.size);
      m.delete(n);
      m.set(fresh, drawValue(p, fresh));
    } else if (r < 0.7) {
      // Flip the offset's sign.
      const v = m.get(n)!;
      m.set(n, { alpha: v.alpha, beta: -v.beta });
    }
    else if (r < 0.9) m.set(n, drawValue(p, n));
    else c[p] = drawPoint(p);
  };

  let forwardPasses = 0;
  let evaluations = 0;
  const labels = evalSet.y;
  const xsOne = gatherInputs(evalSet, Int32Array.from({ length: perEval }, (_, i) => i));
  const score = (cands: Candidate[]): Scored[] => {
    const out: Scored[] = [];
    const chunk = Math.max(1, Math.floor(2000 / perEval));
    for (let start = 0; start < cands.length; start += chunk) {
      const part = cands.slice(start, start + chunk);
      const rows = part.length * perEval;
      const locks = new BatchLocks(points, rows);
      part.forEach((c, j) => {
        const lock = toLock(c);
        for (let s = 0; s < perEval; s++) locks.set(j * perEval + s, lock);
      });
      const [fit, acc] = tf.tidy(() => {
        const xs = tf.tile(xsOne, [part.length, ...xsOne.shape.slice(1).map(() => 1)]);
        const outputs = forwardLocked(graph, xs, locks.toTensors(), false);
        const logp = probabilities ? tf.log(tf.clipByValue(outputs, 1e-7, 1)) : tf.logSoftmax(outputs);
        const ys = tf.tile(tf.tensor1d(labels, 'int32'), [part.length]);
        const oneHot = tf.oneHot(ys, logp.shape[1]!);
        const trueLogp = tf.reshape(tf.sum(tf.mul(oneHot, logp), -1), [part.length, perEval]);
        const correct = tf.reshape(tf.cast(tf.equal(tf.argMax(logp, -1), ys), 'float32'), [part.length, perEval]);
        return [tf.mean(trueLogp, 1), tf.mean(correct, 1)];
      });
      const f = fit!.dataSync();
      const a = acc!.dataSync();
      tf.dispose([fit!, acc!]);
      part.forEach((candidate, j) => out.push({ candidate, fitness: f[j]!, accuracy: a[j]! }));
      forwardPasses += rows;
      evaluations += part.length;
    }
    return out;
  };
  const copy = (c: Candidate): Candidate => c.map((m) => new Map(m));
  const tournament = (pop: Scored[]): Scored => {
    const a = pop[rng.int(pop.length)]!;
    const b = pop[rng.int(pop.length)]!;
    return a.fitness >= b.fitness ? a : b;
  };

  let generations = 0;
  try {
    if (popSize * perEval > budget) throw new InvalidArgumentError(`a budget of ${budget} forward passes cannot score one population of ${popSize} x ${perEval}`);
    let population = score(Array.from({ length: popSize }, () => points.map((_, p) => drawPoint(p))));
    const childCount = popSize - elite;
    while (forwardPasses + childCount * perEval + attackerData.y.length <= budget) {
      population.sort((a, b) => b.fitness - a.fitness);
      const children: Candidate[] = [];
      while (children.length < childCount) {
        const a = tournament(population);
        const b = tournament(population);
        const child = points.map((_, p) => new Map((rng.next() < 0.5 ? a : b).candidate[p]!));
        mutate(child);
        if (rng.next() < 0.5) mutate(child);
        children.push(child);
      }
      population = [...population.slice(0, elite), ...score(children)];
      generations++;
      const best = population.reduce((x, y) => (y.fitness > x.fitness ? y : x));
      options.onGeneration?.({ generation: generations, fitness: best.fitness, accuracy: best.accuracy, forwardPasses });
    }
    const best = copy(population.reduce((x, y) => (y.fitness > x.fitness ? y : x)).candidate);
    const guess = toPassword(best, graph);
    const attackerAccuracy = accuracyOf(predictWithPassword(graph, attackerData, guess), attackerData.y);
    forwardPasses += attackerData.y.length;
    return {
      found: guess,
      accuracy: accuracyOf(predictWithPassword(graph, test, guess), test.y),
      attackerAccuracy,
      forwardPasses,
      evaluations,
      generations,
      neuronsFound: countFound(guess, password),
      neuronsTotal: password.lockPoints.reduce((n, k) => n + k.neurons.length, 0),
    };
  } finally {
    xsOne.dispose();
  }
}
