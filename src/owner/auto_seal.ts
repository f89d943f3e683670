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
 * covering the rest. It lists only what the partial-seal measurement (research/partial_seal, docs/PROTECTION.md)
 * showed to hold — on LeNet-5, sealing the convs and the output layer (5.5% of the bytes) left the substitute
 * attack's thief, with the search and the adaptive fit, no better than the thief of a fully sealed model, on every
 * password draw and budget measured on MNIST and Fashion-MNIST; sealing the convs alone did not hold. Change or
 * empty it here, and only here, when a measurement says otherwise; an architecture not listed is sealed whole.
 */
export const MEASURED_PARTIAL_SEALS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  lenet5: Object.freeze(['conv1', 'conv2', 'logits']),
});

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
 * const choice = autoSeal(lenet);   // { layers: ['conv1', 'conv2', 'logits'], measured: true, rule: '...' }
 * autoSeal(resnet).layers;          // 'all'
 * ```
 */
export function autoSeal(lockable: LockableModel, table: Readonly<Record<string, readonly string[]>> = MEASURED_PARTIAL_SEALS): AutoSeal {
  const arch = lockable.architecture;
  const entry = Object.hasOwn(table, arch) ? table[arch] : undefined;
  if (entry === undefined || entry.length === 0) {
    return { layers: 'all', measured: false, rule: `no partial seal was measured for ${arch}: seal all` };
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
