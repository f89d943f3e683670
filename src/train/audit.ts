/**
 * The audit of a lock, run by protect on samples it held out of lock training: short forms of the paper's attacks
 * on the released model — a plain fine-tune (Adam 1e-3, no re-initialisation), pruning 10-70% of every lock point,
 * and a greedy zeroing search — each scored on samples none of them trained or searched on. A lock that any of them
 * revives beyond the bar is not shipped as it is (protect retrains it with a fresh password, or fails). The full
 * attacks are in src/attacks/; these are probes, sized to cost a small share of lock training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherInputs, gatherLabels, type Dataset } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, predictWithPassword, type LockGraph } from '../lock/lock_graph.js';
import { describeGraph, outgoingWeightL1 } from '../lock/next_linear.js';
import type { LockPointKey, Password } from '../lock/password.js';
import { InvalidArgumentError } from '../util/errors.js';
import { outputsProbabilities } from '../models/outputs.js';
import { crossEntropy } from './loss.js';
import { runTrainingLoop } from './loop.js';
import { trainableVariables } from './train.js';
import { evaluateClassifier } from './evaluate.js';

export interface AuditOptions {
  /** Accuracy (on the audit's scoring samples) above which a probe counts as having revived the model. Default 0.2. */
  bar?: number;
  /** Optimiser steps (batches of 32) of the fine-tune probe. Default 200. */
  finetuneSteps?: number;
  /** Pruning ratios of the pruning probe. Default 0.1 to 0.7. */
  pruneRatios?: readonly number[];
  /** Model evaluations the greedy zeroing probe may make. Default 200. */
  greedyQueries?: number;
  /** Samples each greedy candidate is scored on (the first of the attack samples). Default 100. */
  greedySamples?: number;
  seed?: number;
}

export interface AuditReport {
  bar: number;
  /** Samples the probes attack with, and samples they are scored on (both held out of lock training). */
  attackSamples: number;
  scoreSamples: number;
  /** The released model (no password) on the scoring samples. */
  released: number;
  finetune: { steps: number; accuracy: number };
  prune: { ratio: number; accuracy: number }[];
  greedy: { queries: number; neurons: number; accuracy: number };
  /** The highest of the probes' accuracies. */
  worst: number;
  passes: boolean;
  seconds: number;
}

export const AUDIT_BAR = 0.2;
export const AUDIT_PRUNE_RATIOS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

/** Magnitude pruning as a lock: the weakest `ratio` of each lock point's neurons (outgoing-weight L1) zeroed. */
function pruneLock(lockable: LockableModel, ratio: number): Password {
  const graph = describeGraph(lockable.model);
  return {
    version: 1,
    lockPoints: lockable.lockPoints.map((point): LockPointKey => {
      const l1 = outgoingWeightL1(lockable.model, point, graph);
      const order = Array.from({ length: point.size }, (_, i) => i);
      if (l1) order.sort((a, b) => l1[a]! - l1[b]! || a - b);
      const neurons = order.slice(0, Math.max(1, Math.floor(point.size * ratio)));
      return { layer: point.layer, kind: point.kind, size: point.size, neurons, alpha: neurons.map(() => 0), beta: neurons.map(() => 0) };
    }),
  };
}

/** Greedy zeroing: one neuron at a time, at each lock point in turn, zero the one that raises accuracy most. */
function greedyZeroing(graph: LockGraph, lockable: LockableModel, searchOn: Dataset, maxQueries: number): { guess: Password | undefined; queries: number; neurons: number } {
  const keys: LockPointKey[] = lockable.lockPoints.map((p) => ({ layer: p.layer, kind: p.kind, size: p.size, neurons: [], alpha: [], beta: [] }));
  const asPassword = (ks: LockPointKey[]): Password | undefined => {
    const lockPoints = ks.filter((k) => k.neurons.length > 0);
    return lockPoints.length > 0 ? { version: 1, lockPoints } : undefined;
  };
  const score = (ks: LockPointKey[]) => accuracyOf(predictWithPassword(graph, searchOn, asPassword(ks)), searchOn.y);
  let best = score(keys);
  let queries = 1;
  outer: for (let p = 0; p < keys.length; p++) {
    const size = keys[p]!.size;
    for (let step = 0; step < Math.floor(size * 0.1) + 1; step++) {
      let stepBest: { acc: number; neuron: number } | undefined;
      for (let n = 0; n < size; n++) {
        if (keys[p]!.neurons.includes(n)) continue;
        if (queries >= maxQueries) break outer;
        const k = keys[p]!;
        const trial = keys.map((x, i) => (i === p ? { ...k, neurons: [...k.neurons, n], alpha: [...k.alpha, 0], beta: [...k.beta, 0] } : x));
        const acc = score(trial);
        queries++;
        if (!stepBest || acc > stepBest.acc) stepBest = { acc, neuron: n };
      }
      if (!stepBest || stepBest.acc <= best) break;
      best = stepBest.acc;
      const k = keys[p]!;
      keys[p] = { ...k, neurons: [...k.neurons, stepBest.neuron], alpha: [...k.alpha, 0], beta: [...k.beta, 0] };
    }
  }
  return { guess: asPassword(keys), queries, neurons: keys.reduce((s, k) => s + k.neurons.length, 0) };
}

/**
 * Audits the released `lockable` (its weights are left as they are: the fine-tune probe trains a copy made by
 * `clone`). `attack` is what the probes train and search on, `score` what they are scored on; both must be samples
 * the lock was not trained on.
 */
export async function auditLock(
  lockable: LockableModel,
  attack: Dataset,
  score: Dataset,
  clone: (m: LockableModel) => Promise<LockableModel>,
  options: AuditOptions = {},
): Promise<AuditReport> {
  const started = globalThis.performance.now();
  const bar = options.bar ?? AUDIT_BAR;
  const steps = options.finetuneSteps ?? 200;
  const ratios = options.pruneRatios ?? AUDIT_PRUNE_RATIOS;
  const greedyQueries = options.greedyQueries ?? 200;
  const greedySamples = Math.min(attack.y.length, options.greedySamples ?? 100);
  if (!(bar > 0 && bar < 1)) throw new InvalidArgumentError(`audit bar must be in (0, 1), got ${bar}`);
  if (!(Number.isInteger(steps) && steps >= 0)) throw new InvalidArgumentError(`audit finetuneSteps must be an integer >= 0, got ${steps}`);
  if (attack.y.length < 1 || score.y.length < 1) throw new InvalidArgumentError('the audit needs samples to attack with and to score on');
  const graph = buildLockGraph(lockable);
  const released = accuracyOf(predictWithPassword(graph, score, undefined), score.y);
  const prune = ratios.map((ratio) => ({ ratio, accuracy: accuracyOf(predictWithPassword(graph, score, pruneLock(lockable, ratio)), score.y) }));
  const searchOn: Dataset = { ...attack, x: attack.x.subarray(0, greedySamples * attack.x.length / attack.y.length), y: attack.y.subarray(0, greedySamples) };
  const g = greedyZeroing(graph, lockable, searchOn, greedyQueries);
  const greedy = { queries: g.queries, neurons: g.neurons, accuracy: accuracyOf(predictWithPassword(graph, score, g.guess), score.y) };

  // Plain fine-tune of a copy: all weights, Adam 1e-3, batches of 32, no password and no re-initialisation.
  const copy = await clone(lockable);
  let finetuneAccuracy: number;
  try {
    const batchesPerEpoch = Math.ceil(attack.y.length / 32);
    const probabilities = outputsProbabilities(copy.model);
    runTrainingLoop(
      {
        variables: trainableVariables(copy.model),
        numSamples: attack.y.length,
        lossFor: (batch) => crossEntropy(copy.model.apply(gatherInputs(attack, batch), { training: true }) as tf.Tensor, gatherLabels(attack, batch), probabilities),
      },
      { epochs: Math.ceil(steps / batchesPerEpoch), batchSize: 32, seed: options.seed ?? 0, optimizer: 'adam', learningRate: 1e-3 },
    );
    finetuneAccuracy = evaluateClassifier(copy.model, score).accuracy;
  } finally {
    copy.model.dispose();
  }
  const worst = Math.max(released, finetuneAccuracy, greedy.accuracy, ...prune.map((r) => r.accuracy));
  return {
    bar,
    attackSamples: attack.y.length,
    scoreSamples: score.y.length,
    released,
    finetune: { steps, accuracy: finetuneAccuracy },
    prune,
    greedy,
    worst,
    passes: worst <= bar,
    seconds: (globalThis.performance.now() - started) / 1000,
  };
}
