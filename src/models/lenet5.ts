import * as tfl from '@tensorflow/tfjs-layers';
import { describeLockPoint } from './lock_points.js';
import type { ArchitectureOptions, LockableModel } from './types.js';

/**
 * LeNet-5 as in the EdgePro reference code: two conv blocks (conv 5x5, ReLU, max-pool 2) and three dense layers.
 * Lock points: after each pooled conv block (`pool1`, `pool2`) and after `fc1`, `fc2`.
 * The output layer `logits` has no softmax: losses and predictions apply it.
 *
 * @example
 * ```ts
 * const lenet = buildLeNet5({ seed: 0 }); // 28x28x1 in, 10 classes out, four lock points
 * trainClassifier(lenet.model, train, { epochs: 2, seed: 0 });
 * ```
 */
export function buildLeNet5(options: ArchitectureOptions = {}): LockableModel {
  const inputShape = options.inputShape ?? [28, 28, 1];
  const numClasses = options.numClasses ?? 10;
  let seed = options.seed ?? 0;
  const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const input = tfl.input({ shape: inputShape, name: 'input' });
  let h = tfl.layers
    .conv2d({ name: 'conv1', filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init() })
    .apply(input) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers
    .conv2d({ name: 'conv2', filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu', kernelInitializer: init() })
    .apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.flatten({ name: 'flatten' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.dense({ name: 'fc1', units: 120, activation: 'relu', kernelInitializer: init() }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.dense({ name: 'fc2', units: 84, activation: 'relu', kernelInitializer: init() }).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ name: 'logits', units: numClasses, kernelInitializer: init() }).apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ name: 'lenet5', inputs: input, outputs: out });
  return {
    architecture: 'lenet5',
    model,
    lockPoints: ['pool1', 'pool2', 'fc1', 'fc2'].map((name) => describeLockPoint(model, name)),
  };
}
