/**
 * Hunters: decoys that learn. A fixed decoy (a sparse guess with random values) teaches the model the guesses we drew;
 * an attacker instead *chooses* the values of the few neurons they lock, keeping whatever opens the model most. A hunter
 * is a sparse guess whose offsets (beta) are polished, during lock training, by gradient steps towards the true labels —
 * the attacker's goal — while the released samples that carry it are trained towards random labels. The model is thus
 * taught the worst values of each small set of neurons, not random ones, at the cost of one extra forward and
 * backward pass on a part of each batch. Measured (docs/PROTECTION.md, schemes `g10-hunt`): it made the greedy search
 * and near misses worse, and gave lock-value regression a path from no lock; kept so that the measurement can be re-run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherInputs, type Dataset } from '../data/types.js';
import { forwardLocked, type LockGraph } from '../lock/lock_graph.js';
import { makeDecoy } from '../lock/decoys.js';
import { BatchLocks, type SampleLock } from '../lock/vectors.js';
import { InvalidArgumentError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { crossEntropy, outputsProbabilities } from './loss.js';

export interface HunterOptions {
  /** Hunters alive at once; one of them takes a step per batch. Default 8. */
  count?: number;
  /** Share of the decoys that are a (randomly chosen) hunter rather than a fixed decoy. Default 0.3. */
  share?: number;
  /** Steps a hunter takes before it is replaced by a new one on new neurons. Default 20. */
  lifetime?: number;
  /**
   * Size of a step, per neuron in root-mean-square, in units of a key value's size at that lock point (so steps are
   * alike at layers of different scale). Default 0.3.
   */
  stepSize?: number;
  /** Samples of the batch a hunter's step is computed on. Default 32. */
  samples?: number;
}

interface Hunter {
  lock: SampleLock;
  age: number;
}

/**
 * A population of hunters for one lock training run. `step` moves one hunter (round robin) on a batch; `draw` returns
 * a hunter's current lock for a released sample.
 */
export class HunterPool {
  private readonly hunters: Hunter[] = [];
  private next = 0;
  private readonly count: number;
  private readonly lifetime: number;
  private readonly stepSize: number;
  private readonly samples: number;
  /** Per lock point: the mean size of the key's values there, the unit of steps and the bound of values. */
  private readonly scale: number[];
  private readonly probabilities: boolean;
  readonly share: number;

  constructor(
    private readonly graph: LockGraph,
    private readonly key: SampleLock,
    options: HunterOptions,
  ) {
    this.count = options.count ?? 8;
    this.share = options.share ?? 0.3;
    this.lifetime = options.lifetime ?? 20;
    this.stepSize = options.stepSize ?? 0.3;
    this.samples = options.samples ?? 32;
    for (const [name, v] of [['count', this.count], ['lifetime', this.lifetime], ['samples', this.samples]] as const) {
      if (!(Number.isInteger(v) && v >= 1)) throw new InvalidArgumentError(`hunters.${name} must be a positive integer, got ${v}`);
    }
    if (!(this.share >= 0 && this.share <= 1)) throw new InvalidArgumentError(`hunters.share must be in [0, 1], got ${this.share}`);
    if (!(this.stepSize > 0 && Number.isFinite(this.stepSize))) throw new InvalidArgumentError(`hunters.stepSize must be positive, got ${this.stepSize}`);
    this.scale = key.map((k) => {
      const size = k.beta.reduce((s, b) => s + Math.abs(b), 0) / Math.max(1, k.beta.length);
      return size > 0 ? size : 1;
    });
    this.probabilities = outputsProbabilities(graph.model);
  }

  /** A hunter's lock for one released sample (undefined until the first step). */
  draw(rng: Rng): SampleLock | undefined {
    return this.hunters.length === 0 ? undefined : this.hunters[rng.int(this.hunters.length)]!.lock;
  }

  /**
   * One gradient step of the next hunter on the first samples of `batch` with their true labels: the hunter gets
   * better at opening the model as it now is. A hunter past its lifetime is replaced by a fresh sparse guess.
   */
  step(train: Dataset, batch: Int32Array, rng: Rng): void {
    const i = this.next;
    this.next = (this.next + 1) % this.count;
    let hunter = this.hunters[i];
    if (!hunter || hunter.age >= this.lifetime) {
      hunter = { lock: this.fresh(rng), age: 0 };
      this.hunters[i] = hunter;
    }
    hunter.age++;
    const rows = batch.subarray(0, Math.min(this.samples, batch.length));
    const points = this.graph.points;
    const locks = new BatchLocks(points, 1);
    locks.set(0, hunter.lock);
    const grads = tf.tidy(() => {
      const xs = gatherInputs(train, rows);
      const ys = tf.tensor1d(Int32Array.from(rows, (r) => train.y[r]!), 'int32');
      const alphas = points.map((p, k) => tf.tile(tf.tensor2d(locks.alpha[k]!, [1, p.size]), [rows.length, 1]));
      const betas = points.map((p, k) => tf.tensor2d(locks.beta[k]!, [1, p.size]));
      const loss = (...b: tf.Tensor[]) =>
        crossEntropy(forwardLocked(this.graph, xs, points.flatMap((_, k) => [alphas[k]!, tf.tile(b[k]!, [rows.length, 1])]), false), ys, this.probabilities);
      return tf.grads(loss)(betas);
    });
    const values = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    hunter.lock.forEach((entry, k) => {
      if (entry.neurons.length === 0) return;
      const g = entry.neurons.map((n) => values[k]![n]!);
      const rms = Math.sqrt(g.reduce((s, v) => s + v * v, 0) / g.length);
      if (!(rms > 0)) return;
      const bound = 8 * this.scale[k]!;
      entry.beta = entry.beta.map((b, j) => Math.fround(Math.max(-bound, Math.min(bound, b - (this.stepSize * this.scale[k]! * g[j]!) / rms))));
    });
  }

  /** A new hunter: a sparse guess (fixed decoy kind), which at least one lock point makes non-empty. */
  private fresh(rng: Rng): SampleLock {
    for (;;) {
      const lock = makeDecoy('sparseGuess', this.key, this.graph.points, rng);
      if (lock.some((entry) => entry.neurons.length > 0)) return lock.map((e) => ({ neurons: [...e.neurons], alpha: [...e.alpha], beta: [...e.beta] }));
    }
  }
}
