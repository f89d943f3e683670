import type { Password } from '../lock/password.js';

export { outgoingWeightL1 } from '../lock/next_linear.js';

/** How many of a guess's neurons are true authorization neurons of `password` (same lock point, same index). */
export function countFound(guess: Password, password: Password): number {
  const truth = new Map(password.lockPoints.map((k) => [k.layer, new Set(k.neurons)]));
  return guess.lockPoints.reduce((n, k) => n + k.neurons.filter((x) => truth.get(k.layer)?.has(x)).length, 0);
}

/** Accuracy above which a model without its password counts as unlocked: twice chance on 10 classes. */
export const BROKEN_ABOVE = 0.2;

/**
 * The kind of locking value a password uses, which an attacker who knows the scheme guesses (Kerckhoffs):
 * `gain` (no offsets, some alpha other than 0 or 1: a key that scales its neurons, as `reference` with a non-zero
 * `lam` or `random` with beta 0), else `offset` (the hardened and paper generators, and zeroing).
 */
export function valueKind(password: Password): 'offset' | 'gain' {
  const keys = password.lockPoints;
  if (keys.every((k) => k.beta.every((b) => b === 0)) && keys.some((k) => k.alpha.some((a) => a !== 0 && a !== 1))) return 'gain';
  return 'offset';
}

/** The gains an attacker tries against a `gain` key: 2, 3, 4, with the sign of the key's (negative if any is). */
export function gainGuesses(password: Password): number[] {
  const negative = password.lockPoints.some((k) => k.alpha.some((a) => a < 0));
  return negative ? [-2, -3, -4] : [2, 3, 4];
}
