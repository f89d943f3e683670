import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { ModelFormatError } from '../util/errors.js';
import type { LockPoint } from './types.js';

const PASS_THROUGH = new Set(['MaxPooling2D', 'AveragePooling2D', 'Dropout']);
const LINEAR = new Set(['Dense', 'Conv2D']);

/** Why a layer's output cannot be a lock point, or undefined if it can. */
function unlockableReason(layer: Layer): string | undefined {
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) return `it has ${shape.length} outputs; a lock point needs a single output`;
  const dims = shape as (number | null)[];
  if (dims.length !== 2 && dims.length !== 4) {
    return `its output has shape [${dims.map(String).join(', ')}] (rank ${dims.length}); edgepro locks [batch, units] (Dense) or [batch, height, width, channels] (Conv2D) outputs`;
  }
  if (typeof dims[dims.length - 1] !== 'number') return 'its number of outputs (last dimension) is unknown';
  return undefined;
}

/** A layer automatic placement would have locked but could not, and why. */
export interface SkippedLayer {
  layer: string;
  /** The layer's class, e.g. `LSTM`. */
  className: string;
  reason: string;
}

/** The lock points automatic placement chose, with the layers it skipped (`skipped`, not enumerable: the array compares as a plain list). */
export type AutoLockPoints = LockPoint[] & { readonly skipped: readonly SkippedLayer[] };

/**
 * Refuses a model edgepro cannot lock as a whole: it locks single-input, single-output classifiers.
 * Throws {@link ModelFormatError} with a message for the model's owner.
 */
export function checkLockableModel(model: LayersModel): void {
  const name = model.name;
  if (model.outputs.length !== 1) throw new ModelFormatError(`edgepro locks single-input, single-output classifiers; ${name} has ${model.outputs.length} outputs`);
  if (model.inputs.length !== 1) throw new ModelFormatError(`edgepro locks single-input, single-output classifiers; ${name} has ${model.inputs.length} inputs`);
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
  const reason = unlockableReason(layer);
  if (reason !== undefined) throw new ModelFormatError(`layer ${layerName} (${layer.getClassName()}) cannot be a lock point: ${reason}`);
  const shape = layer.outputShape as number[];
  const size = shape[shape.length - 1]!;
  return { layer: layerName, kind: shape.length === 2 ? 'dense' : 'conv', size };
}

/**
 * Chooses lock points in a user's model: after each nonlinear activation, moved past the pooling or dropout layers
 * that directly follow it (so a conv block is locked after its pooling, as in the paper's LeNet-5), and never the
 * output layer. A candidate whose output cannot be locked (a Conv1D or LSTM's rank-3 output, several outputs) is
 * skipped and reported in the result's `skipped`. Refuses a model with several inputs or outputs
 * ({@link checkLockableModel}), and one where nothing can be locked.
 *
 * @example
 * ```ts
 * const points = autoLockPoints(model);
 * if (points.skipped.length > 0) console.warn('not locked:', points.skipped);
 * const lockable = { architecture: 'custom', model, lockPoints: points };
 * ```
 */
export function autoLockPoints(model: LayersModel): AutoLockPoints {
  checkLockableModel(model);
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
  const skipped: SkippedLayer[] = [];
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
    if (outputNames.has(point.name) || chosen.includes(point.name) || skipped.some((s) => s.layer === point.name)) continue;
    const reason = unlockableReason(point);
    if (reason === undefined) chosen.push(point.name);
    else skipped.push({ layer: point.name, className: point.getClassName(), reason });
  }
  if (chosen.length === 0) {
    const why = skipped.map((s) => `${s.layer} (${s.className}): ${s.reason}`).join('; ');
    throw new ModelFormatError(
      skipped.length === 0
        ? `found no layer with a nonlinear activation to lock in ${model.name}; name lock layers explicitly`
        : `found no layer of ${model.name} that can be locked; skipped ${why}`,
    );
  }
  const points = chosen.map((name) => describeLockPoint(model, name));
  Object.defineProperty(points, 'skipped', { value: skipped, enumerable: false });
  return points as AutoLockPoints;
}
