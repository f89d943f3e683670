import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * A place in the network whose output can be locked: the output of the named layer.
 * For a dense layer a neuron is a unit; for a conv feature map it is a channel (the same lock at every position).
 */
export interface LockPoint {
  /** Name of the layer whose output is locked. */
  layer: string;
  /** `dense`: output [batch, units]; `conv`: output [batch, h, w, channels]. */
  kind: 'dense' | 'conv';
  /** Number of neurons (units or channels). */
  size: number;
}

/** A model together with the lock points its architecture names. */
export interface LockableModel {
  /** The architecture's name, e.g. `lenet5`, or `custom` for a user's model.json. */
  architecture: string;
  model: LayersModel;
  lockPoints: LockPoint[];
  /** The name of each class (`classNames[k]` for output k), when known; stored in model.json's metadata. */
  classNames?: string[];
}

export interface ArchitectureOptions {
  /** Per-sample input shape, e.g. [28, 28, 1]. */
  inputShape?: number[];
  numClasses?: number;
  /** Seed for the weight initialisers: same seed, same initial weights. */
  seed?: number;
}
