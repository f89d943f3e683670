/**
 * The substitute attack: a thief of a partially sealed model fills the sealed layers as best they can, then
 * fine-tunes. Sealed layers are filled by one of three recipes — left as freshly drawn (what {@link thiefView} gives),
 * copied from a substitute the thief trains from scratch on their own labelled share, or copied from a substitute
 * trained on another public dataset of the same input shape — and the whole model is then fine-tuned with every
 * clear-layer recipe (DEFAULT_RECIPES: plain, or re-initialising the output layer or the dense head), the best chosen
 * on the thief's own held-out slice. The adaptive thief also trains the sealed weights jointly with an affine lock on
 * every neuron of every lock point, the clear weights frozen (lock regression with `trainWeights`), from no lock and,
 * given the scheme's shape, from what the whole-password search finds on top of the thief's substitute layers.
 *
 * The yardstick is the control: the same architecture with every weight sealed, attacked with the very same recipes,
 * which is the best a thief gets from none of the model's weights. It does not depend on the model's weights or on
 * what is sealed, so one control ({@link substituteControl}) serves every sealed set and every password draw.
 * Training from scratch (the control's `fresh` recipes) is reported beside it.
 */
import type { Dataset } from '../data/types.js';
import { sampleStratified, stratifiedSplit } from '../data/split.js';
import type { LockableModel } from '../models/types.js';
import type { Password } from '../lock/password.js';
import { cloneLockable } from '../models/serialize.js';
import { evaluateClassifier } from '../train/evaluate.js';
import { InvalidArgumentError, SubstituteMismatchError } from '../util/errors.js';
import { checkHeldOut } from '../owner/holdout.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../lock/lock_graph.js';
import { lockRegressionAttack } from './lock_regression.js';
import { evolutionarySearch } from './search.js';
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

/** The name of the adaptive run (sealed weights and a lock on every neuron fitted together, from no lock). */
export const ADAPTIVE_RECIPE = 'adaptive-lock+adam';
/** The whole-password search run on the filled model, scored with its find. */
export const SEARCH_RECIPE = 'search';
/** The adaptive run started from the search's find. */
export const ADAPTIVE_FROM_SEARCH_RECIPE = 'search+adaptive-lock+adam';

/** What the control and the attacked model share: the thief, their samples and every recipe. */
export interface SubstituteControlOptions extends AttackRunOptions {
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
  /**
   * The whole-password search on top of the thief's substitute layers (`evolutionarySearch`, `budget` forward
   * passes, default 100,000), scored with its find, then the adaptive run started from that find. `shape` is the
   * scheme's public configuration (the lock points and how many neurons each locks); only its shape is read — a
   * thief who knows the scheme knows it. Without it the search runs are left out. Needs the adaptive thief.
   */
  search?: { shape: Password; budget?: number };
  /** Called after each run, for progress. */
  onRun?: (run: { budget: LabelBudget; arm: 'attacked' | 'control'; recipe: string; testAccuracy: number }) => void;
}

/** The attack on one model: the control's options, the sealed weights, and a control computed once, if any. */
export interface SubstituteOptions extends SubstituteControlOptions {
  /** Manifest names of the weights that ship sealed (what `openOwnedModel` reports as `sealedWeights`). */
  sealed: readonly string[];
  /**
   * The all-sealed control from {@link substituteControl} with the same options and architecture, to share across
   * sealed sets and password draws; without it the attack computes its own. Refused when its options differ.
   */
  control?: SubstituteControl;
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
  /** The best test accuracy of any run, and its recipe: what a thief with a perfect hold-out would get. */
  ceiling: { accuracy: number; recipe: string };
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
  /** The best test accuracy among the attacked runs that kept some clear weight; absent when none did. */
  clearCeiling?: { accuracy: number; recipe: string };
  /** The same model with every weight sealed, attacked with the same recipes. */
  control: SubstituteArm;
  /** Training from scratch: the control's `fresh` recipes alone, best on the hold-out. */
  scratchAccuracy: number;
  scratchBestRecipe: string;
  /**
   * The clear weights are worth nothing to this thief: the run they chose is at most the control's + margin, or keeps
   * no clear weight (so the control's thief has that very run); and the best run that keeps some clear weight is at
   * most the control's best + margin.
   */
  holds: boolean;
  /** attacked <= scratch + margin: reported, not judged (the control's substitutes beat plain training too). */
  withinScratch: boolean;
}

export interface SubstituteResult {
  attack: 'substitute';
  selection: 'attacker-holdout';
  /** Sealed weights, and their share of the weights' bytes. */
  sealed: { weights: number; share: number };
  /** Sealed-layer recipes run (`own-share` and `public` need a sealed weight; `public` needs `publicData`). */
  sealedRecipes: SealedRecipe[];
  /** The adaptive thief's step, when it ran. */
  adaptive?: { learningRate: number };
  /** The search's budget of forward passes, when it ran. */
  search?: { budget: number };
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

/** The all-sealed control at every budget, computed once; dispose it when done. */
export interface SubstituteControl {
  /** What it was computed with; an attack with other options refuses it. */
  readonly key: string;
  readonly rows: readonly SubstituteControlRow[];
  /** The public substitute, when `publicData` was given. */
  readonly publicModel?: LockableModel;
  dispose(): void;
}

export interface SubstituteControlRow {
  budget: LabelBudget;
  samples: number;
  /** The thief's labelled samples: fit on `fit`, choose on `holdout`. */
  fit: Dataset;
  holdout: Dataset;
  control: SubstituteArm;
  scratchAccuracy: number;
  scratchBestRecipe: string;
  /** The thief's own-share substitute: the best of the from-scratch runs. */
  ownShare: LockableModel;
}

// --- internals ---

const budgetLabel = (b: LabelBudget) => ('labels' in b ? `${b.labels} labels` : `${b.fraction * 100}%`);

function checkBudget(b: LabelBudget, n: number): number {
  const k = 'labels' in b ? b.labels : Math.max(1, Math.round(b.fraction * n));
  if ('fraction' in b && !(b.fraction > 0 && b.fraction <= 1)) throw new InvalidArgumentError(`budget fraction must be in (0, 1], got ${b.fraction}`);
  if (!(Number.isInteger(k) && k >= 2 && k <= n)) throw new InvalidArgumentError(`budget ${budgetLabel(b)} of ${n} samples must leave between 2 and ${n} to attack with`);
  return k;
}

interface Settings {
  budgets: readonly LabelBudget[];
  counts: number[];
  recipes: readonly Recipe[];
  holdoutShare: number;
  margin: number;
  seed: number;
  budget: TuneBudget & { batchSize: number };
  adaptive?: { learningRate: number };
  search?: { shape: Password; budget: number };
  publicSamples: number;
  publicEpochs: number;
}

function settingsOf(model: LockableModel, train: Dataset, test: Dataset, options: SubstituteControlOptions): Settings {
  if (options.heldOut) checkHeldOut(options.heldOut, test.y.length);
  const budgets = options.budgets ?? DEFAULT_BUDGETS;
  const recipes = options.recipes ?? DEFAULT_RECIPES;
  const holdoutShare = options.holdoutShare ?? 0.2;
  if (recipes.length === 0) throw new InvalidArgumentError('substituteAttack needs at least one recipe');
  if (budgets.length === 0) throw new InvalidArgumentError('substituteAttack needs at least one budget');
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new InvalidArgumentError(`holdoutShare must be in (0, 1), got ${holdoutShare}`);
  if (options.publicData) checkPublicData(model, options.publicData);
  const adaptive = options.adaptive !== false && model.lockPoints.length > 0 ? { learningRate: (typeof options.adaptive === 'object' ? options.adaptive.learningRate : undefined) ?? 0.01 } : undefined;
  if (options.search && !adaptive) throw new InvalidArgumentError('the search runs need the adaptive thief (a model with lock points, adaptive not false)');
  const searchBudget = options.search?.budget ?? 100_000;
  if (options.search && !(Number.isInteger(searchBudget) && searchBudget > 0)) throw new InvalidArgumentError(`search budget must be a positive integer, got ${searchBudget}`);
  return {
    budgets,
    counts: budgets.map((b) => checkBudget(b, train.y.length)),
    recipes,
    holdoutShare,
    margin: options.margin ?? 0.01,
    seed: options.seed ?? 0,
    budget: { epochs: options.epochs ?? 30, batchSize: options.batchSize ?? 32, seed: options.seed ?? 0 },
    ...(adaptive ? { adaptive } : {}),
    ...(options.search ? { search: { shape: options.search.shape, budget: searchBudget } } : {}),
    publicSamples: options.publicData ? Math.min(options.publicSamples ?? 10_000, options.publicData.y.length) : 0,
    publicEpochs: options.publicEpochs ?? 5,
  };
}

/** Everything a control depends on: the architecture, the data's size and every setting. */
function keyOf(model: LockableModel, train: Dataset, s: Settings, publicData?: Dataset): string {
  return JSON.stringify({
    weights: model.model.weights.map((w) => [w.originalName, w.shape]),
    lockPoints: model.lockPoints.map((p) => p.layer),
    train: [train.name, train.y.length],
    counts: s.counts,
    recipes: s.recipes,
    holdoutShare: s.holdoutShare,
    seed: s.seed,
    budget: s.budget,
    adaptive: s.adaptive ?? null,
    search: s.search ? { budget: s.search.budget, counts: s.search.shape.lockPoints.map((k) => [k.layer, k.neurons.length]) } : null,
    public: publicData ? [publicData.name, publicData.y.length, s.publicSamples, s.publicEpochs] : null,
  });
}

interface View {
  sealedRecipe: SealedRecipe;
  start: () => Promise<LockableModel>;
  /** The weights the adaptive runs train with the lock: the sealed ones (every weight on the control). */
  unknown: readonly string[];
  /** Run the search on this view (its sealed layers hold a substitute, or nothing is sealed). */
  search: boolean;
}

type Run = Recipe | 'adaptive' | 'search';

/** Whether a run of `recipe` on a model whose `unknown` weights are not the thief's keeps some clear weight. */
function keepsClearWeights(model: LockableModel, unknown: readonly string[], recipe: Run): boolean {
  const hidden = new Set(unknown);
  if (typeof recipe === 'object' && recipe.reinit) for (const layer of layersToReinit(model, recipe.reinit)) for (const w of layer.weights) hidden.add(w.originalName);
  return model.model.weights.some((w) => !hidden.has(w.originalName));
}

interface Scored {
  holdoutAccuracy: number;
  testAccuracy: number;
  diverged: boolean;
}

type Split = { fit: Dataset; holdout: Dataset; test: Dataset };

/** An adaptive run: the unknown weights and a lock on every neuron fitted together (from `init`); scored with the fitted lock. */
function adaptiveRun(model: LockableModel, unknown: readonly string[], data: Split, s: Settings, init?: Password): Scored {
  const fitted = lockRegressionAttack(model, data.fit, data.test, {
    epochs: s.budget.epochs,
    batchSize: s.budget.batchSize,
    learningRate: s.adaptive!.learningRate,
    trainWeights: unknown,
    seed: s.seed,
    ...(init ? { init } : {}),
  });
  const holdoutAccuracy = accuracyOf(predictWithPassword(buildLockGraph(model), data.holdout, fitted.found), data.holdout.y);
  const diverged = !Number.isFinite(holdoutAccuracy) || fitted.found.lockPoints.some((k) => k.alpha.some((v) => !Number.isFinite(v)) || k.beta.some((v) => !Number.isFinite(v)));
  return { holdoutAccuracy: diverged ? 0 : holdoutAccuracy, testAccuracy: fitted.accuracy, diverged };
}

/** The search on the filled model, scored with its find; then, on the same model, the adaptive run from that find. */
function searchRuns(model: LockableModel, unknown: readonly string[], data: Split, s: Settings): [Scored, Scored] {
  const found = evolutionarySearch(model, s.search!.shape, data.fit, data.test, { budget: s.search!.budget, seed: s.seed });
  const holdoutAccuracy = accuracyOf(predictWithPassword(buildLockGraph(model), data.holdout, found.found), data.holdout.y);
  const search = { holdoutAccuracy, testAccuracy: found.accuracy, diverged: false };
  return [search, adaptiveRun(model, unknown, data, s, found.found)];
}

/** The settings without the adaptive and search runs: plain training from scratch. */
function plainOf(s: Settings): Settings {
  const { adaptive: _adaptive, search: _search, ...plain } = s;
  return plain;
}

function bestOf(outcomes: readonly SubstituteRecipeOutcome[]): SubstituteRecipeOutcome {
  return outcomes.reduce((a, b) => (b.holdoutAccuracy > a.holdoutAccuracy ? b : a));
}

function ceilingOf(outcomes: readonly SubstituteRecipeOutcome[]): { accuracy: number; recipe: string } | undefined {
  if (outcomes.length === 0) return undefined;
  const c = outcomes.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  return { accuracy: c.testAccuracy, recipe: `${c.sealedRecipe}/${c.recipe}` };
}

function armOf(outcomes: SubstituteRecipeOutcome[]): SubstituteArm {
  const b = bestOf(outcomes);
  return { bestRecipe: `${b.sealedRecipe}/${b.recipe}`, accuracy: b.testAccuracy, usesClearWeights: b.usesClearWeights, ceiling: ceilingOf(outcomes)!, recipes: outcomes };
}

/**
 * Every view × every recipe (the adaptive and search runs included, when set); returns the outcomes and, when asked,
 * the model of the best run on the hold-out (the caller disposes it).
 */
async function runViews(
  views: readonly View[],
  recipes: readonly Recipe[],
  data: Split,
  s: Settings,
  report: (recipe: string, testAccuracy: number) => void,
  keepBest = false,
): Promise<{ outcomes: SubstituteRecipeOutcome[]; best?: LockableModel }> {
  const outcomes: SubstituteRecipeOutcome[] = [];
  let best: { outcome: SubstituteRecipeOutcome; model?: LockableModel } | undefined;
  const record = (view: View, model: LockableModel, run: Run, name: string, scored: Scored, keep: boolean) => {
    const outcome = { sealedRecipe: view.sealedRecipe, recipe: name, ...scored, usesClearWeights: keepsClearWeights(model, view.unknown, run) };
    outcomes.push(outcome);
    report(`${view.sealedRecipe}/${name}`, scored.testAccuracy);
    if (best === undefined || outcome.holdoutAccuracy > best.outcome.holdoutAccuracy) {
      best?.model?.model.dispose();
      best = { outcome, ...(keep ? { model } : {}) };
      return keep;
    }
    return false;
  };
  for (const view of views) {
    for (const recipe of recipes) {
      const model = await view.start();
      if (!record(view, model, recipe, recipe.name, tuneAndScore(model, data.fit, data.holdout, data.test, recipe, s.budget), keepBest)) model.model.dispose();
    }
    if (s.adaptive) {
      const model = await view.start();
      record(view, model, 'adaptive', ADAPTIVE_RECIPE, adaptiveRun(model, view.unknown, data, s), false);
      model.model.dispose();
    }
    if (s.search && view.search) {
      const model = await view.start();
      const [search, polished] = searchRuns(model, view.unknown, data, s);
      record(view, model, 'search', SEARCH_RECIPE, search, false);
      record(view, model, 'adaptive', ADAPTIVE_FROM_SEARCH_RECIPE, polished, false);
      model.model.dispose();
    }
  }
  return { outcomes, ...(best?.model ? { best: best.model } : {}) };
}

async function computeControl(model: LockableModel, train: Dataset, test: Dataset, s: Settings, options: SubstituteControlOptions): Promise<SubstituteControl> {
  const publicModel = options.publicData
    ? await trainSubstitute(model, s.publicSamples === options.publicData.y.length ? options.publicData : sampleStratified(options.publicData, s.publicSamples, s.seed + 5), { epochs: s.publicEpochs, batchSize: s.budget.batchSize, seed: s.seed })
    : undefined;
  const all = model.model.weights.map((w) => w.originalName);
  const rows: SubstituteControlRow[] = [];
  const dispose = () => {
    for (const r of rows) r.ownShare.model.dispose();
    publicModel?.model.dispose();
  };
  try {
    for (const [i, budget] of s.budgets.entries()) {
      const thief = sampleStratified(train, s.counts[i]!, s.seed + 1);
      const { train: fit, test: holdout } = stratifiedSplit(thief, { testFraction: s.holdoutShare, seed: s.seed + 2 });
      const data = { fit, holdout, test };
      const report = (recipe: string, testAccuracy: number) => options.onRun?.({ budget, arm: 'control', recipe, testAccuracy });
      // The control's fresh recipes are training from scratch; their best model is the thief's own-share substitute.
      const fresh: View = { sealedRecipe: 'fresh', start: () => controlCopy(model, s.seed), unknown: all, search: false };
      const scratch = await runViews([fresh], s.recipes, data, plainOf(s), report, true);
      const ownShare = scratch.best!;
      const views: View[] = [{ sealedRecipe: 'own-share', start: () => cloneLockable(ownShare), unknown: all, search: true }];
      if (publicModel) views.push({ sealedRecipe: 'public', start: () => cloneLockable(publicModel), unknown: all, search: true });
      try {
        // The adaptive thief of the fully sealed model: every weight and the lock fitted together.
        const freshAdaptive = s.adaptive ? (await runViews([fresh], [], data, s, report)).outcomes : [];
        const more = (await runViews(views, s.recipes, data, s, report)).outcomes;
        const sc = bestOf(scratch.outcomes);
        rows.push({ budget, samples: thief.y.length, fit, holdout, control: armOf([...scratch.outcomes, ...freshAdaptive, ...more]), scratchAccuracy: sc.testAccuracy, scratchBestRecipe: `${sc.sealedRecipe}/${sc.recipe}`, ownShare });
      } catch (error) {
        ownShare.model.dispose();
        throw error;
      }
    }
  } catch (error) {
    dispose();
    throw error;
  }
  const key = keyOf(model, train, s, options.publicData);
  return { key, rows, ...(publicModel ? { publicModel } : {}), dispose };
}

// --- public ---

/**
 * The all-sealed control of {@link substituteAttack} at every budget: a fresh model of `architecture`'s
 * architecture (its weights are not read), filled and fine-tuned by every recipe on the thief's samples. It depends on
 * the architecture, the data and the options only, so one control serves every sealed set and password draw of a
 * study; pass it as `control` and dispose it after.
 */
export async function substituteControl(architecture: LockableModel, train: Dataset, test: Dataset, options: SubstituteControlOptions = {}): Promise<SubstituteControl> {
  return computeControl(architecture, train, test, settingsOf(architecture, train, test, options), options);
}

/**
 * Attacks the thief's view `stolen` of a partially sealed model (sealed weights freshly drawn, as {@link thiefView}
 * gives) at every label budget: sealed layers filled by each sealed-layer recipe, then every clear-layer recipe and
 * the adaptive and search runs, against the all-sealed control. Nothing passed in is modified.
 *
 * @example
 * ```ts
 * const stolen = await thiefView(owned.lockable, owned.sealedWeights, 0);
 * const result = await substituteAttack(stolen, train, test, { sealed: owned.sealedWeights, publicData: fashion });
 * result.holds; // false when the clear weights lift some budget more than a point above the all-sealed control
 * ```
 */
export async function substituteAttack(stolen: LockableModel, train: Dataset, test: Dataset, options: SubstituteOptions): Promise<SubstituteResult> {
  const s = settingsOf(stolen, train, test, options);
  const names = new Set(stolen.model.weights.map((w) => w.originalName));
  for (const name of options.sealed) if (!names.has(name)) throw new SubstituteMismatchError(`sealed weight ${name} is not in the model`);
  if (options.control && options.control.key !== keyOf(stolen, train, s, options.publicData)) {
    throw new SubstituteMismatchError('the control was computed for another architecture, data or options than this attack');
  }
  const control = options.control ?? (await computeControl(stolen, train, test, s, options));
  const sealed = options.sealed;
  const sealedRecipes: SealedRecipe[] = sealed.length === 0 ? ['fresh'] : control.publicModel ? ['fresh', 'own-share', 'public'] : ['fresh', 'own-share'];
  const filled = (from: LockableModel) => async () => {
    const model = await cloneLockable(stolen);
    copySealedWeights(model, from, sealed);
    return model;
  };
  const results: SubstituteRow[] = [];
  try {
    for (const row of control.rows) {
      const data = { fit: row.fit, holdout: row.holdout, test };
      const report = (recipe: string, testAccuracy: number) => options.onRun?.({ budget: row.budget, arm: 'attacked', recipe, testAccuracy });
      const views: View[] = [{ sealedRecipe: 'fresh', start: () => cloneLockable(stolen), unknown: sealed, search: sealed.length === 0 }];
      if (sealed.length > 0) {
        views.push({ sealedRecipe: 'own-share', start: filled(row.ownShare), unknown: sealed, search: true });
        if (control.publicModel) views.push({ sealedRecipe: 'public', start: filled(control.publicModel), unknown: sealed, search: true });
      }
      const { outcomes } = await runViews(views, s.recipes, data, s, report);
      const attacked = armOf(outcomes);
      const clearCeiling = ceilingOf(outcomes.filter((o) => o.usesClearWeights));
      const chosenHolds = !attacked.usesClearWeights || attacked.accuracy <= row.control.accuracy + s.margin;
      const ceilingHolds = clearCeiling === undefined || clearCeiling.accuracy <= row.control.ceiling.accuracy + s.margin;
      results.push({
        budget: row.budget,
        samples: row.samples,
        trainSamples: row.fit.y.length,
        holdoutSamples: row.holdout.y.length,
        attacked,
        ...(clearCeiling ? { clearCeiling } : {}),
        control: row.control,
        scratchAccuracy: row.scratchAccuracy,
        scratchBestRecipe: row.scratchBestRecipe,
        holds: chosenHolds && ceilingHolds,
        withinScratch: attacked.accuracy <= row.scratchAccuracy + s.margin,
      });
    }
  } finally {
    if (!options.control) control.dispose();
  }
  return {
    attack: 'substitute',
    selection: 'attacker-holdout',
    sealed: { weights: sealed.length, share: sealedShare(stolen, sealed) },
    sealedRecipes,
    ...(s.adaptive ? { adaptive: s.adaptive } : {}),
    ...(s.search ? { search: { budget: s.search.budget } } : {}),
    ...(options.publicData ? { public: { dataset: options.publicData.name, samples: s.publicSamples, epochs: s.publicEpochs } } : {}),
    holdoutShare: s.holdoutShare,
    epochs: s.budget.epochs,
    batchSize: s.budget.batchSize,
    margin: s.margin,
    unattackedAccuracy: evaluateClassifier(stolen.model, test).accuracy,
    results,
    holds: results.every((r) => r.holds),
  };
}
