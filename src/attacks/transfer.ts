/**
 * Password transfer: does the password of one protected model unlock another, lock-trained separately (another seed,
 * another password)? It must not: each protected model needs its own password.
 */
import type { Dataset } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../lock/lock_graph.js';
import { validatePassword, type Password } from '../lock/password.js';
import { BROKEN_ABOVE } from './common.js';
import { checkHeldOut, type HeldOutSplit } from '../owner/holdout.js';

export interface TransferResult {
  attack: 'transfer';
  results: {
    /** Model B with model A's password. */
    accuracy: number;
    /** Model B without any password. */
    unauthorizedAccuracy: number;
    /** Model B with its own password, when given. */
    ownPasswordAccuracy?: number;
  };
  brokenAbove: number;
  /** accuracy <= brokenAbove. */
  holds: boolean;
}

/**
 * Applies `passwordA` to `modelB` and measures it on `test`. A password that does not fit B's lock points throws
 * `InvalidPasswordError` (it cannot even be applied).
 */
export function transferAttack(modelB: LockableModel, passwordA: Password, test: Dataset, options: { passwordB?: Password; brokenAbove?: number; heldOut?: HeldOutSplit } = {}): TransferResult {
  if (options.heldOut) checkHeldOut(options.heldOut, test.y.length);
  const brokenAbove = options.brokenAbove ?? BROKEN_ABOVE;
  validatePassword(passwordA, modelB.lockPoints);
  const graph = buildLockGraph(modelB);
  const accuracy = accuracyOf(predictWithPassword(graph, test, passwordA), test.y);
  return {
    attack: 'transfer',
    results: {
      accuracy,
      unauthorizedAccuracy: accuracyOf(predictWithPassword(graph, test, undefined), test.y),
      ...(options.passwordB ? { ownPasswordAccuracy: accuracyOf(predictWithPassword(graph, test, options.passwordB), test.y) } : {}),
    },
    brokenAbove,
    holds: accuracy <= brokenAbove,
  };
}
