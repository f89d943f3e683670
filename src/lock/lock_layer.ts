/**
 * The lock op as TF.js layers.
 *
 * `LockInputLayer` takes per-sample multipliers and offsets as extra model inputs, so one lock-training graph serves
 * every batch (locked, released and decoy samples side by side) without rebuilding the model.
 * `FixedLockLayer` holds one password's vectors as constants: what an unlocked model runs where the lock cannot be
 * folded into the next layer (padded convs, residual branches).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Shape = (number | null)[];

function firstShape(shape: Shape | Shape[]): Shape {
  return (Array.isArray(shape[0]) ? shape[0] : shape) as Shape;
}

/** Broadcasts [batch, size] to a conv feature map [batch, 1, 1, size]; dense outputs are used as they are. */
function toOutputRank(v: tf.Tensor, rank: number): tf.Tensor {
  return rank === 4 ? tf.reshape(v, [v.shape[0]!, 1, 1, v.shape[1]!]) : v;
}

/** `[a, alpha, beta] -> a * alpha + beta`, with alpha and beta given per sample ([batch, size]). */
export class LockInputLayer extends tfl.layers.Layer {
  static readonly className = 'EdgeProLockInput';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return firstShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, alpha, beta] = inputs as tf.Tensor[];
      const rank = a!.rank;
      return tf.add(tf.mul(a!, toOutputRank(alpha!, rank)), toOutputRank(beta!, rank));
    });
  }
}

export interface FixedLockLayerArgs {
  alpha: number[];
  beta: number[];
  name?: string;
}

/** `a -> a * alpha + beta` with constant vectors over the last axis (a unit, or a conv channel at every position). */
export class FixedLockLayer extends tfl.layers.Layer {
  static readonly className = 'EdgeProFixedLock';
  private readonly alphaValues: number[];
  private readonly betaValues: number[];
  private alphaTensor?: tf.Tensor1D;
  private betaTensor?: tf.Tensor1D;

  constructor(args: FixedLockLayerArgs) {
    super(args.name !== undefined ? { name: args.name } : {});
    this.alphaValues = args.alpha;
    this.betaValues = args.beta;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return firstShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const a = Array.isArray(inputs) ? inputs[0]! : inputs;
    // Kept across calls (not tidied) so inference does not re-upload the vectors each batch.
    this.alphaTensor ??= tf.keep(tf.tensor1d(this.alphaValues));
    this.betaTensor ??= tf.keep(tf.tensor1d(this.betaValues));
    return tf.tidy(() => tf.add(tf.mul(a, this.alphaTensor!), this.betaTensor!));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alphaValues, beta: this.betaValues };
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    const result = super.dispose();
    // A layer can sit in several models (see rebuildModel); free the vectors only when the last one lets go.
    if (result.refCountAfterDispose === 0) {
      this.alphaTensor?.dispose();
      this.betaTensor?.dispose();
      this.alphaTensor = undefined;
      this.betaTensor = undefined;
    }
    return result;
  }
}

let registered = false;

/** Registers the lock layers for (de)serialisation; called by the functions that build models with them. */
export function registerLockLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(LockInputLayer);
  tf.serialization.registerClass(FixedLockLayer);
  registered = true;
}
