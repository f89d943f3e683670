/**
 * The fine-tuning attack: an attacker holding the protected weights and a fraction of the labelled training data
 * trains all the weights, without the password. The protection is worth something only if that does not beat
 * training a fresh model of the same architecture on the same data with the same budget.
 */
import type { Dataset } from '../data/types.js';
import { sampleStratified, stratifiedSplit } from '../data/split.js';
import type { LockableModel } from '../models/types.js';
import { rankNeurons } from '../lock/rank.js';
import { cloneLockable } from '../models/serialize.js';
import { evaluateClassifier } from '../train/evaluate.js';
import { InvalidArgumentError } from '../util/errors.js';
import { DEFAULT_RECIPES, controlCopy, tuneAndScore, type AttackRunOptions, type Recipe, type TuneBudget } from './tune.js';
import { checkHeldOut } from '../owner/holdout.js';

/** The yardstick is training from scratch (a fresh model, the same recipes): a row holds where attacked <= scratch + margin. */
export interface FineTuneOptions extends AttackRunOptions {
  /** Shares of the training set the attacker holds. Default 0.01, 0.05, 0.1. */
  fractions?: readonly number[];
  /** Called after each run, for progress. */
  onRun?: (run: { fraction: number; arm: Arm; recipe: string; testAccuracy: number }) => void;
}

export type Arm = 'attacked' | 'scratch' | 'unprotected';

export interface RecipeOutcome {
  recipe: string;
  /** Accuracy on the attacker's held-out slice: what the recipe is chosen by. */
  holdoutAccuracy: number;
  testAccuracy: number;
  diverged: boolean;
}

export interface ArmOutcome {
  /** The recipe with the best held-out accuracy (ties: the earlier recipe). */
  bestRecipe: string;
  /** Test accuracy of that recipe's model. */
  accuracy: number;
  recipes: RecipeOutcome[];
}

export interface FineTuneRow {
  fraction: number;
  /** Labelled samples the attacker holds (trained on: all but the held-out slice). */
  samples: number;
  trainSamples: number;
  holdoutSamples: number;
  /** The protected model fine-tuned without the password, best recipe. */
  attackedAccuracy: number;
  bestRecipe: string;
  /** The control — a fresh model of the same architecture — trained with the same recipes, samples and budget, best recipe. */
  scratchAccuracy: number;
  scratchBestRecipe: string;
  /** The unprotected model fine-tuned the same way (absent without a baseline). */
  unprotectedFinetuneAccuracy?: number;
  unprotectedBestRecipe?: string;
  /** attacked <= scratch + margin. */
  holds: boolean;
  arms: Partial<Record<Arm, ArmOutcome>>;
}

export interface FineTuneResult {
  attack: 'finetune';
  /**
   * How each arm's recipe is chosen: by accuracy on a held-out slice of the attacker's own samples (never by test
   * accuracy); the accuracies reported are test accuracies of the chosen recipe. Every recipe's figures are in `arms`.
   */
  selection: 'attacker-holdout';
  holdoutShare: number;
  epochs: number;
  batchSize: number;
  margin: number;
  /** The protected model's accuracy without password, before any attack. */
  unattackedAccuracy: number;
  /**
   * Per lock point, the share of neurons that never fire (activation 0 on every one of up to 200 attacker samples)
   * in the protected model without password: dead ReLUs pass no gradient, which is why plain fine-tuning can stall
   * and re-initialising the head can help.
   */
  deadNeurons: { layer: string; share: number }[];
  results: FineTuneRow[];
  /** Every fraction holds. */
  holds: boolean;
}

// --- internals ---

async function runArm(
  start: () => Promise<LockableModel>,
  recipes: readonly Recipe[],
  fit: Dataset,
  holdout: Dataset,
  test: Dataset,
  budget: TuneBudget,
  report: (recipe: string, testAccuracy: number) => void,
): Promise<ArmOutcome> {
  const outcomes: RecipeOutcome[] = [];
  for (const recipe of recipes) {
    const model = await start();
    try {
      const scored = tuneAndScore(model, fit, holdout, test, recipe, budget);
      outcomes.push({ recipe: recipe.name, ...scored });
      report(recipe.name, scored.testAccuracy);
    } finally {
      model.model.dispose();
    }
  }
  const best = outcomes.reduce((a, b) => (b.holdoutAccuracy > a.holdoutAccuracy ? b : a));
  return { bestRecipe: best.recipe, accuracy: best.testAccuracy, recipes: outcomes };
}

/**
 * What the labels alone are worth: the control (a fresh model of `architecture`) trained on `samples` with every
 * recipe (fit on all but a held-out slice, the recipe chosen on that slice), scored on `test`.
 */
export async function scratchYardstick(
  architecture: LockableModel,
  samples: Dataset,
  test: Dataset,
  options: { recipes?: readonly Recipe[]; epochs?: number; batchSize?: number; holdoutShare?: number; seed?: number } = {},
): Promise<ArmOutcome & { samples: number }> {
  const seed = options.seed ?? 0;
  const recipes = options.recipes ?? DEFAULT_RECIPES;
  const { train: fit, test: holdout } = stratifiedSplit(samples, { testFraction: options.holdoutShare ?? 0.2, seed: seed + 2 });
  const budget = { epochs: options.epochs ?? 30, batchSize: options.batchSize ?? 32, seed };
  const arm = await runArm(() => controlCopy(architecture, seed), recipes, fit, holdout, test, budget, () => undefined);
  return { ...arm, samples: samples.y.length };
}

// --- public ---

/**
 * Fine-tunes `protectedModel` (no password) with each recipe on each fraction of `train`, next to a fresh model of
 * the same architecture and, when given, the unprotected `baseline`, all on the same samples with the same budget.
 * Nothing passed in is modified: every run trains its own copy.
 *
 * @example
 * ```ts
 * const result = await fineTuneAttack(protectedModel, train, test, { baseline, fractions: [0.05] });
 * result.results[0].holds; // false when fine-tuning beats training from scratch by more than a point
 * ```
 */
export async function fineTuneAttack(
  protectedModel: LockableModel,
  train: Dataset,
  test: Dataset,
  options: FineTuneOptions & { baseline?: LockableModel } = {},
): Promise<FineTuneResult> {
  if (options.heldOut) checkHeldOut(options.heldOut, test.y.length);
  const fractions = options.fractions ?? [0.01, 0.05, 0.1];
  const recipes = options.recipes ?? DEFAULT_RECIPES;
  const holdoutShare = options.holdoutShare ?? 0.2;
  const margin = options.margin ?? 0.01;
  const seed = options.seed ?? 0;
  const budget = { epochs: options.epochs ?? 30, batchSize: options.batchSize ?? 32, seed };
  if (recipes.length === 0) throw new InvalidArgumentError('fineTuneAttack needs at least one recipe');
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new InvalidArgumentError(`holdoutShare must be in (0, 1), got ${holdoutShare}`);
  const results: FineTuneRow[] = [];
  for (const fraction of fractions) {
    const attacker = sampleStratified(train, { fraction }, seed + 1);
    if (attacker.y.length < 2) throw new InvalidArgumentError(`fraction ${fraction} of ${train.y.length} samples leaves fewer than 2 to attack with`);
    const { train: fit, test: holdout } = stratifiedSplit(attacker, { testFraction: holdoutShare, seed: seed + 2 });
    const report = (arm: Arm) => (recipe: string, testAccuracy: number) => options.onRun?.({ fraction, arm, recipe, testAccuracy });
    const attacked = await runArm(() => cloneLockable(protectedModel), recipes, fit, holdout, test, budget, report('attacked'));
    // The control runs the very same recipes: a thief who gets no more from the stolen model than from a fresh one
    // gained nothing from it.
    const scratch = await runArm(() => controlCopy(protectedModel, seed), recipes, fit, holdout, test, budget, report('scratch'));
    const baseline = options.baseline;
    const unprotected = baseline ? await runArm(() => cloneLockable(baseline), recipes, fit, holdout, test, budget, report('unprotected')) : undefined;
    results.push({
      fraction,
      samples: attacker.y.length,
      trainSamples: fit.y.length,
      holdoutSamples: holdout.y.length,
      attackedAccuracy: attacked.accuracy,
      bestRecipe: attacked.bestRecipe,
      scratchAccuracy: scratch.accuracy,
      scratchBestRecipe: scratch.bestRecipe,
      ...(unprotected ? { unprotectedFinetuneAccuracy: unprotected.accuracy, unprotectedBestRecipe: unprotected.bestRecipe } : {}),
      holds: attacked.accuracy <= scratch.accuracy + margin,
      arms: { attacked, scratch, ...(unprotected ? { unprotected } : {}) },
    });
  }
  return {
    attack: 'finetune',
    selection: 'attacker-holdout',
    holdoutShare,
    epochs: budget.epochs,
    batchSize: budget.batchSize,
    margin,
    unattackedAccuracy: evaluateClassifier(protectedModel.model, test).accuracy,
    deadNeurons: rankNeurons(protectedModel, sampleStratified(train, Math.min(200, train.y.length), seed + 1)).map((r) => ({
      layer: r.layer,
      share: r.meanActivation.filter((m) => m === 0).length / r.size,
    })),
    results,
    holds: results.every((r) => r.holds),
  };
}
