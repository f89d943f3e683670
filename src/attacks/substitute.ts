/**
 * The substitute attack: a thief of a partially sealed model fills the sealed layers as best they can, then
 * fine-tunes. Sealed layers are filled by one of three recipes — left as freshly drawn (what {@link thiefView} gives),
 * copied from a substitute the thief trains from scratch on their own labelled share, or copied from a substitute
 * trained on another public dataset of the same input shape — and the whole model is then fine-tuned with every
 * clear-layer recipe (DEFAULT_RECIPES: plain, or re-initialising the output layer or the dense head), the best chosen
 * on the thief's own held-out slice. The adaptive thief also trains the sealed weights jointly with an affine lock on
 * every neuron of every lock point, the clear weights frozen (lock regression with `trainWeights`).
 *
 * Two yardsticks, on the same samples with the same budget: the control, a thief of the same model with every
 * weight sealed (the control's fresh copy, attacked with the very same recipes), and training from scratch (the
 * control's `fresh` recipe alone). A budget holds when attacked <= control + margin and attacked <= scratch + margin.
 */
import type { Dataset } from '../data/types.js';
import { sampleStratified, stratifiedSplit } from '../data/split.js';
import type { LockableModel } from '../models/types.js';
import { cloneLockable } from '../models/serialize.js';
import { evaluateClassifier } from '../train/evaluate.js';
import { InvalidArgumentError, SubstituteMismatchError } from '../util/errors.js';
import { checkHeldOut } from '../owner/holdout.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../lock/lock_graph.js';
import { lockRegressionAttack } from './lock_regression.js';
import { sealedShare } from './thief.js';
import { DEFAULT_RECIPES, controlCopy, layersToReinit, tuneAndScore, type AttackRunOptions, type Recipe, type TuneBudget } from './tune.js';
import { checkPublicData, copySealedWeights, trainSubstitute } from './substitute_weights.js';

/** A thief's label budget: a count of labelled samples, or a share of the training set. */
export type LabelBudget = { labels: number } | { fraction: number };

/** 10, 50 and 100 labels, and 1, 5 and 10% of the training set. */
export const DEFAULT_BUDGETS: readonly LabelBudget[] = [{ labels: 10 }, { labels: 50 }, { labels: 100 }, { fraction: 0.01 }, { fraction: 0.05 }, { fraction: 0.1 }];

/** How the thief fills the sealed layers before fine-tuning. */
export const SEALED_RECIPES = ['fresh', 'own-share', 'public'] as const;
export type SealedRecipe = (typeof SEALED_RECIPES)[number];

/**
 * `recipes` are the clear-layer recipes, tried after every sealed-layer recipe; a budget holds where attacked <=
 * control + margin and <= scratch + margin.
 */
export interface SubstituteOptions extends AttackRunOptions {
  /** Manifest names of the weights that ship sealed (what `openOwnedModel` reports as `sealedWeights`). */
  sealed: readonly string[];
  /**
   * Another public dataset of the model's input shape and class count (Fashion-MNIST for an MNIST model, MNIST for
   * Fashion-MNIST), for the `public` recipe; without it that recipe is not run.
   */
  publicData?: Dataset;
  /** Samples of `publicData` the public substitute trains on. Default 10,000 (all of it when fewer). */
  publicSamples?: number;
  /** Epochs of Adam (0.001) the public substitute trains for. Default 5. */
  publicEpochs?: number;
  /** Label budgets. Default {@link DEFAULT_BUDGETS}. */
  budgets?: readonly LabelBudget[];
  /**
   * The adaptive thief: after each sealed-layer recipe, also train the sealed weights jointly with an affine lock on
   * every neuron of every lock point (`lockRegressionAttack` with `trainWeights`, from no lock; the clear weights
   * frozen), for `epochs` passes of Adam at `learningRate` (default 0.01). On the control every weight is trained so.
   * Default on for a model with lock points; `false` leaves it out.
   */
  adaptive?: boolean | { learningRate?: number };
  /** Called after each run, for progress. */
  onRun?: (run: { budget: LabelBudget; arm: 'attacked' | 'control'; recipe: string; testAccuracy: number }) => void;
}

export interface SubstituteRecipeOutcome {
  sealedRecipe: SealedRecipe;
  recipe: string;
  holdoutAccuracy: number;
  testAccuracy: number;
  diverged: boolean;
  /**
   * The run starts from some clear weight as the thief holds it (false when the recipe re-initialises every clear
   * weight, or nothing ships in the clear): a run without one is open to the thief of the fully sealed model too.
   */
  usesClearWeights: boolean;
}

export interface SubstituteArm {
  /** `<sealed recipe>/<clear recipe>` with the best held-out accuracy (ties: the earlier). */
  bestRecipe: string;
  /** Test accuracy of that run. */
  accuracy: number;
  /** Whether that run kept some clear weight (see {@link SubstituteRecipeOutcome.usesClearWeights}). */
  usesClearWeights: boolean;
  recipes: SubstituteRecipeOutcome[];
}

export interface SubstituteRow {
  budget: LabelBudget;
  /** Labelled samples the thief holds (fit on all but the held-out slice). */
  samples: number;
  trainSamples: number;
  holdoutSamples: number;
  /** The thief's view of the model, sealed layers filled by each recipe, then fine-tuned; best on the hold-out. */
  attacked: SubstituteArm;
  /** The same model with every weight sealed, attacked with the same recipes. */
  control: SubstituteArm;
  /** Training from scratch: the control's `fresh` recipe alone, best on the hold-out. */
  scratchAccuracy: number;
  scratchBestRecipe: string;
  /** attacked <= control + margin and attacked <= scratch + margin. */
  holds: boolean;
}

export interface SubstituteResult {
  attack: 'substitute';
  selection: 'attacker-holdout';
  /** Sealed weights, and their share of the weights' bytes. */
  sealed: { weights: number; share: number };
  /** Sealed-layer recipes run (`own-share` and `public` need a sealed weight; `public` needs `publicData`). */
  sealedRecipes: SealedRecipe[];
  /** The adaptive thief's step, when it ran (its runs are named {@link ADAPTIVE_RECIPE} after each sealed-layer recipe). */
  adaptive?: { learningRate: number };
  /** The public substitute: its dataset, samples and epochs. */
  public?: { dataset: string; samples: number; epochs: number };
  holdoutShare: number;
  epochs: number;
  batchSize: number;
  margin: number;
  /** The thief's view without password, before any attack. */
  unattackedAccuracy: number;
  results: SubstituteRow[];
  /** Every budget holds. */
  holds: boolean;
}

// --- internals ---

const budgetLabel = (b: LabelBudget) => ('labels' in b ? `${b.labels} labels` : `${b.fraction * 100}%`);

function checkBudget(b: LabelBudget, n: number): number {
  const k = 'labels' in b ? b.labels : Math.max(1, Math.round(b.fraction * n));
  if ('fraction' in b && !(b.fraction > 0 && b.fraction <= 1)) throw new InvalidArgumentError(`budget fraction must be in (0, 1], got ${b.fraction}`);
  if (!(Number.isInteger(k) && k >= 2 && k <= n)) throw new InvalidArgumentError(`budget ${budgetLabel(b)} of ${n} samples must leave between 2 and ${n} to attack with`);
  return k;
}

interface View {
  sealedRecipe: SealedRecipe;
  start: () => Promise<LockableModel>;
  /** The weights the adaptive run trains with the lock: the sealed ones (every weight on the control). */
  unknown: readonly string[];
}

/** Whether a run of `recipe` on a model whose `unknown` weights are not the thief's keeps some clear weight. */
function keepsClearWeights(model: LockableModel, unknown: readonly string[], recipe: Recipe | 'adaptive'): boolean {
  const hidden = new Set(unknown);
  if (recipe !== 'adaptive' && recipe.reinit) for (const layer of layersToReinit(model, recipe.reinit)) for (const w of layer.weights) hidden.add(w.originalName);
  return model.model.weights.some((w) => !hidden.has(w.originalName));
}

/** The name of the adaptive run among the clear-layer recipes. */
export const ADAPTIVE_RECIPE = 'adaptive-lock+adam';

/** One adaptive run: the unknown weights and a lock on every neuron fitted together; scored with the fitted lock. */
function adaptiveRun(model: LockableModel, unknown: readonly string[], data: { fit: Dataset; holdout: Dataset; test: Dataset }, budget: TuneBudget, learningRate: number) {
  const fitted = lockRegressionAttack(model, data.fit, data.test, { epochs: budget.epochs, batchSize: budget.batchSize ?? 32, learningRate, trainWeights: unknown, seed: budget.seed ?? 0 });
  const holdoutAccuracy = accuracyOf(predictWithPassword(buildLockGraph(model), data.holdout, fitted.found), data.holdout.y);
  const diverged = !Number.isFinite(holdoutAccuracy) || fitted.found.lockPoints.some((k) => k.alpha.some((v) => !Number.isFinite(v)));
  return { holdoutAccuracy: diverged ? 0 : holdoutAccuracy, testAccuracy: fitted.accuracy, diverged };
}

/** Every view × every recipe; returns the arm and, when asked, the best run's model (the caller disposes it). */
async function runViews(
  views: readonly View[],
  recipes: readonly Recipe[],
  data: { fit: Dataset; holdout: Dataset; test: Dataset },
  budget: TuneBudget,
  report: (recipe: string, testAccuracy: number) => void,
  keepBest: boolean,
  adaptive?: { learningRate: number },
): Promise<{ arm: SubstituteArm; best?: LockableModel }> {
  const outcomes: SubstituteRecipeOutcome[] = [];
  let best: { outcome: SubstituteRecipeOutcome; model?: LockableModel } | undefined;
  for (const view of views) {
    const runs: (Recipe | 'adaptive')[] = adaptive ? [...recipes, 'adaptive'] : [...recipes];
    for (const recipe of runs) {
      const model = await view.start();
      const scored =
        recipe === 'adaptive'
          ? adaptiveRun(model, view.unknown, data, budget, adaptive!.learningRate)
          : tuneAndScore(model, data.fit, data.holdout, data.test, recipe, budget);
      const name = recipe === 'adaptive' ? ADAPTIVE_RECIPE : recipe.name;
      const outcome = { sealedRecipe: view.sealedRecipe, recipe: name, ...scored, usesClearWeights: keepsClearWeights(model, view.unknown, recipe) };
      outcomes.push(outcome);
      report(`${view.sealedRecipe}/${name}`, scored.testAccuracy);
      if (best === undefined || outcome.holdoutAccuracy > best.outcome.holdoutAccuracy) {
        best?.model?.model.dispose();
        best = { outcome, ...(keepBest ? { model } : {}) };
        if (!keepBest) model.model.dispose();
      } else {
        model.model.dispose();
      }
    }
  }
  const b = best!.outcome;
  return { arm: { bestRecipe: `${b.sealedRecipe}/${b.recipe}`, accuracy: b.testAccuracy, usesClearWeights: b.usesClearWeights, recipes: outcomes }, ...(best!.model ? { best: best!.model } : {}) };
}

function bestOf(outcomes: readonly SubstituteRecipeOutcome[]): SubstituteRecipeOutcome {
  return outcomes.reduce((a, b) => (b.holdoutAccuracy > a.holdoutAccuracy ? b : a));
}

// --- public ---

/**
 * Attacks the thief's view `stolen` of a partially sealed model (sealed weights freshly drawn, as {@link thiefView}
 * gives) at every label budget: sealed layers filled by each sealed-layer recipe, then every clear-layer recipe,
 * against the all-sealed control and training from scratch. Nothing passed in is modified.
 *
 * @example
 * ```ts
 * const stolen = await thiefView(owned.lockable, owned.sealedWeights, 0);
 * const result = await substituteAttack(stolen, train, test, { sealed: owned.sealedWeights, publicData: fashion });
 * result.holds; // false when some budget beats the all-sealed control or training from scratch by more than a point
 * ```
 */
export async function substituteAttack(stolen: LockableModel, train: Dataset, test: Dataset, options: SubstituteOptions): Promise<SubstituteResult> {
  if (options.heldOut) checkHeldOut(options.heldOut, test.y.length);
  const budgets = options.budgets ?? DEFAULT_BUDGETS;
  const recipes = options.recipes ?? DEFAULT_RECIPES;
  const holdoutShare = options.holdoutShare ?? 0.2;
  const margin = options.margin ?? 0.01;
  const seed = options.seed ?? 0;
  const budget = { epochs: options.epochs ?? 30, batchSize: options.batchSize ?? 32, seed };
  if (recipes.length === 0) throw new InvalidArgumentError('substituteAttack needs at least one recipe');
  if (budgets.length === 0) throw new InvalidArgumentError('substituteAttack needs at least one budget');
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new InvalidArgumentError(`holdoutShare must be in (0, 1), got ${holdoutShare}`);
  const counts = budgets.map((b) => checkBudget(b, train.y.length));
  const names = new Set(stolen.model.weights.map((w) => w.originalName));
  for (const name of options.sealed) if (!names.has(name)) throw new SubstituteMismatchError(`sealed weight ${name} is not in the model`);
  if (options.publicData) checkPublicData(stolen, options.publicData);

  // The public substitute is trained once: the public data does not depend on the budget.
  const publicSamples = options.publicData ? Math.min(options.publicSamples ?? 10_000, options.publicData.y.length) : 0;
  const publicEpochs = options.publicEpochs ?? 5;
  // With nothing sealed there is nothing to fill: the public substitute is not trained.
  const publicModel = options.publicData && options.sealed.length > 0
    ? await trainSubstitute(stolen, publicSamples === options.publicData.y.length ? options.publicData : sampleStratified(options.publicData, publicSamples, seed + 5), { epochs: publicEpochs, batchSize: budget.batchSize, seed })
    : undefined;
  const sealedRecipes: SealedRecipe[] = options.sealed.length === 0 ? ['fresh'] : publicModel ? ['fresh', 'own-share', 'public'] : ['fresh', 'own-share'];
  const all = stolen.model.weights.map((w) => w.originalName);
  const adaptive = options.adaptive !== false && stolen.lockPoints.length > 0 ? { learningRate: (typeof options.adaptive === 'object' ? options.adaptive.learningRate : undefined) ?? 0.01 } : undefined;
  const filled = (base: () => Promise<LockableModel>, from: LockableModel, sealed: readonly string[]) => async () => {
    const model = await base();
    copySealedWeights(model, from, sealed);
    return model;
  };

  const results: SubstituteRow[] = [];
  try {
    for (const [i, labelBudget] of budgets.entries()) {
      const thief = sampleStratified(train, counts[i]!, seed + 1);
      const { train: fit, test: holdout } = stratifiedSplit(thief, { testFraction: holdoutShare, seed: seed + 2 });
      const data = { fit, holdout, test };
      const report = (arm: 'attacked' | 'control') => (recipe: string, testAccuracy: number) => options.onRun?.({ budget: labelBudget, arm, recipe, testAccuracy });
      // The control's fresh recipe is training from scratch; its best model is also the thief's own-share substitute.
      const freshControl: View = { sealedRecipe: 'fresh', start: () => controlCopy(stolen, seed), unknown: all };
      const scratch = await runViews([freshControl], recipes, data, budget, report('control'), true);
      const ownShare = scratch.best!;
      try {
        const controlViews: View[] = [];
        const attackedViews: View[] = [{ sealedRecipe: 'fresh', start: () => cloneLockable(stolen), unknown: options.sealed }];
        if (sealedRecipes.includes('own-share')) {
          controlViews.push({ sealedRecipe: 'own-share', start: () => cloneLockable(ownShare), unknown: all });
          attackedViews.push({ sealedRecipe: 'own-share', start: filled(() => cloneLockable(stolen), ownShare, options.sealed), unknown: options.sealed });
        }
        if (publicModel) {
          controlViews.push({ sealedRecipe: 'public', start: () => cloneLockable(publicModel), unknown: all });
          attackedViews.push({ sealedRecipe: 'public', start: filled(() => cloneLockable(stolen), publicModel, options.sealed), unknown: options.sealed });
        }
        // The adaptive thief of the fully sealed model: every weight and the lock fitted together.
        const freshAdaptive = adaptive ? (await runViews([freshControl], [], data, budget, report('control'), false, adaptive)).arm.recipes : [];
        const more = controlViews.length > 0 ? (await runViews(controlViews, recipes, data, budget, report('control'), false, adaptive)).arm.recipes : [];
        const controlOutcomes = [...scratch.arm.recipes, ...freshAdaptive, ...more];
        const c = bestOf(controlOutcomes);
        const control: SubstituteArm = { bestRecipe: `${c.sealedRecipe}/${c.recipe}`, accuracy: c.testAccuracy, usesClearWeights: false, recipes: controlOutcomes };
        const { arm: attacked } = await runViews(attackedViews, recipes, data, budget, report('attacked'), false, adaptive);
        results.push({
          budget: labelBudget,
          samples: thief.y.length,
          trainSamples: fit.y.length,
          holdoutSamples: holdout.y.length,
          attacked,
          control,
          scratchAccuracy: scratch.arm.accuracy,
          scratchBestRecipe: scratch.arm.bestRecipe,
          holds: attacked.accuracy <= control.accuracy + margin && attacked.accuracy <= scratch.arm.accuracy + margin,
        });
      } finally {
        ownShare.model.dispose();
      }
    }
  } finally {
    publicModel?.model.dispose();
  }
  return {
    attack: 'substitute',
    selection: 'attacker-holdout',
    sealed: { weights: options.sealed.length, share: sealedShare(stolen, options.sealed) },
    sealedRecipes,
    ...(adaptive ? { adaptive } : {}),
    ...(options.publicData ? { public: { dataset: options.publicData.name, samples: publicSamples, epochs: publicEpochs } } : {}),
    holdoutShare,
    epochs: budget.epochs,
    batchSize: budget.batchSize,
    margin,
    unattackedAccuracy: evaluateClassifier(stolen.model, test).accuracy,
    results,
    holds: results.every((r) => r.holds),
  };
}
