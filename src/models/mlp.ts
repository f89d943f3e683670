import * as tfl from '@tensorflow/tfjs-layers';
import { describeLockPoint } from './lock_points.js';
import type { ArchitectureOptions, LockableModel } from './types.js';

export interface MlpOptions extends ArchitectureOptions {
  /** Hidden layer widths; default [256, 128]. Each hidden layer (`fc1`, `fc2`, ...) is a lock point. */
  hidden?: number[];
}

/** A multi-layer perceptron for images (flattened) or tabular rows. */
export function buildMlp(options: MlpOptions = {}): LockableModel {
  const inputShape = options.inputShape ?? [28, 28, 1];
  const numClasses = options.numClasses ?? 10;
  const hidden = options.hidden ?? [256, 128];
  let seed = options.seed ?? 0;
  const input = tfl.input({ shape: inputShape, name: 'input' });
  let h: tfl.SymbolicTensor = input;
  if (inputShape.length > 1) h = tfl.layers.flatten({ name: 'flatten' }).apply(h) as tfl.SymbolicTensor;
  const names: string[] = [];
  hidden.forEach((units, i) => {
    const name = `fc${i + 1}`;
    names.push(name);
    h = tfl.layers
      .dense({ name, units, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }) })
      .apply(h) as tfl.SymbolicTensor;
  });
  const out = tfl.layers
    .dense({ name: 'logits', units: numClasses, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }) })
    .apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ name: 'mlp', inputs: input, outputs: out });
  return { architecture: 'mlp', model, lockPoints: names.map((n) => describeLockPoint(model, n)) };
}
