/** The benchmark's edgepro workload through edgepro's own modules: what a user of `edgepro train` runs. */
import { loadEmbeddedMnist } from '../src/data/index.js';
import { subset } from '../src/data/types.js';
import { buildLeNet5 } from '../src/models/index.js';
import { trainClassifier } from '../src/train/index.js';
import { createRng, shuffleInPlace } from '../src/util/rng.js';
import type { BenchSamples, EpochOptions } from './workload_types.js';

export function loadSamples(count: number, seed: number): BenchSamples {
  const all = loadEmbeddedMnist();
  const order = new Int32Array(all.y.length).map((_, i) => i);
  shuffleInPlace(order, createRng(seed));
  const part = subset(all, order.subarray(0, count));
  return { x: part.x, y: part.y };
}

export function trainOneEpoch(samples: BenchSamples, options: EpochOptions): { seconds: number; loss: number } {
  const { model } = buildLeNet5({ seed: options.seed });
  const ds = { name: 'bench', x: samples.x, y: samples.y, sampleShape: [28, 28, 1], numClasses: 10 };
  try {
    const result = trainClassifier(model, ds, {
      epochs: 1,
      batchSize: options.batchSize,
      seed: options.seed,
      optimizer: 'sgd',
      learningRate: 0.01,
      momentum: 0.9,
      weightDecay: 5e-4,
      schedule: 'constant',
    });
    return { seconds: result.seconds, loss: result.finalLoss };
  } finally {
    model.dispose();
  }
}
