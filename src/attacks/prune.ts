/**
 * Magnitude pruning as an attack: an attacker without the password zeroes the lock points' weakest neurons (smallest
 * L1 norm of outgoing weights), hoping to hit the authorization neurons, and may then fine-tune the pruned model on a
 * little data with the pruned neurons kept at zero. Against the reference lock (alpha = 0) zeroing *is* unlocking, so
 * pruning can restore accuracy; against a hardened lock it must not.
 */
import type { Dataset } from '../data/types.js';
import { sampleStratified } from '../data/split.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../lock/lock_graph.js';
import { describeGraph } from '../lock/next_linear.js';
import type { Password } from '../lock/password.js';
import { cloneLockable } from '../models/serialize.js';
import { evaluateClassifier } from '../train/evaluate.js';
import { InvalidArgumentError } from '../util/errors.js';
import { BROKEN_ABOVE, outgoingWeightL1 } from './common.js';
import { tune, type Recipe } from './tune.js';
import { checkHeldOut, type HeldOutSplit } from '../owner/holdout.js';

export interface PruneResult {
  ratio: number;
  accuracy: number;
}

export interface PruneRow extends PruneResult {
  /** After a short fine-tune on the attacker's samples, the pruned neurons held at zero. */
  accuracyAfterFinetune: number;
  /** Both accuracies stay at or below `brokenAbove`, and fine-tuning the pruned model does not beat fine-tuning alone. */
  holds: boolean;
}

export interface PruneAttackResult {
  attack: 'prune';
  /** Samples of the training set the attacker fine-tunes on. */
  finetuneSamples: number;
  finetuneEpochs: number;
  recipe: string;
  /** The protected model without password, unpruned. */
  unattackedAccuracy: number;
  /** The same short fine-tune without pruning: what pruning must not improve on. */
  finetuneWithoutPruning: number;
  brokenAbove: number;
  results: PruneRow[];
  holds: boolean;
}

export interface PruneAttackOptions {
  /** Default 0.1, 0.2, ..., 0.9. */
  ratios?: readonly number[];
  /** Share of the training set used for the short fine-tune; default 0.01. */
  finetuneFraction?: number;
  /** Default 10. */
  finetuneEpochs?: number;
  /** Default Adam 0.001. */
  recipe?: Recipe;
  /** Accuracy above which the model counts as unlocked; default 0.2 (10 classes: twice chance). */
  brokenAbove?: number;
  seed?: number;
  /** The test set's provenance: with it, a test set that is not the split protect held out is refused (`checkHeldOut`). */
  heldOut?: HeldOutSplit;
  onRatio?: (row: PruneRow) => void;
}

export const DEFAULT_PRUNE_RATIOS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** The "password" an attacker applies by pruning `ratio` of each lock point's neurons. */
export function pruningLock(lockable: LockableModel, ratio: number): Password {
  if (!(ratio > 0 && ratio <= 1)) throw new InvalidArgumentError(`pruning ratio must be in (0, 1], got ${ratio}`);
  const graph = describeGraph(lockable.model);
  return {
    version: 1,
    lockPoints: lockable.lockPoints.map((point) => {
      const l1 = outgoingWeightL1(lockable.model, point, graph);
      const order = Array.from({ length: point.size }, (_, i) => i);
      // Without a linear consumer the criterion is undefined; fall back to index order (deterministic).
      if (l1) order.sort((a, b) => l1[a]! - l1[b]! || a - b);
      const neurons = order.slice(0, Math.max(1, Math.floor(point.size * ratio)));
      return { layer: point.layer, kind: point.kind, size: point.size, neurons, alpha: neurons.map(() => 0), beta: neurons.map(() => 0) };
    }),
  };
}

/** Accuracy of the protected model, without its password, after pruning each ratio of each lock point's neurons. */
export function pruningAttack(lockable: LockableModel, test: Dataset, ratios: readonly number[] = [0.1, 0.3, 0.5, 0.7, 0.9]): PruneResult[] {
  const graph = buildLockGraph(lockable);
  return ratios.map((ratio) => ({ ratio, accuracy: accuracyOf(predictWithPassword(graph, test, pruningLock(lockable, ratio)), test.y) }));
}

/**
 * The full pruning attack: each ratio, then a short fine-tune of the pruned copy on a small share of `train` (the
 * pruned neurons held at zero by the lock graph), next to the same fine-tune without pruning. `lockable` is untouched.
 *
 * @example
 * ```ts
 * const { results } = await pruneAttack(protectedModel, train, test, { ratios: [0.3, 0.7] });
 * ```
 */
export async function pruneAttack(lockable: LockableModel, train: Dataset, test: Dataset, options: PruneAttackOptions = {}): Promise<PruneAttackResult> {
  if (options.heldOut) checkHeldOut(options.heldOut, test.y.length);
  const ratios = options.ratios ?? DEFAULT_PRUNE_RATIOS;
  const seed = options.seed ?? 0;
  const brokenAbove = options.brokenAbove ?? BROKEN_ABOVE;
  const recipe = options.recipe ?? { name: 'adam-0.001', optimizer: 'adam', learningRate: 0.001 };
  const budget = { epochs: options.finetuneEpochs ?? 10, batchSize: 32, seed };
  const attacker = sampleStratified(train, { fraction: options.finetuneFraction ?? 0.01 }, seed + 1);
  const tuned = async (lock?: Password): Promise<number> => {
    const copy = await cloneLockable(lockable);
    try {
      tune(copy, attacker, recipe, budget, lock);
      if (lock === undefined) return evaluateClassifier(copy.model, test).accuracy;
      return accuracyOf(predictWithPassword(buildLockGraph(copy), test, lock), test.y);
    } finally {
      copy.model.dispose();
    }
  };
  const finetuneWithoutPruning = await tuned();
  const plain = pruningAttack(lockable, test, ratios);
  const results: PruneRow[] = [];
  for (const { ratio, accuracy } of plain) {
    const accuracyAfterFinetune = await tuned(pruningLock(lockable, ratio));
    const row = { ratio, accuracy, accuracyAfterFinetune, holds: accuracy <= brokenAbove && accuracyAfterFinetune <= Math.max(brokenAbove, finetuneWithoutPruning + 0.01) };
    results.push(row);
    options.onRatio?.(row);
  }
  return {
    attack: 'prune',
    finetuneSamples: attacker.y.length,
    finetuneEpochs: budget.epochs,
    recipe: recipe.name,
    unattackedAccuracy: evaluateClassifier(lockable.model, test).accuracy,
    finetuneWithoutPruning,
    brokenAbove,
    results,
    holds: results.every((r) => r.holds),
  };
}
