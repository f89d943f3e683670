import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { ModelFormatError } from '../util/errors.js';
import type { LockPoint } from './types.js';

const PASS_THROUGH = new Set(['MaxPooling2D', 'AveragePooling2D', 'Dropout']);
const LINEAR = new Set(['Dense', 'Conv2D']);

function outputShape(layer: Layer): (number | null)[] {
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) throw new ModelFormatError(`layer ${layer.name} has several outputs; it cannot be a lock point`);
  return shape as (number | null)[];
}

function hasNonlinearActivation(layer: Layer): boolean {
  const className = layer.getClassName();
  if (className === 'Activation' || className === 'ReLU' || className === 'LeakyReLU' || className === 'ELU') return true;
  const config = layer.getConfig() as { activation?: unknown };
  return typeof config.activation === 'string' && config.activation !== 'linear' && config.activation !== 'softmax';
}

/** Describes the output of a named layer as a lock point, or throws if it cannot be one. */
export function describeLockPoint(model: LayersModel, layerName: string): LockPoint {
  let layer: Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    throw new ModelFormatError(`model has no layer named "${layerName}" (layers: ${model.layers.map((l) => l.name).join(', ')})`);
  }
  const shape = outputShape(layer);
  const size = shape[shape.length - 1];
  if (typeof size !== 'number') throw new ModelFormatError(`layer ${layerName} has an unknown number of outputs`);
  if (shape.length === 2) return { layer: layerName, kind: 'dense', size };
  if (shape.length === 4) return { layer: layerName, kind: 'conv', size };
  throw new ModelFormatError(`layer ${layerName} has output shape [${shape.join(', ')}]; a lock point needs [batch, units] or [batch, h, w, channels]`);
}

/**
 * Chooses lock points in a user's model: after each nonlinear activation, moved past the pooling or dropout layers
 * that directly follow it (so a conv block is locked after its pooling, as in the paper's LeNet-5), and never the
 * output layer.
 */
export function autoLockPoints(model: LayersModel): LockPoint[] {
  const outputNames = new Set(model.outputLayers.map((l) => l.name));
  const consumers = new Map<string, Layer[]>();
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes) {
      for (const inbound of node.inboundLayers) {
        const list = consumers.get(inbound.name) ?? [];
        list.push(layer);
        consumers.set(inbound.name, list);
      }
    }
  }
  const chosen: string[] = [];
  for (const layer of model.layers) {
    if (outputNames.has(layer.name) || !hasNonlinearActivation(layer)) continue;
    let point = layer;
    for (;;) {
      const next = consumers.get(point.name) ?? [];
      if (next.length !== 1 || !PASS_THROUGH.has(next[0]!.getClassName())) break;
      point = next[0]!;
    }
    // A linear layer that directly feeds another (no activation between) is not a neuron boundary worth locking.
    if (LINEAR.has(point.getClassName()) && !hasNonlinearActivation(point)) continue;
    if (!outputNames.has(point.name) && !chosen.includes(point.name)) chosen.push(point.name);
  }
  if (chosen.length === 0) throw new ModelFormatError('found no layer with a nonlinear activation to lock; name lock layers explicitly');
  return chosen.map((name) => describeLockPoint(model, name));
}
