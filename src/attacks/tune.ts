/**
 * What an attacker does to weights: train them (all of them) with a recipe, possibly under a fixed lock such as a
 * pruning mask, and re-initialise layers. Shared by the fine-tuning and pruning attacks and their from-scratch yardstick.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/types.js';
import { gatherInputs, gatherLabels } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { buildLockGraph, forwardLocked } from '../lock/lock_graph.js';
import type { Password } from '../lock/password.js';
import { passwordLock, uniformBatchVectors } from '../lock/vectors.js';
import { cloneLockable } from '../models/serialize.js';
import { runTrainingLoop } from '../train/loop.js';
import { crossEntropy } from '../train/loss.js';
import { outputsProbabilities } from '../models/outputs.js';
import { checkDatasetFits, trainableVariables } from '../train/train.js';
import { evaluateClassifier } from '../train/evaluate.js';
import type { OptimizerName } from '../train/optimizer.js';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { ModelFormatError, TrainingDivergedError } from '../util/errors.js';
import { createRng, type Rng } from '../util/rng.js';
import type { HeldOutSplit } from '../owner/holdout.js';

/** One way to fine-tune. A real attacker tries several and keeps the best; so does the suite. */
export interface Recipe {
  name: string;
  optimizer: OptimizerName;
  learningRate: number;
  /**
   * Re-initialise before training: `last` the output layer; `head` the trailing run of Dense layers (the classifier
   * on top of the conv features; for an MLP that is every layer, i.e. training from scratch). A lock-trained model
   * often has dead units without its password, so plain fine-tuning gets no gradient through them; re-initialising
   * the head keeps the features and drops the dead part.
   */
  reinit?: 'last' | 'head';
}

/** SGD (momentum 0.9) at three learning rates, Adam, and Adam or SGD after re-initialising the output layer or the dense head. */
export const DEFAULT_RECIPES: readonly Recipe[] = [
  { name: 'sgd-0.001', optimizer: 'sgd', learningRate: 0.001 },
  { name: 'sgd-0.01', optimizer: 'sgd', learningRate: 0.01 },
  { name: 'sgd-0.1', optimizer: 'sgd', learningRate: 0.1 },
  { name: 'adam-0.001', optimizer: 'adam', learningRate: 0.001 },
  { name: 'reinit-last+adam-0.001', optimizer: 'adam', learningRate: 0.001, reinit: 'last' },
  { name: 'reinit-head+adam-0.001', optimizer: 'adam', learningRate: 0.001, reinit: 'head' },
  { name: 'reinit-head+sgd-0.01', optimizer: 'sgd', learningRate: 0.01, reinit: 'head' },
];

/** What every arm of a fine-tuning attack shares: its recipes, its training budget, how it chooses and is judged. */
export interface AttackRunOptions {
  /** Recipes tried on every arm, the yardsticks' included. Default DEFAULT_RECIPES. */
  recipes?: readonly Recipe[];
  /** Training budget of every run, the same for every arm. Default 30 epochs of batch 32. */
  epochs?: number;
  batchSize?: number;
  /** Share of the attacker's samples held out to choose the recipe on. Default 0.2. */
  holdoutShare?: number;
  /** A row holds where the attacked accuracy is at most its yardsticks' + margin. Default 0.01 (one point). */
  margin?: number;
  seed?: number;
  /** The test set's provenance: with it, a test set that is not the split protect held out is refused (`checkHeldOut`). */
  heldOut?: HeldOutSplit;
}

export interface TuneBudget {
  epochs: number;
  /** Default 32. */
  batchSize?: number;
  seed?: number;
}

/** Glorot-uniform (the Keras default for Dense and Conv kernels) from a seeded generator. */
function glorotUniform(shape: number[], rng: Rng): tf.Tensor {
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const fanIn = receptive * (shape.at(-2) ?? 1);
  const fanOut = receptive * (shape.at(-1) ?? 1);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => (2 * rng.next() - 1) * limit), shape);
}

/** A fresh value for one weight, by its role: kernels Glorot-uniform, BN scales and variances 1, the rest 0. */
export function freshWeight(name: string, shape: number[], rng: Rng): tf.Tensor {
  const role = name.split('/').at(-1)!.replace(/_\d+$/, '');
  if (role === 'gamma' || role === 'moving_variance') return tf.ones(shape);
  if (shape.length >= 2) return glorotUniform(shape, rng);
  return tf.zeros(shape);
}

/**
 * A new, untrained model of the same architecture (the same layers and lock points, freshly initialised from `seed`):
 * the from-scratch yardstick. Works for any LayersModel, not only edgepro's built-in architectures.
 */
export async function freshCopy(lockable: LockableModel, seed: number): Promise<LockableModel> {
  const copy = await cloneLockable(lockable);
  const rng = createRng(seed);
  const fresh = copy.model.weights.map((w) => freshWeight(w.originalName, w.shape as number[], rng));
  copy.model.setWeights(fresh);
  tf.dispose(fresh);
  return copy;
}

/**
 * The control of every attack: a fresh model of the architecture, which is all a thief of a fully sealed bundle
 * holds. Drawn from `seed` as {@link thiefView} draws sealed weights, so that the thief's view of a fully sealed
 * bundle is this very model.
 */
export async function controlCopy(lockable: LockableModel, seed: number): Promise<LockableModel> {
  return freshCopy(lockable, controlSeed(seed));
}

/** The generator seed of the control's (and the thief's) fresh weights for an attack seeded with `seed`. */
export function controlSeed(seed: number): number {
  return seed + 3;
}

/** The layers a recipe re-initialises: the output layer, or the trailing run of Dense layers. */
export function layersToReinit(lockable: LockableModel, which: 'last' | 'head'): Layer[] {
  const weighted = [...lockable.model.layers].reverse().filter((l) => l.weights.length > 0);
  if (weighted.length === 0) throw new ModelFormatError(`model ${lockable.model.name} has no layer with weights`);
  if (which === 'last') return [weighted[0]!];
  const head: Layer[] = [];
  for (const l of weighted) {
    if (l.getClassName() !== 'Dense') break;
    head.push(l);
  }
  return head.length > 0 ? head : [weighted[0]!];
}

/** Re-initialises the model's output layer (`last`) or its dense head (`head`) in place, from `seed`. */
export function reinitLayers(lockable: LockableModel, which: 'last' | 'head', seed: number): void {
  const rng = createRng(seed);
  for (const layer of layersToReinit(lockable, which)) {
    const fresh = layer.weights.map((w) => freshWeight(w.originalName, w.shape as number[], rng));
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}

/**
 * Trains all of `lockable`'s weights in place on `data` with `recipe`, with `lock` applied to every sample (a
 * pruning mask: pruned neurons stay zero however the weights move) or none. A run whose loss stops being finite ends
 * early with `diverged: true` (its weights are spoiled; the caller scores it as it is).
 */
export function tune(lockable: LockableModel, data: Dataset, recipe: Recipe, budget: TuneBudget, lock?: Password): { diverged: boolean } {
  checkDatasetFits(lockable.model, data);
  if (recipe.reinit) reinitLayers(lockable, recipe.reinit, (budget.seed ?? 0) + 101);
  const probabilities = outputsProbabilities(lockable.model);
  const graph = lock ? buildLockGraph(lockable) : undefined;
  const sampleLock = lock && graph ? passwordLock(lock, graph.points) : undefined;
  try {
    runTrainingLoop(
      {
        variables: trainableVariables(lockable.model),
        numSamples: data.y.length,
        lossFor: (batch) => {
          const xs = gatherInputs(data, batch);
          const outputs = graph
            ? forwardLocked(graph, xs, uniformBatchVectors(graph.points, batch.length, sampleLock), true)
            : (lockable.model.apply(xs, { training: true }) as tf.Tensor);
          return crossEntropy(outputs, gatherLabels(data, batch), probabilities);
        },
      },
      { epochs: budget.epochs, batchSize: budget.batchSize ?? 32, seed: budget.seed ?? 0, optimizer: recipe.optimizer, learningRate: recipe.learningRate },
    );
  } catch (error) {
    if (error instanceof TrainingDivergedError) return { diverged: true };
    throw error;
  }
  return { diverged: false };
}

/**
 * {@link tune}, then the attacker's view of the result: accuracy on their hold-out (0 for a diverged run, which they
 * would not pick) and, for the report, on the test set.
 */
export function tuneAndScore(
  lockable: LockableModel,
  fit: Dataset,
  holdout: Dataset,
  test: Dataset,
  recipe: Recipe,
  budget: TuneBudget,
): { holdoutAccuracy: number; testAccuracy: number; diverged: boolean } {
  const { diverged } = tune(lockable, fit, recipe, budget);
  return {
    holdoutAccuracy: diverged ? 0 : evaluateClassifier(lockable.model, holdout).accuracy,
    testAccuracy: evaluateClassifier(lockable.model, test).accuracy,
    diverged,
  };
}
