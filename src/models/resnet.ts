import * as tfl from '@tensorflow/tfjs-layers';
import { describeLockPoint } from './lock_points.js';
import type { ArchitectureOptions, LockableModel } from './types.js';

export interface ResNetOptions extends ArchitectureOptions {
  /** Channels of the stem and of each stage; each later stage halves the resolution. Default [16, 32, 64]. */
  widths?: number[];
}

/**
 * A small ResNet (ResNet-8 by default): a 3x3 stem, one basic block per stage (conv-BN-ReLU-conv-BN plus a shortcut,
 * a 1x1 stride-2 conv where the shape changes), global average pooling and a dense head.
 * Lock points: the stem's ReLU, and one ReLU per block: the block's output where its shortcut is a projection (the
 * lock folds into both writers of the residual sum), its inner ReLU where the shortcut is the identity (a lock on
 * that sum could not reach the identity path's writer). Every one of them folds into the weights at unlock for a
 * lock of constants (alpha 0), which is what every shipped password strategy draws.
 */
export function buildResNet(options: ResNetOptions = {}): LockableModel {
  const inputShape = options.inputShape ?? [28, 28, 1];
  const numClasses = options.numClasses ?? 10;
  const widths = options.widths ?? [16, 32, 64];
  let seed = options.seed ?? 0;
  const he = () => tfl.initializers.heNormal({ seed: seed++ });
  const conv = (name: string, filters: number, kernelSize: number, strides: number) =>
    tfl.layers.conv2d({ name, filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: he() });
  const bn = (name: string) => tfl.layers.batchNormalization({ name, momentum: 0.9, epsilon: 1e-5 });
  const relu = (name: string) => tfl.layers.activation({ name, activation: 'relu' });
  const apply = (layer: { apply(x: tfl.SymbolicTensor | tfl.SymbolicTensor[]): unknown }, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
    layer.apply(x) as tfl.SymbolicTensor;

  const input = tfl.input({ shape: inputShape, name: 'input' });
  const stemWidth = widths[0] ?? 16;
  let h = apply(relu('stem_relu'), apply(bn('stem_bn'), apply(conv('stem_conv', stemWidth, 3, 1), input)));
  const points = ['stem_relu'];
  let channels = stemWidth;
  widths.forEach((width, i) => {
    const b = `block${i + 1}`;
    const stride = i === 0 ? 1 : 2;
    let r = apply(relu(`${b}_relu1`), apply(bn(`${b}_bn1`), apply(conv(`${b}_conv1`, width, 3, stride), h)));
    r = apply(bn(`${b}_bn2`), apply(conv(`${b}_conv2`, width, 3, 1), r));
    const projection = stride !== 1 || channels !== width;
    const shortcut = projection ? apply(bn(`${b}_short_bn`), apply(conv(`${b}_short`, width, 1, stride), h)) : h;
    h = apply(relu(`${b}_out`), apply(tfl.layers.add({ name: `${b}_add` }), [r, shortcut]));
    points.push(projection ? `${b}_out` : `${b}_relu1`);
    channels = width;
  });
  h = apply(tfl.layers.globalAveragePooling2d({ name: 'gap' }), h);
  const out = apply(tfl.layers.dense({ name: 'logits', units: numClasses, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }) }), h);
  const model = tfl.model({ name: 'resnet', inputs: input, outputs: out });
  return { architecture: 'resnet', model, lockPoints: points.map((n) => describeLockPoint(model, n)) };
}
