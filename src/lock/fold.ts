/**
 * Unlocking: a new model that computes what the lock graph computes with one password, at the baseline's cost.
 *
 * Each lock is folded into weights where that is exact (fold_plan.ts says where and how: into the lock point's own
 * affine layer, into the next linear layer, or through a ReLU into the writers before it and the readers after it).
 * Anywhere else (a model output behind a nonlinearity, a padded conv reading a shifted input, several locks on one
 * layer side) a {@link FixedLockLayer} applies the lock as an op. The original model is left untouched: the unlocked
 * model is built from a clone.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { LockableModel } from '../models/types.js';
import { ModelFormatError } from '../util/errors.js';
import { planUnlock, type FoldPlan } from './fold_plan.js';
import { editedWeights, enableEditedWeights } from './fold_weights.js';
import { FixedLockLayer, registerLockLayers } from './lock_layer.js';
import { lockVectors, validatePassword, type Password } from './password.js';
import { rebuildModel } from './rebuild.js';
import { ensureBuilt } from './next_linear.js';

export type { FoldPlan } from './fold_plan.js';

export interface UnlockedModel {
  /** The unlocked model: same inputs and outputs as the original, sharing no mutable state with it. */
  model: tfl.LayersModel;
  /** Lock points folded into weights. */
  folded: string[];
  /** Lock points applied as a `FixedLockLayer` op. */
  applied: string[];
}

/** Plans which of the password's lock points fold, and into which layers. Exposed for reports and tests. */
export function planFolds(model: tfl.LayersModel, password: Password): FoldPlan[] {
  return planUnlock(model, password).plans;
}

interface LayerConfigEntry {
  className?: string;
  config?: { name?: string; useBias?: boolean; scale?: boolean; center?: boolean };
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

// --- public ---

/**
 * Builds the unlocked model for `password`: the locks folded into the weights where that is exact, applied as ops
 * elsewhere. The result shares no mutable weights with `lockable.model`; dispose it when done.
 *
 * @example
 * ```ts
 * const { model, folded, applied } = unlockModel(lockable, password);
 * const logits = model.predict(xs) as tf.Tensor;
 * ```
 */
export function unlockModel(lockable: LockableModel, password: Password): UnlockedModel {
  registerLockLayers();
  const original = lockable.model;
  ensureBuilt(original);
  const key = validatePassword(password, lockable.lockPoints);
  const { plans, edits } = planUnlock(original, key);

  // Clone from the configuration (new layers, new variables), giving an edited layer the weights it needs.
  const config = structuredClone(original.getConfig()) as { name?: string; layers?: LayerConfigEntry[] };
  config.name = `${original.name}_unlocked`;
  for (const [name, edit] of edits) {
    const entry = config.layers?.find((l) => l.config?.name === name);
    if (entry?.config === undefined) throw new ModelFormatError(`layer ${name} is missing from the configuration of ${original.name}`);
    enableEditedWeights(original.getLayer(name).getClassName(), entry.config, edit);
  }
  const ctor = original.constructor as typeof tfl.LayersModel;
  const clone = ctor.fromConfig(ctor as unknown as tf.serialization.SerializableConstructor<tfl.LayersModel>, config as tf.serialization.ConfigDict, {}, true);
  ensureBuilt(clone);

  try {
    for (const layer of clone.layers) {
      const source = original.getLayer(layer.name);
      const edit = edits.get(layer.name);
      if (edit === undefined) {
        // Assigning shares the (immutable, reference-counted) buffers; later writes to either side replace them.
        layer.setWeights(source.getWeights());
        continue;
      }
      const tensors = editedWeights(source, layer, edit);
      try {
        layer.setWeights(tensors);
      } finally {
        tf.dispose(tensors);
      }
    }
  } catch (error) {
    clone.dispose();
    throw error;
  }

  const folded = plans.map((p) => p.layer);
  const applied = key.lockPoints.map((k) => k.layer).filter((name) => !folded.includes(name));
  if (applied.length === 0) return { model: clone, folded, applied };

  const vectors = new Map(key.lockPoints.map((k) => [k.layer, lockVectors(k)]));
  const taken = new Set(clone.layers.map((l) => l.name));
  const model = rebuildModel(clone, {
    name: `${original.name}_unlocked`,
    after: (layerName, output) => {
      if (!applied.includes(layerName)) return output;
      const { alpha, beta } = vectors.get(layerName)!;
      const lock = new FixedLockLayer({ alpha: Array.from(alpha), beta: Array.from(beta), name: uniqueName(`${layerName}_lock`, taken) });
      return lock.apply(output) as SymbolicTensor;
    },
  });
  // The rebuilt model holds the clone's layers; releasing the intermediate container only drops its references.
  clone.dispose();
  return { model, folded, applied };
}
