import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../util/errors.js';

export type OptimizerName = 'sgd' | 'adam';
export type ScheduleName = 'cosine' | 'constant';

export interface OptimizerOptions {
  /** `sgd` (with momentum) as in the EdgePro reference code, or `adam`. Default `sgd`. */
  optimizer?: OptimizerName;
  /** Default 0.01 for SGD, 0.001 for Adam. */
  learningRate?: number;
  /** SGD momentum; default 0.9. */
  momentum?: number;
  /** L2 weight decay added to the gradient (PyTorch's `weight_decay`); default 5e-4 for SGD, 0 for Adam. */
  weightDecay?: number;
  /** `cosine` (annealed to 0 over the epochs, stepped per epoch, like PyTorch's CosineAnnealingLR) or `constant`. */
  schedule?: ScheduleName;
}

export interface ResolvedOptimizerOptions {
  optimizer: OptimizerName;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleName;
}

export function resolveOptimizerOptions(options: OptimizerOptions): ResolvedOptimizerOptions {
  const optimizer = options.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new InvalidArgumentError(`unknown optimizer "${String(optimizer)}" (sgd or adam)`);
  const schedule = options.schedule ?? 'cosine';
  if (schedule !== 'cosine' && schedule !== 'constant') throw new InvalidArgumentError(`unknown schedule "${String(schedule)}" (cosine or constant)`);
  const resolved = {
    optimizer,
    learningRate: options.learningRate ?? (optimizer === 'sgd' ? 0.01 : 0.001),
    momentum: options.momentum ?? 0.9,
    weightDecay: options.weightDecay ?? (optimizer === 'sgd' ? 5e-4 : 0),
    schedule,
  };
  for (const key of ['learningRate', 'momentum', 'weightDecay'] as const) {
    const v = resolved[key];
    if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError(`${key} must be a finite number >= 0, got ${v}`);
  }
  if (resolved.learningRate === 0) throw new InvalidArgumentError('learningRate must be > 0');
  return resolved;
}

/** Learning rate for epoch `epoch` (0-based) of `epochs`. */
export function scheduledLearningRate(o: ResolvedOptimizerOptions, epoch: number, epochs: number): number {
  if (o.schedule === 'constant' || epochs <= 1) return o.learningRate;
  return 0.5 * o.learningRate * (1 + Math.cos((Math.PI * epoch) / epochs));
}

/**
 * An optimiser whose learning rate can be changed between steps. TF.js optimisers read `learningRate` on every
 * `applyGradients`, so setting the field is enough; this wrapper keeps that detail in one place.
 */
export class Optimizer {
  private readonly inner: tf.Optimizer;

  constructor(readonly options: ResolvedOptimizerOptions) {
    this.inner =
      options.optimizer === 'sgd'
        ? tf.train.momentum(options.learningRate, options.momentum)
        : tf.train.adam(options.learningRate);
  }

  setLearningRate(lr: number): void {
    (this.inner as unknown as { learningRate: number }).learningRate = lr;
  }

  /**
   * One step: gradients of `loss` with respect to `variables`, plus weight decay, applied. Returns the loss value.
   */
  step(loss: () => tf.Scalar, variables: tf.Variable[]): number {
    const { value, grads } = tf.variableGrads(loss, variables);
    const decay = this.options.weightDecay;
    const named: tf.NamedTensorMap = {};
    for (const v of variables) {
      const g = grads[v.name];
      if (g === undefined) continue;
      named[v.name] = decay > 0 ? tf.tidy(() => tf.add(g, tf.mul(v, decay))) : g;
      if (decay > 0) g.dispose();
    }
    this.inner.applyGradients(named);
    tf.dispose(named);
    const lossValue = value.dataSync()[0]!;
    value.dispose();
    return lossValue;
  }

  dispose(): void {
    this.inner.dispose();
  }
}
