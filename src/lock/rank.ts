/**
 * Step 1 of EdgePro: rank each lock point's neurons by how strongly they fire on a sample of the data.
 * A neuron is a dense unit, or a conv channel (its activation averaged over spatial positions).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Dataset } from '../data/types.js';
import type { LockableModel, LockPoint } from '../models/types.js';
import { InvalidArgumentError, ModelFormatError } from '../util/errors.js';

/** The ranking of one lock point's neurons. */
export interface NeuronRanking {
  layer: string;
  kind: LockPoint['kind'];
  /** Number of neurons (units or channels). */
  size: number;
  /** Neuron indices, highest summed activation first (ties: lower index first). */
  order: number[];
  /** Per neuron: mean activation over the samples (and, for a conv channel, over spatial positions). */
  meanActivation: Float32Array;
  /** Per neuron: activation summed over the samples (and, for a conv channel, over spatial positions). */
  sumActivation: Float32Array;
  /** Number of samples the ranking was computed on. */
  samples: number;
}

export interface RankOptions {
  /** Use the first `samples` samples of the dataset (all of them if it has fewer). Default 200. */
  samples?: number;
  /** Samples per forward pass. Default 64. */
  batchSize?: number;
}

// --- internals ---

interface ContainerInternals {
  containerNodes: Set<string>;
}

/** A Sequential model wires its graph lazily (on first predict); make sure it is there before reading it. */
function ensureBuilt(model: tfl.LayersModel): void {
  if (model instanceof tfl.Sequential && !model.built) model.build();
}

/** The symbolic output of `layerName` in `model`'s own graph (a layer may also sit in other graphs, e.g. the lock graph). */
function outputInModel(model: tfl.LayersModel, layerName: string): SymbolicTensor {
  const layer = model.getLayer(layerName);
  const nodes = (model as unknown as ContainerInternals).containerNodes;
  const index = layer.inboundNodes.findIndex((_, i) => nodes.has(`${layer.name}_ib-${i}`));
  const output = layer.inboundNodes[index]?.outputTensors;
  if (output === undefined || output.length !== 1) throw new ModelFormatError(`layer ${layerName} cannot be a lock point: it has no single output in model ${model.name}`);
  return output[0]!;
}

function positiveInteger(value: number, name: string): number {
  if (!(Number.isInteger(value) && value > 0)) throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Ranks the neurons of every lock point of `lockable` by their summed activation on the first `samples` samples of
 * `ds` (pass a stratified sample). Runs the model in inference mode, in batches; leaves no tensor behind.
 *
 * @example
 * ```ts
 * const ranking = rankNeurons(lockable, sample, { samples: 200 });
 * ranking[0].order.slice(0, 5); // the five most active neurons of the first lock point
 * ```
 */
export function rankNeurons(lockable: LockableModel, ds: Dataset, options: RankOptions = {}): NeuronRanking[] {
  const wanted = positiveInteger(options.samples ?? 200, 'samples');
  const batchSize = positiveInteger(options.batchSize ?? 64, 'batchSize');
  const { model, lockPoints } = lockable;
  ensureBuilt(model);
  if (lockPoints.length === 0) throw new InvalidArgumentError(`model ${model.name} has no lock points: name the layers to lock, or let edgepro place them`);
  if (model.inputs.length !== 1) throw new InvalidArgumentError(`edgepro locks single-input, single-output classifiers; ${model.name} has ${model.inputs.length} inputs`);
  if (model.outputs.length !== 1) throw new InvalidArgumentError(`edgepro locks single-input, single-output classifiers; ${model.name} has ${model.outputs.length} outputs`);
  const inputShape = model.inputs[0]!.shape.slice(1);
  if (inputShape.length !== ds.sampleShape.length || inputShape.some((d, i) => d !== null && d !== ds.sampleShape[i])) {
    throw new InvalidArgumentError(`dataset ${ds.name} has samples of shape [${ds.sampleShape.join(', ')}], model ${model.name} expects [${inputShape.join(', ')}]`);
  }
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const n = Math.min(wanted, ds.y.length, Math.floor(ds.x.length / per));
  if (n === 0) throw new InvalidArgumentError(`dataset ${ds.name} has no samples to rank neurons on`);

  // A view of the same layers whose outputs are the lock points. It owns no weights: never dispose it
  // (disposing a container releases its layers' weights).
  const probe = tfl.model({ inputs: model.inputs, outputs: lockPoints.map((p) => outputInModel(model, p.layer)), name: `${model.name}_rank` });
  const sums = lockPoints.map((p) => new Float64Array(p.size));
  const positions = lockPoints.map(() => 1);

  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const batchSums = tf.tidy(() => {
      const xs = tf.tensor(ds.x.subarray(start * per, end * per), [end - start, ...ds.sampleShape], 'float32');
      const raw = probe.predict(xs) as tf.Tensor | tf.Tensor[];
      const outputs = Array.isArray(raw) ? raw : [raw];
      return outputs.map((out, i) => {
        const point = lockPoints[i]!;
        if (out.shape[out.shape.length - 1] !== point.size) {
          throw new ModelFormatError(`layer ${point.layer}: its output has ${out.shape[out.shape.length - 1]} neurons, the lock point expects ${point.size}`);
        }
        positions[i] = out.size / (out.shape[0]! * point.size);
        // Sum over every axis but the last (samples, and spatial positions for a conv map).
        return tf.sum(tf.reshape(out, [-1, point.size]), 0);
      });
    });
    batchSums.forEach((t, i) => {
      const values = t.dataSync();
      const sum = sums[i]!;
      for (let k = 0; k < sum.length; k++) sum[k]! += values[k]!;
      t.dispose();
    });
  }

  return lockPoints.map((point, i) => {
    const sum = sums[i]!;
    const count = n * positions[i]!;
    const order = Array.from({ length: point.size }, (_, k) => k).sort((a, b) => sum[b]! - sum[a]! || a - b);
    return {
      layer: point.layer,
      kind: point.kind,
      size: point.size,
      order,
      meanActivation: Float32Array.from(sum, (s) => s / count),
      sumActivation: Float32Array.from(sum),
      samples: n,
    };
  });
}
