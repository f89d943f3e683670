/**
 * `seal: 'auto'`: which weights protect seals when the owner lets edgepro choose. A partial seal is only as good as
 * the measurement behind it, so auto seals a subset only for an architecture where one was measured to hold, and
 * everything for every other model. The choice is made here, once, on the model about to ship; `assembleBundle`
 * only ever sees concrete names or all/none.
 */
import type { LockableModel } from '../models/types.js';
import type { SealSelection } from '../bundle/assemble.js';

/**
 * The partial seals measured to hold, by architecture (`LockableModel.architecture`): the layers to seal, the lock
 * covering the rest. An entry goes here only when the partial-seal measurement (research/partial_seal,
 * docs/PROTECTION.md) shows the substitute attack — substitute layers, every recipe, the joint lock fit and the search
 * on top of the substitutes — no better than against a fully sealed model at every budget, on every password draw,
 * on both image datasets. None does yet. The closest, LeNet-5's conv1 + conv2 + logits (5.5% of the bytes), held in
 * every cell but one: with 10 labels on one MNIST draw the search and the joint fit over the thief's own convs reached
 * 33.1% against the control's best 29.7%. The convs alone and every partial seal of the MLP failed more. Add an entry
 * here, and only here, when a measurement shows one to hold; an architecture not listed is sealed whole.
 */
export const MEASURED_PARTIAL_SEALS: Readonly<Record<string, readonly string[]>> = Object.freeze({});

/** What protect's seal option takes: a concrete selection, or `auto` (resolved by {@link autoSeal}). */
export type ProtectSealSelection = SealSelection | 'auto';

/** What auto chose, and why. */
export interface AutoSeal {
  /** The layers to seal, or `all`. */
  layers: string[] | 'all';
  /** The rule that chose it, in words (the CLI prints it). */
  rule: string;
  /** True when `layers` is a measured partial seal, false for the fall-back to all. */
  measured: boolean;
}

/**
 * The seal auto picks for a lock-trained model: the architecture's entry of `table` when every layer it names is a
 * layer of the model with weights, else all. The check matters for an owner's own model whose metadata carries a
 * built-in architecture's tag but not its layers: sealing a subset measured on another network would be a guess.
 *
 * @example
 * ```ts
 * autoSeal(lenet).layers;                                      // 'all': no partial seal is measured to hold yet
 * autoSeal(lenet, { lenet5: ['conv1', 'conv2', 'logits'] });    // { layers: ['conv1', 'conv2', 'logits'], measured: true, rule: '...' }
 * ```
 */
export function autoSeal(lockable: LockableModel, table: Readonly<Record<string, readonly string[]>> = MEASURED_PARTIAL_SEALS): AutoSeal {
  const arch = lockable.architecture;
  const entry = Object.hasOwn(table, arch) ? table[arch] : undefined;
  if (entry === undefined || entry.length === 0) {
    return { layers: 'all', measured: false, rule: `no partial seal was measured to hold for ${arch}: seal all` };
  }
  const withWeights = new Set(lockable.model.layers.filter((l) => l.weights.length > 0).map((l) => l.name));
  const missing = entry.filter((name) => !withWeights.has(name));
  if (missing.length > 0) {
    return { layers: 'all', measured: false, rule: `the partial seal measured for ${arch} names ${missing.join(', ')}, which this model lacks: seal all` };
  }
  return { layers: [...entry], measured: true, rule: `the partial seal measured to hold for ${arch} (research/partial_seal)` };
}

/**
 * Auto for a model sealed without lock training (`sealModel`): all. The partial seals of
 * {@link MEASURED_PARTIAL_SEALS} held with the lock covering the clear layers; without a lock, a clear layer is a
 * thief's to reuse as it is, so no partial seal was measured for it.
 */
export function autoSealWithoutLock(): AutoSeal {
  return { layers: 'all', measured: false, rule: 'no lock: the partial seals were measured only with the lock on the clear layers: seal all' };
}

/** The concrete selection an {@link AutoSeal} stands for. */
export function autoSealSelection(choice: AutoSeal): SealSelection {
  return choice.layers === 'all' ? 'all' : choice.layers;
}
