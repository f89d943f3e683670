/**
 * What a thief holds of a bundle: the architecture (model.json ships in the clear) and the weights that ship in the
 * clear. Sealed weights are not theirs to start from: the thief's copy has fresh draws of the architecture's
 * initialisers in their place. Every attack of the suite runs on this view, never on the sealed weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LockableModel } from '../models/types.js';
import { cloneLockable } from '../train/protect.js';
import { createRng } from '../util/rng.js';
import { freshWeight } from './tune.js';

/**
 * The thief's copy of a protected model whose `sealed` weights (manifest names) ship encrypted; `model` itself is
 * left untouched. With nothing sealed it is a plain copy.
 *
 * @example
 * ```ts
 * const owned = await openOwnedModel(directorySource(dir), contentKey);
 * const stolen = await thiefView(owned.lockable, owned.sealedWeights, 0);
 * ```
 */
export async function thiefView(model: LockableModel, sealed: readonly string[], seed: number): Promise<LockableModel> {
  const copy = await cloneLockable(model);
  if (sealed.length === 0) return copy;
  const names = new Set(sealed);
  const rng = createRng(seed + 4099);
  for (const w of copy.model.weights) {
    if (!names.has(w.originalName)) continue;
    const fresh = freshWeight(w.originalName, w.shape as number[], rng);
    w.write(fresh);
    fresh.dispose();
  }
  return copy;
}

/** The share of a model's weight bytes that `sealed` covers (float32 weights). */
export function sealedShare(model: LockableModel, sealed: readonly string[]): number {
  const names = new Set(sealed);
  let all = 0;
  let hidden = 0;
  for (const w of model.model.weights) {
    const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    all += size;
    if (names.has(w.originalName)) hidden += size;
  }
  return all === 0 ? 0 : hidden / all;
}
