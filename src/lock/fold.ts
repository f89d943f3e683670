/**
 * Unlocking: a new model that computes what the lock graph computes with one password, at the baseline's cost.
 *
 * A lock `a <- alpha * a + beta` (per neuron, i.e. per unit or per conv channel) whose output reaches exactly one
 * Dense, or one Conv2D without padding, through layers that commute exactly with a per-channel affine map (Flatten and
 * GlobalAveragePooling2D in channels-last order, Dropout at inference) is folded into that layer:
 * `W' = W diag(alpha)` on the input axis and `b' = b + W^T beta` (for a conv, summed over kernel positions).
 * Anywhere else (padded conv, residual add, batch norm, several consumers, a model output) a {@link FixedLockLayer}
 * applies the lock as an op. The original model is left untouched: the unlocked model is built from a clone.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { LockableModel } from '../models/types.js';
import { ModelFormatError } from '../util/errors.js';
import { FixedLockLayer, registerLockLayers } from './lock_layer.js';
import { lockVectors, validatePassword, type Password } from './password.js';
import { rebuildModel } from './rebuild.js';
import { describeGraph, ensureBuilt, nextLinearLayer, type ModelGraph } from './next_linear.js';

export interface UnlockedModel {
  /** The unlocked model: same inputs and outputs as the original, sharing no mutable state with it. */
  model: tfl.LayersModel;
  /** Lock points folded into the weights of the next linear layer. */
  folded: string[];
  /** Lock points applied as a `FixedLockLayer` op. */
  applied: string[];
}

/** Where a lock point folds, and how its neurons map onto that layer's input axis. */
export interface FoldPlan {
  /** The lock point. */
  layer: string;
  /** The Dense or Conv2D layer the lock folds into. */
  into: string;
}

// --- graph ---

/**
 * The Dense or padding-free Conv2D that the lock at `start` folds into exactly, or undefined. `locked` holds the
 * other locked layers: a path through one of them is not folded (the two locks would have to be composed).
 */
function foldTarget(graph: ModelGraph, start: string, locked: ReadonlySet<string>): string | undefined {
  const next = nextLinearLayer(graph, start, locked);
  if (next === undefined) return undefined;
  if (next.layer.getClassName() === 'Conv2D' && (next.layer.getConfig() as { padding?: string }).padding !== 'valid') return undefined;
  return next.layer.name;
}

/** Plans which of the password's lock points fold, and into which layer. Exposed for reports and tests. */
export function planFolds(model: tfl.LayersModel, password: Password): FoldPlan[] {
  const graph = describeGraph(model);
  const locked = new Set(password.lockPoints.map((k) => k.layer));
  const plans: FoldPlan[] = [];
  for (const key of password.lockPoints) {
    const into = foldTarget(graph, key.layer, locked);
    if (into !== undefined) plans.push({ layer: key.layer, into });
  }
  return plans;
}

// --- weights ---

/**
 * Folds per-channel `alpha`, `beta` into a kernel whose last axis is the output and whose other axes flatten to input
 * rows with `row % channels` the lock's neuron (Dense after a channels-last Flatten or GAP, or a Conv2D kernel
 * [kh, kw, cin, cout]). Accumulates the new bias in float64.
 */
function foldKernel(
  kernel: Float32Array,
  outputs: number,
  bias: ArrayLike<number> | undefined,
  alpha: Float32Array,
  beta: Float32Array,
): { kernel: Float32Array; bias: Float32Array } {
  const channels = alpha.length;
  const rows = kernel.length / outputs;
  if (!Number.isInteger(rows) || rows % channels !== 0) {
    throw new ModelFormatError(`cannot fold a lock of ${channels} neurons into a kernel of ${rows} input rows`);
  }
  const folded = new Float32Array(kernel.length);
  const b = Float64Array.from({ length: outputs }, (_, o) => bias?.[o] ?? 0);
  for (let r = 0; r < rows; r++) {
    const a = alpha[r % channels]!;
    const be = beta[r % channels]!;
    const base = r * outputs;
    for (let o = 0; o < outputs; o++) {
      const w = kernel[base + o]!;
      folded[base + o] = w * a;
      if (be !== 0) b[o]! += w * be;
    }
  }
  return { kernel: folded, bias: Float32Array.from(b) };
}

interface LayerConfigEntry {
  className?: string;
  config?: { name?: string; useBias?: boolean };
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
  const plans = planFolds(original, key);
  const vectors = new Map(key.lockPoints.map((k) => [k.layer, lockVectors(k)]));

  // Clone from the configuration (new layers, new variables), giving a bias to any folded layer that needs one.
  const config = structuredClone(original.getConfig()) as { name?: string; layers?: LayerConfigEntry[] };
  config.name = `${original.name}_unlocked`;
  for (const plan of plans) {
    const entry = config.layers?.find((l) => l.config?.name === plan.into);
    if (entry?.config === undefined) throw new ModelFormatError(`layer ${plan.into} is missing from the configuration of ${original.name}`);
    if (entry.config.useBias === false && vectors.get(plan.layer)!.beta.some((v) => v !== 0)) entry.config.useBias = true;
  }
  const ctor = original.constructor as typeof tfl.LayersModel;
  const clone = ctor.fromConfig(ctor as unknown as tf.serialization.SerializableConstructor<tfl.LayersModel>, config as tf.serialization.ConfigDict, {}, true);
  ensureBuilt(clone);

  try {
    const foldInto = new Map(plans.map((p) => [p.into, p.layer]));
    for (const layer of clone.layers) {
      const source = original.getLayer(layer.name);
      const lockPoint = foldInto.get(layer.name);
      if (lockPoint === undefined) {
        // Assigning shares the (immutable, reference-counted) buffers; later writes to either side replace them.
        layer.setWeights(source.getWeights());
        continue;
      }
      const [kernelVar, biasVar] = source.getWeights();
      if (kernelVar === undefined) throw new ModelFormatError(`layer ${layer.name} has no kernel to fold into`);
      const { alpha, beta } = vectors.get(lockPoint)!;
      const outputs = kernelVar.shape[kernelVar.shape.length - 1]!;
      const folded = foldKernel(kernelVar.dataSync() as Float32Array, outputs, biasVar?.dataSync(), alpha, beta);
      const tensors = [tf.tensor(folded.kernel, kernelVar.shape, 'float32')];
      if (layer.getWeights().length > 1) tensors.push(tf.tensor1d(folded.bias, 'float32'));
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
