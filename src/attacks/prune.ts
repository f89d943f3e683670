/**
 * Magnitude pruning as an attack: an attacker without the password zeroes the lock points' weakest neurons (smallest
 * L1 norm of outgoing weights), hoping to hit the authorization neurons. Against the reference lock (alpha = 0)
 * zeroing *is* unlocking, so pruning can restore accuracy; against a hardened lock it must not.
 */
import type { Dataset } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../lock/lock_graph.js';
import type { Password } from '../lock/password.js';
import { outgoingWeightL1 } from './common.js';

export interface PruneResult {
  ratio: number;
  accuracy: number;
}

/** The "password" an attacker applies by pruning `ratio` of each lock point's neurons. */
export function pruningLock(lockable: LockableModel, ratio: number): Password {
  return {
    version: 1,
    lockPoints: lockable.lockPoints.map((point) => {
      const l1 = outgoingWeightL1(lockable.model, point);
      const order = Array.from({ length: point.size }, (_, i) => i);
      // Without a linear consumer the criterion is undefined; fall back to index order (deterministic).
      if (l1) order.sort((a, b) => l1[a]! - l1[b]!);
      const neurons = order.slice(0, Math.max(1, Math.floor(point.size * ratio)));
      return { layer: point.layer, kind: point.kind, size: point.size, neurons, alpha: neurons.map(() => 0), beta: neurons.map(() => 0) };
    }),
  };
}

/** Accuracy of the protected model, without its password, after pruning each ratio of each lock point's neurons. */
export function pruningAttack(lockable: LockableModel, test: Dataset, ratios: readonly number[] = [0.1, 0.3, 0.5, 0.7, 0.9]): PruneResult[] {
  const graph = buildLockGraph(lockable);
  return ratios.map((ratio) => ({ ratio, accuracy: accuracyOf(predictWithPassword(graph, test, pruningLock(lockable, ratio)), test.y) }));
}
