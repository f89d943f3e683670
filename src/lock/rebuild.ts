/**
 * Re-wires a functional model's layers into a new graph, with something inserted after chosen layers, while sharing
 * the very same layer objects (so the same weights). This is how one plain model gets a lock-training twin (lock
 * inputs after each lock point) and an unlocked twin (fixed locks where folding is not exact), with no weight copied.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { Layer, SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { ModelFormatError } from '../util/errors.js';

interface ContainerInternals {
  containerNodes: Set<string>;
  inputLayersNodeIndices: number[];
  inputLayersTensorIndices: number[];
  outputLayersNodeIndices: number[];
  outputLayersTensorIndices: number[];
}

export interface RebuildSpec {
  /** Called with each layer's new output; returns what downstream layers should consume instead (or the same). */
  after?: (layerName: string, output: SymbolicTensor) => SymbolicTensor;
  /** Inputs the new model takes after the original ones (e.g. per-sample lock vectors). */
  extraInputs?: SymbolicTensor[];
  name?: string;
}

/** Rebuilds `model` per `spec`. The result shares layers (and weights) with `model`. */
export function rebuildModel(model: tfl.LayersModel, spec: RebuildSpec = {}): tfl.LayersModel {
  // A Sequential model wires its graph lazily (on first use); make sure it is there before reading it.
  if (model instanceof tfl.Sequential && !model.built) model.build();
  const internals = model as unknown as ContainerInternals;
  const produced = new Map<string, SymbolicTensor>();
  const key = (layer: string, node: number, tensor: number) => `${layer}|${node}|${tensor}`;

  const newInputs: SymbolicTensor[] = model.inputLayers.map((layer, i) => {
    const original = model.inputs[i]!;
    const input = tfl.input({ shape: original.shape.slice(1) as number[], dtype: original.dtype, name: layer.name });
    produced.set(key(layer.name, internals.inputLayersNodeIndices[i] ?? 0, internals.inputLayersTensorIndices[i] ?? 0), input);
    return input;
  });

  for (const layer of model.layers as Layer[]) {
    if (layer.getClassName() === 'InputLayer') continue;
    const nodeIndex = layer.inboundNodes.findIndex((_, i) => internals.containerNodes.has(`${layer.name}_ib-${i}`));
    const node = layer.inboundNodes[nodeIndex];
    if (node === undefined) throw new ModelFormatError(`layer ${layer.name} is not connected in model ${model.name}`);
    if (model.layers.filter((l) => l === layer).length > 1 || layer.inboundNodes.filter((_, i) => internals.containerNodes.has(`${layer.name}_ib-${i}`)).length > 1) {
      throw new ModelFormatError(`layer ${layer.name} is used more than once; shared layers are not supported`);
    }
    const inputs = node.inboundLayers.map((inbound, j) => {
      const t = produced.get(key(inbound.name, node.nodeIndices[j]!, node.tensorIndices[j]!));
      if (t === undefined) throw new ModelFormatError(`layer ${layer.name}: input from ${inbound.name} not built yet (graph not topologically ordered?)`);
      return t;
    });
    const raw = layer.apply(inputs.length === 1 ? inputs[0]! : inputs, node.callArgs ?? {}) as SymbolicTensor | SymbolicTensor[];
    const outputs = Array.isArray(raw) ? raw : [raw];
    const newNodeIndex = layer.inboundNodes.length - 1;
    outputs.forEach((out, k) => {
      const replaced = outputs.length === 1 && spec.after ? spec.after(layer.name, out) : out;
      produced.set(key(layer.name, newNodeIndex, k), replaced);
      // Downstream layers refer to the original node index; alias it.
      produced.set(key(layer.name, nodeIndex, k), replaced);
    });
  }

  const newOutputs = model.outputLayers.map((layer, i) => {
    const t = produced.get(key(layer.name, internals.outputLayersNodeIndices[i] ?? 0, internals.outputLayersTensorIndices[i] ?? 0));
    if (t === undefined) throw new ModelFormatError(`output ${layer.name} was not rebuilt`);
    return t;
  });
  return tfl.model({
    inputs: [...newInputs, ...(spec.extraInputs ?? [])],
    outputs: newOutputs.length === 1 ? newOutputs[0]! : newOutputs,
    name: spec.name ?? `${model.name}_rebuilt`,
  });
}
