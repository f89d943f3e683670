/**
 * What a thief holds of a bundle: the architecture (model.json ships in the clear) and the weights that ship in the
 * clear. Sealed weights are not theirs to start from: the thief's copy has fresh draws of the architecture's
 * initialisers in their place. Every attack of the suite runs on this view, never on the sealed weights.
 *
 * The fresh values are those of the attacks' control (`controlCopy` with the same seed): a thief of a fully sealed
 * bundle holds exactly the control, and a partially sealed one the control's values where the seal is.
 */
import type { LockableModel } from '../models/types.js';
import { cloneLockable } from '../models/serialize.js';
import { createRng } from '../util/rng.js';
import { controlSeed, freshWeight } from './tune.js';

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
  const rng = createRng(controlSeed(seed));
  // Every weight is drawn, in order, so that the draws line up with the control's; only sealed ones are written.
  for (const w of copy.model.weights) {
    const fresh = freshWeight(w.originalName, w.shape as number[], rng);
    if (names.has(w.originalName)) w.write(fresh);
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
