/**
 * Per-sample lock vectors: for a batch, one [batch, size] multiplier matrix and one offset matrix per lock point.
 * Row i holds the lock applied to sample i — a password, a decoy, or the identity (no lock).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LockPoint } from '../models/types.js';
import type { Password } from './password.js';

/** A lock for one sample at every lock point: sparse (neuron, alpha, beta) triples per point. */
export type SampleLock = { neurons: number[]; alpha: number[]; beta: number[] }[];

/** Mutable per-batch matrices; rows start as the identity. */
export class BatchLocks {
  readonly alpha: Float32Array[];
  readonly beta: Float32Array[];

  constructor(
    readonly points: readonly LockPoint[],
    readonly batchSize: number,
  ) {
    this.alpha = points.map((p) => new Float32Array(batchSize * p.size).fill(1));
    this.beta = points.map((p) => new Float32Array(batchSize * p.size));
  }

  /** Applies a sparse lock to row `row` (on top of what is there). */
  set(row: number, lock: SampleLock): void {
    lock.forEach((entry, p) => {
      const size = this.points[p]!.size;
      const a = this.alpha[p]!;
      const b = this.beta[p]!;
      entry.neurons.forEach((n, i) => {
        a[row * size + n] = entry.alpha[i]!;
        b[row * size + n] = entry.beta[i]!;
      });
    });
  }

  /** [alpha0, beta0, alpha1, beta1, ...] as tensors, in lock-graph input order. */
  toTensors(): tf.Tensor2D[] {
    return this.points.flatMap((p, i) => [
      tf.tensor2d(this.alpha[i]!, [this.batchSize, p.size]),
      tf.tensor2d(this.beta[i]!, [this.batchSize, p.size]),
    ]);
  }
}

/** The sparse form of a password, aligned with `points` (a point the password does not lock gets no entries). */
export function passwordLock(password: Password, points: readonly LockPoint[]): SampleLock {
  return points.map((p) => {
    const key = password.lockPoints.find((k) => k.layer === p.layer);
    return key ? { neurons: key.neurons, alpha: key.alpha, beta: key.beta } : { neurons: [], alpha: [], beta: [] };
  });
}

/** Vectors for a whole batch that gets the same lock (or none, with `lock` undefined). */
export function uniformBatchVectors(points: readonly LockPoint[], batchSize: number, lock?: SampleLock): tf.Tensor2D[] {
  const locks = new BatchLocks(points, batchSize);
  if (lock) for (let r = 0; r < batchSize; r++) locks.set(r, lock);
  return locks.toTensors();
}
