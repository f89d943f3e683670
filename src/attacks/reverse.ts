/**
 * Reverse engineering the password from the model and a few hundred labelled samples: the greedy search (one neuron
 * at a time), the evolutionary search (whole passwords), and the key space these searches face.
 */
import type { Dataset } from '../data/types.js';
import { sampleStratified } from '../data/split.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../lock/lock_graph.js';
import { validatePassword, type Password } from '../lock/password.js';
import { createRng } from '../util/rng.js';
import { BROKEN_ABOVE, gainGuesses, valueKind } from './common.js';
import { greedyAttack, type GreedyResult } from './greedy.js';
import { keySpace, log2SumPow2, measureValueTolerance, type KeySpace } from './keyspace.js';
import { evolutionarySearch, type SearchResult } from './search.js';
import { lockRegressionAttack } from './lock_regression.js';
import { scratchYardstick } from './finetune.js';
import { controlCopy } from './tune.js';
import { checkHeldOut, type HeldOutSplit } from '../owner/holdout.js';

export interface ReverseOptions {
  /** The test set's provenance: with it, a test set that is not the split protect held out is refused (`checkHeldOut`). */
  heldOut?: HeldOutSplit;
  /** Labelled samples the attacker holds (drawn from the training set). Default 500. */
  samples?: number;
  /** Greedy search: model evaluations on all the attacker's samples. Default 4,000. */
  greedyQueries?: number;
  /** Evolutionary search: forward passes. Default 100,000. */
  searchBudget?: number;
  /** Lock-value regression from the search's find: passes over the attacker's samples. Default 30; 0 skips it. */
  regressionEpochs?: number;
  /** Range of c of the ±c·m values, for the key space and the search's guesses. Default 2..4. */
  cRange?: [number, number];
  /** Share of the ranking the password's neurons were drawn from (1 for `hardened`, 0.3 for `reference`). Default 1. */
  topFraction?: number;
  brokenAbove?: number;
  /** A stage holds at or below max(brokenAbove, scratch + margin, control + margin). Default 0.01 (one point). */
  margin?: number;
  seed?: number;
  onProgress?: (stage: 'greedy' | 'search' | 'keyspace', detail: string) => void;
}

/** The headline figures of the reverse-engineering attack. */
export interface ReverseSummary {
  /** The best of the searches and of the regression that polishes the search's find, on the test set. */
  accuracy: number;
  /** Greedy model evaluations (each on `attackerSamples` samples). */
  queries: number;
  /** Forward passes (samples through the model) of both searches together. */
  forwardPasses: number;
  /** True authorization neurons in the better search's guess. */
  neuronsFound: number;
  neuronsTotal: number;
  keySpaceBits: number;
  /** If each lock point could be verified alone. */
  onePointAtATimeBits: number;
  /**
   * Key space left given what was measured: the lock points whose key alone lifts accuracy on the attacker's data
   * by more than 5 points over no password are searched one at a time, the rest together.
   */
  effectiveBits: number;
  attackerSamples: number;
  /** The protected model without password, on the test set. */
  unauthorizedAccuracy: number;
}

export interface ReverseResult {
  attack: 'reverse';
  results: ReverseSummary;
  greedy: GreedyResult;
  search: SearchResult;
  /**
   * Lock-value regression started from the search's find (`lockRegressionAttack`): what gradient descent on every
   * neuron's lock adds once a search has found an opening. Absent with `regressionEpochs` 0.
   */
  regression?: { accuracy: number; attackerAccuracy: number; epochs: number };
  keySpace: KeySpace & { perPointAloneAccuracy: { layer: string; accuracy: number; separable: boolean }[] };
  brokenAbove: number;
  /**
   * The yardstick: a fresh model of the same architecture trained on the attacker's same labelled samples. A thief
   * who gets no more than that out of the stolen model has gained nothing from it.
   */
  scratch: { accuracy: number; recipe: string; samples: number };
  /**
   * The same stages run on the control — a fresh model of the architecture, all a thief of a fully sealed bundle
   * holds: what the searches and the regression make of the labels without anything stolen.
   */
  control: { accuracy: number; greedy: number; search: number; regression: number | undefined };
  /** What a stage may reach and still hold: max(brokenAbove, scratch + margin, control + margin). */
  holdsAtOrBelow: number;
  /** The searches and the regression all stay at or below `holdsAtOrBelow` (the key space is reported, not judged). */
  holds: boolean;
}

/**
 * Runs both searches against `lockable` with `samples` labelled training samples, and measures the key space.
 * `password` is the owner's: it scores what the searches found and measures value tolerance and separability;
 * the searches themselves never see it beyond its public shape (lock points and neuron counts).
 *
 * @example
 * ```ts
 * const stolen = await thiefView(owned.lockable, owned.sealedWeights, 0); // what a thief of the bundle holds
 * const result = await reverseAttack(stolen, owned.password!, train, test, { samples: 10 }); // ten labelled samples
 * ```
 */
export async function reverseAttack(lockable: LockableModel, password: Password, train: Dataset, test: Dataset, options: ReverseOptions = {}): Promise<ReverseResult> {
  if (options.heldOut) checkHeldOut(options.heldOut, test.y.length);
  validatePassword(password, lockable.lockPoints);
  const seed = options.seed ?? 0;
  const brokenAbove = options.brokenAbove ?? BROKEN_ABOVE;
  const attacker = sampleStratified(train, Math.min(options.samples ?? 500, train.y.length), seed + 11);
  const graph = buildLockGraph(lockable);
  const progress = options.onProgress ?? (() => undefined);

  // The attacker knows the scheme (Kerckhoffs): against gains the greedy search also guesses gains; offsets are still
  // tried, as they open such models too (docs/PROTECTION.md).
  const guesses = valueKind(password) === 'gain' ? { gains: gainGuesses(password) } : {};
  const regressionEpochs = options.regressionEpochs ?? 30;
  const stages = (model: LockableModel, what: string) => {
    progress('greedy', `${what}: ${attacker.y.length} labelled samples, ${options.greedyQueries ?? 4000} queries`);
    const greedy = greedyAttack(model, password, attacker, test, { maxQueries: options.greedyQueries ?? 4000, ...guesses });
    progress('search', `${what}: ${options.searchBudget ?? 100_000} forward passes`);
    const search = evolutionarySearch(model, password, attacker, test, { budget: options.searchBudget ?? 100_000, seed: seed + 13, ...(options.cRange ? { cRange: options.cRange } : {}) });
    const searchPasses = search.forwardPasses;
    if (regressionEpochs > 0) progress('search', `${what}: lock-value regression from the search's find, ${regressionEpochs} epochs`);
    const polished = regressionEpochs > 0 ? lockRegressionAttack(model, attacker, test, { epochs: regressionEpochs, seed: seed + 19, init: search.found }) : undefined;
    const regression = polished ? { accuracy: polished.accuracy, attackerAccuracy: polished.attackerAccuracy, epochs: regressionEpochs } : undefined;
    const better = search.accuracy > greedy.accuracy ? search : greedy;
    return { greedy, search, searchPasses, regression, better, best: Math.max(better.accuracy, regression?.accuracy ?? 0) };
  };
  const { greedy, search, searchPasses, regression, better, best } = stages(lockable, 'the stolen model');

  progress('keyspace', 'value tolerance and separability');
  const valueTolerance = measureValueTolerance(graph, password, attacker, createRng(seed + 17));
  const space = keySpace(password, { valueTolerance, topFraction: options.topFraction ?? 1, ...(options.cRange ? { cRange: options.cRange } : {}) });
  const unauthorizedAttacker = accuracyOf(predictWithPassword(graph, attacker, undefined), attacker.y);
  const perPointAloneAccuracy = password.lockPoints.map((key) => {
    const accuracy = accuracyOf(predictWithPassword(graph, attacker, { version: 1, lockPoints: [key] }), attacker.y);
    return { layer: key.layer, accuracy, separable: accuracy > unauthorizedAttacker + 0.05 };
  });
  const separable = space.perPoint.filter((_, i) => perPointAloneAccuracy[i]!.separable).map((p) => p.bits);
  const joint = space.perPoint.filter((_, i) => !perPointAloneAccuracy[i]!.separable).reduce((s, p) => s + p.bits, 0);
  const effectiveBits = log2SumPow2(joint > 0 || separable.length === 0 ? [...separable, joint] : separable);

  // The yardsticks: the same three stages on the control (a fresh model of the architecture: all a thief of a fully
  // sealed bundle holds), and plain training of the control on the same labels.
  const control = await controlCopy(lockable, seed);
  const onControl = stages(control, 'the control (a fresh model)');
  control.model.dispose();
  const yardstick = await scratchYardstick(lockable, attacker, test, { seed });
  const margin = options.margin ?? 0.01;
  const holdsAtOrBelow = Math.max(brokenAbove, yardstick.accuracy + margin, onControl.best + margin);
  return {
    attack: 'reverse',
    results: {
      accuracy: best,
      queries: greedy.queries,
      forwardPasses: greedy.forwardPasses + searchPasses,
      neuronsFound: better.neuronsFound,
      neuronsTotal: better.neuronsTotal,
      keySpaceBits: space.keySpaceBits,
      onePointAtATimeBits: space.onePointAtATimeBits,
      effectiveBits,
      attackerSamples: attacker.y.length,
      unauthorizedAccuracy: accuracyOf(predictWithPassword(graph, test, undefined), test.y),
    },
    greedy,
    search,
    ...(regression ? { regression } : {}),
    keySpace: { ...space, perPointAloneAccuracy },
    brokenAbove,
    scratch: { accuracy: yardstick.accuracy, recipe: yardstick.bestRecipe, samples: yardstick.samples },
    control: { accuracy: onControl.best, greedy: onControl.greedy.accuracy, search: onControl.search.accuracy, regression: onControl.regression?.accuracy },
    holdsAtOrBelow,
    holds: best <= holdsAtOrBelow,
  };
}
