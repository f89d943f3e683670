/**
 * The protection report: what the owner and the auditor need to know about one protected model.
 * Every figure is measured on a test set, with the lock graph (the model plus per-sample lock inputs), so the
 * same code evaluates the right password, no password, and any wrong one.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/types.js';
import { sampleStratified } from '../data/split.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../lock/lock_graph.js';
import { passwordSummary, type Password } from '../lock/password.js';
import { nearMissPassword, randomPasswordLike } from '../lock/generate.js';
import { evaluateClassifier } from '../train/evaluate.js';
import { createRng } from '../util/rng.js';
import { checkHeldOut, type HeldOutSplit } from '../owner/holdout.js';

export interface Spread {
  mean: number;
  max: number;
}

export interface ProtectionReport {
  dataset: string;
  model: string;
  testSamples: number;
  /** The unprotected model's accuracy, when one was given. */
  baselineAccuracy?: number;
  /** With the password. */
  authorizedAccuracy: number;
  /** Without any password. */
  unauthorizedAccuracy: number;
  /** Share of test samples that the model without password assigns to its most-predicted class (1 = collapsed). */
  unauthorizedTopClassShare: number;
  /** Random passwords of the same shape (same lock points and neuron counts, random neurons and values). */
  wrongPasswordAccuracy: Spread;
  /** The right neurons with one neuron per lock point swapped for a wrong one, values kept. */
  nearMissAccuracy: Spread;
  password: { lockPoints: number; neurons: number };
  trials: number;
  trialSamples: number;
}

export interface ReportOptions {
  /** The unprotected model, for `baselineAccuracy`. */
  baseline?: LayersModel;
  /** Wrong and near-miss passwords tried; default 100. */
  trials?: number;
  /** Test samples each wrong or near-miss password is scored on; default 500 (all test samples if fewer). */
  trialSamples?: number;
  seed?: number;
  datasetName?: string;
  /** The test set's provenance: with it, a test set that is not the split protect held out is refused (`checkHeldOut`). */
  heldOut?: HeldOutSplit;
  /** Called after each trial, for progress bars. */
  onProgress?: (done: number, total: number) => void;
}

function topClassShare(predicted: Int32Array): number {
  const counts = new Map<number, number>();
  for (const p of predicted) counts.set(p, (counts.get(p) ?? 0) + 1);
  return predicted.length === 0 ? Number.NaN : Math.max(...counts.values()) / predicted.length;
}

function spread(values: number[]): Spread {
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, max: Math.max(...values) };
}

/**
 * Measures a protected model: baseline, authorized, unauthorized (and how collapsed it is), wrong passwords and
 * near misses.
 *
 * @example
 * ```ts
 * const report = protectionReport(locked, password, test, { baseline: baseline.model });
 * console.log(report.authorizedAccuracy, report.unauthorizedAccuracy, report.wrongPasswordAccuracy.max);
 * ```
 */
export function protectionReport(lockable: LockableModel, password: Password, test: Dataset, options: ReportOptions = {}): ProtectionReport {
  if (options.heldOut) checkHeldOut(options.heldOut, test.y.length);
  const trials = options.trials ?? 100;
  const rng = createRng(options.seed ?? 0);
  const graph = buildLockGraph(lockable);
  const trialSamples = options.trialSamples ?? 500;
  const trialSet = test.y.length > trialSamples ? sampleStratified(test, trialSamples, options.seed ?? 0) : test;
  const authorized = accuracyOf(predictWithPassword(graph, test, password), test.y);
  const unauthorizedPredictions = predictWithPassword(graph, test, undefined);
  const wrong: number[] = [];
  const near: number[] = [];
  for (let t = 0; t < trials; t++) {
    wrong.push(accuracyOf(predictWithPassword(graph, trialSet, randomPasswordLike(password, rng)), trialSet.y));
    near.push(accuracyOf(predictWithPassword(graph, trialSet, nearMissPassword(password, rng)), trialSet.y));
    options.onProgress?.(t + 1, trials);
  }
  return {
    dataset: options.datasetName ?? test.name,
    model: lockable.architecture,
    testSamples: test.y.length,
    ...(options.baseline ? { baselineAccuracy: evaluateClassifier(options.baseline, test).accuracy } : {}),
    authorizedAccuracy: authorized,
    unauthorizedAccuracy: accuracyOf(unauthorizedPredictions, test.y),
    unauthorizedTopClassShare: topClassShare(unauthorizedPredictions),
    wrongPasswordAccuracy: trials > 0 ? spread(wrong) : { mean: Number.NaN, max: Number.NaN },
    nearMissAccuracy: trials > 0 ? spread(near) : { mean: Number.NaN, max: Number.NaN },
    password: passwordSummary(password),
    trials,
    trialSamples: trialSet.y.length,
  };
}
