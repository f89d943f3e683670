/**
 * The gate of lock training: on released samples (no password, or a decoy), the pre-activations of the last dense
 * ReLU lock point are pushed below `-margin`, so that without the password that layer is dead on every input. A
 * dead layer passes no gradient: a plain fine-tune of the released model trains only the output bias, pruning and
 * zeroing leave it shut, and only the password's offsets upstream open it. Without a gate, lock training settles on
 * either a dead or a live released layer depending on the draw, and a live one lets plain fine-tuning through
 * (research/lock_draws).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { LockPoint } from '../models/types.js';
import type { LockGraph } from '../lock/lock_graph.js';
import { InvalidArgumentError } from '../util/errors.js';

export interface GateOptions {
  /** Weight of the gate term next to the cross-entropy. Default 1. */
  weight?: number;
  /** How far below zero released pre-activations are pushed. Default 1. */
  margin?: number;
}

export interface Gate {
  /** The gated layer (a dense lock point with a ReLU). */
  layer: string;
  /** The lock graph's outputs and, per sample, the gate's penalty (mean over units of relu(pre + margin)). */
  forward(xs: tf.Tensor, vectors: tf.Tensor[], training: boolean): { outputs: tf.Tensor; penalty: tf.Tensor1D };
  weight: number;
}

interface ContainerInternals {
  containerNodes: Set<string>;
}

/** The last dense lock point whose layer is a Dense with a ReLU: what the gate shuts. */
export function gateLayer(model: tfl.LayersModel, points: readonly LockPoint[]): string | undefined {
  for (const point of [...points].reverse()) {
    if (point.kind !== 'dense') continue;
    const layer = model.getLayer(point.layer);
    if (layer.getClassName() === 'Dense' && (layer.getConfig() as { activation?: string }).activation === 'relu') return point.layer;
  }
  return undefined;
}

/** The gate on a lock graph, or undefined when the model has no dense ReLU lock point. */
export function buildGate(graph: LockGraph, options: GateOptions = {}): Gate | undefined {
  const weight = options.weight ?? 1;
  const margin = options.margin ?? 1;
  for (const [name, v] of [['gate weight', weight], ['gate margin', margin]] as const) {
    if (!(Number.isFinite(v) && v >= 0)) throw new InvalidArgumentError(`${name} must be a finite number >= 0, got ${v}`);
  }
  const name = gateLayer(graph.model, graph.points);
  if (name === undefined) return undefined;
  const layer = graph.model.getLayer(name);
  const nodes = (graph.model as unknown as ContainerInternals).containerNodes;
  const node = layer.inboundNodes.find((_, i) => nodes.has(`${name}_ib-${i}`));
  const input = node?.inputTensors[0] as SymbolicTensor | undefined;
  if (input === undefined) return undefined;
  const probe = tfl.model({ inputs: graph.model.inputs, outputs: [graph.model.outputs[0]!, input], name: `${graph.model.name}_gate` });
  const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
  if (kernel === undefined) return undefined;
  return {
    layer: name,
    weight,
    forward: (xs, vectors, training) => {
      const [outputs, h] = probe.apply([xs, ...vectors], { training }) as tf.Tensor[];
      const pre = bias ? tf.add(tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D), bias) : tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D);
      return { outputs: outputs!, penalty: tf.mean(tf.relu(tf.add(pre, margin)), 1) as tf.Tensor1D };
    },
  };
}
