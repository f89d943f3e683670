import type { AutoSeal, ProtectSealSelection } from '../owner/auto_seal.js';
import { percent } from './output.js';

/** The protection level of a locked bundle in words, with the share of the weights' bytes that ship sealed. */
export function describeLevel(sealedBytes: number, weightBytes: number): string {
  if (sealedBytes === 0) return 'lock alone (weights in the clear): a copied file runs at chance, but a thief with a few labels gets most of the model back (docs/PROTECTION.md)';
  const share = `${((100 * sealedBytes) / weightBytes).toFixed(1)}% of the weights' bytes`;
  return sealedBytes === weightBytes ? `lock + seal all (${share} sealed): a thief holds the architecture only` : `lock + partial seal (${share} sealed)`;
}

/** The one line protect and seal print for `--seal auto`: what it chose, the share of the bytes, and the rule. */
export function describeAutoSeal(choice: AutoSeal, sealedBytes: number, weightBytes: number): string {
  const what = choice.layers === 'all' ? 'all weights' : choice.layers.join(', ');
  return `seal auto: ${what} (${percent(weightBytes === 0 ? 0 : sealedBytes / weightBytes)} of the weights' bytes) — ${choice.rule}`;
}

/**
 * The `seal` entry of protect's and seal's JSON: the mode asked for (all, none, layers, auto), what was sealed, its
 * share of the weights' bytes, and for auto the layers it chose (or `all`), whether they were measured, and why.
 */
export function sealReport(
  asked: ProtectSealSelection,
  made: { sealedWeights: readonly string[]; sealedBytes: number; weightBytes: number; autoSeal: AutoSeal | undefined },
): Record<string, unknown> {
  const mode = typeof asked === 'string' ? asked : 'layers';
  return {
    mode,
    ...(typeof asked !== 'string' ? { layers: [...asked] } : {}),
    ...(made.autoSeal !== undefined ? { layers: made.autoSeal.layers, measured: made.autoSeal.measured, rule: made.autoSeal.rule } : {}),
    weights: made.sealedWeights.length,
    bytes: made.sealedBytes,
    ofBytes: made.weightBytes,
    share: made.weightBytes === 0 ? 0 : made.sealedBytes / made.weightBytes,
  };
}
