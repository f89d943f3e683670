import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LockPoint } from '../models/types.js';
import { describeGraph, nextLinearLayer, type ModelGraph } from '../lock/next_linear.js';
import type { Password } from '../lock/password.js';

/**
 * L1 norm of each lock-point neuron's outgoing weights: the magnitude-pruning criterion. The outgoing weights are the
 * input rows of the next Dense or Conv2D (found as folding finds it, through Flatten, GlobalAveragePooling2D and
 * Dropout; after a channels-last Flatten, rows `r % size == n` belong to neuron n). Returns undefined where no single
 * linear layer follows (batch norm, residual add, a model output): there the criterion is undefined.
 */
export function outgoingWeightL1(model: LayersModel, point: LockPoint, graph: ModelGraph = describeGraph(model)): Float32Array | undefined {
  const next = nextLinearLayer(graph, point.layer);
  if (next === undefined) return undefined;
  const kernel = next.layer.getWeights()[0];
  if (kernel === undefined) return undefined;
  const dense = next.layer.getClassName() === 'Dense';
  return tf.tidy(() => {
    const abs = tf.abs(kernel);
    // Dense kernel [inputs, outputs] -> [inputs]; conv kernel [kh, kw, in, out] -> [in].
    const perInput = dense ? tf.sum(abs, 1) : tf.sum(abs, [0, 1, 3]);
    if (perInput.size % point.size !== 0) return undefined;
    return tf.sum(tf.reshape(perInput, [-1, point.size]), 0).dataSync() as Float32Array;
  });
}

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
