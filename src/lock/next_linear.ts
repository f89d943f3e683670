/**
 * Where a lock point's neurons go: the walk from a layer's output, through layers that pass each neuron (unit or
 * channel) through unchanged, to the next linear layer. Folding a lock needs it (the lock folds into that layer's
 * input weights) and so does magnitude pruning (a neuron's outgoing weights are that layer's input rows).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { LockPoint } from '../models/types.js';

interface ContainerInternals {
  containerNodes: Set<string>;
}

interface GraphNode {
  layer: Layer;
  /** Names of the layers feeding this one (one entry per input tensor). */
  inputs: string[];
  /** Used more than once in this model. */
  shared: boolean;
}

/** A model's own wiring: its layers may also sit in other graphs (such as the lock graph), which this ignores. */
export interface ModelGraph {
  nodes: Map<string, GraphNode>;
  consumers: Map<string, string[]>;
  outputs: Set<string>;
}

/** The next linear layer after a lock point, and the pass-through layers on the way. */
export interface NextLinear {
  /** The Dense or Conv2D layer the lock point's neurons feed. */
  layer: Layer;
  /** Class names of the layers passed through on the way (Flatten, GlobalAveragePooling2D, Dropout). */
  through: string[];
}

/** A Sequential model wires its graph lazily (on first predict); make sure it is there before reading it. */
export function ensureBuilt(model: tfl.LayersModel): void {
  if (model instanceof tfl.Sequential && !model.built) model.build();
}

/** Reads the model's own graph once; pass it to {@link nextLinearLayer} for each lock point. */
export function describeGraph(model: tfl.LayersModel): ModelGraph {
  ensureBuilt(model);
  const containerNodes = (model as unknown as ContainerInternals).containerNodes;
  const nodes = new Map<string, GraphNode>();
  const consumers = new Map<string, string[]>();
  for (const layer of model.layers as Layer[]) {
    const own = layer.inboundNodes.filter((_, i) => containerNodes.has(`${layer.name}_ib-${i}`));
    const inputs = own[0]?.inboundLayers.map((l) => l.name) ?? [];
    nodes.set(layer.name, { layer, inputs, shared: own.length > 1 });
    for (const own1 of own) {
      for (const inbound of own1.inboundLayers) consumers.set(inbound.name, [...(consumers.get(inbound.name) ?? []), layer.name]);
    }
  }
  return { nodes, consumers, outputs: new Set(model.outputLayers.map((l) => l.name)) };
}

export function channelsLast(layer: Layer): boolean {
  const format = (layer.getConfig() as { dataFormat?: string }).dataFormat;
  return format === undefined || format === 'channelsLast';
}

/**
 * The single Dense or Conv2D layer that `start`'s output reaches through pass-through layers only (Flatten and
 * GlobalAveragePooling2D in channels-last order, where input row `r` belongs to neuron `r % channels`; Dropout), or
 * undefined when the path forks, merges, ends at a model output, meets any other layer, or passes through a layer
 * in `stopAt` (e.g. another lock point, whose own lock would sit in between).
 */
export function nextLinearLayer(graph: ModelGraph, start: string, stopAt: ReadonlySet<string> = new Set()): NextLinear | undefined {
  let current = start;
  const through: string[] = [];
  for (;;) {
    if (graph.outputs.has(current)) return undefined;
    const next = graph.consumers.get(current) ?? [];
    if (next.length !== 1) return undefined;
    const node = graph.nodes.get(next[0]!);
    if (node === undefined || node.shared || node.inputs.length !== 1) return undefined;
    const { layer } = node;
    const cls = layer.getClassName();
    switch (cls) {
      case 'Dense':
        return { layer, through };
      case 'Conv2D':
        return channelsLast(layer) ? { layer, through } : undefined;
      case 'Flatten':
      case 'GlobalAveragePooling2D':
        if (!channelsLast(layer)) return undefined;
        break;
      case 'Dropout':
        break;
      default:
        return undefined;
    }
    if (stopAt.has(layer.name)) return undefined;
    through.push(cls);
    current = layer.name;
  }
}

/**
 * L1 norm of each lock-point neuron's outgoing weights: the magnitude-pruning criterion. The outgoing weights are the
 * input rows of the next Dense or Conv2D (found as folding finds it, through Flatten, GlobalAveragePooling2D and
 * Dropout; after a channels-last Flatten, rows `r % size == n` belong to neuron n). Returns undefined where no single
 * linear layer follows (batch norm, residual add, a model output): there the criterion is undefined.
 */
export function outgoingWeightL1(model: tfl.LayersModel, point: LockPoint, graph: ModelGraph = describeGraph(model)): Float32Array | undefined {
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
