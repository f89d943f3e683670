import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/engine/index.js';
import { buildLeNet5, buildMlp } from '../../src/models/index.js';
import {
  evaluateClassifier,
  resolveOptimizerOptions,
  scheduledLearningRate,
  scorePredictions,
  trainClassifier,
  type TrainEvent,
} from '../../src/train/index.js';
import { syntheticImages } from '../helpers/synthetic.js';

beforeAll(async () => {
  await initEngine();
});

describe('normal training', () => {
  it('learns a separable task with SGD + momentum + cosine, reporting progress events', () => {
    const train = syntheticImages({ n: 256, seed: 1 });
    const test = syntheticImages({ n: 64, seed: 2 });
    const { model } = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [32], seed: 1 });
    const before = evaluateClassifier(model, test).accuracy;
    const events: TrainEvent[] = [];
    const result = trainClassifier(model, train, { epochs: 4, batchSize: 32, seed: 1, validation: test, onEvent: (e) => events.push(e) });
    const after = evaluateClassifier(model, test).accuracy;
    expect(after).toBeGreaterThan(0.95);
    expect(after).toBeGreaterThan(before);
    expect(result.validationAccuracy).toBe(after);
    expect(events[0]).toMatchObject({ type: 'start', epochs: 4, batchesPerEpoch: 8 });
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(32);
    const epochs = events.filter((e): e is Extract<TrainEvent, { type: 'epoch' }> => e.type === 'epoch');
    expect(epochs.map((e) => e.learningRate)).toEqual([0, 1, 2, 3].map((i) => 0.5 * 0.01 * (1 + Math.cos((Math.PI * i) / 4))));
    expect(epochs[3]!.loss).toBeLessThan(epochs[0]!.loss);
    expect(events.at(-1)?.type).toBe('end');
  });

  it('trains a conv net (LeNet-5) on the wasm backend, with Adam', () => {
    const train = syntheticImages({ n: 128, size: 28, seed: 3 });
    const { model } = buildLeNet5({ numClasses: 4, seed: 1 });
    trainClassifier(model, train, { epochs: 3, batchSize: 32, seed: 1, optimizer: 'adam' });
    expect(evaluateClassifier(model, train).accuracy).toBeGreaterThan(0.9);
  });

  it('does not leak tensors across epochs', () => {
    const train = syntheticImages({ n: 64, size: 28, seed: 4 });
    const { model } = buildLeNet5({ numClasses: 4, seed: 2 });
    const counts: number[] = [];
    trainClassifier(model, train, {
      epochs: 4,
      batchSize: 16,
      seed: 1,
      validation: train,
      onEvent: (e) => {
        if (e.type === 'epoch') counts.push(tf.memory().numTensors);
      },
    });
    // The first epoch creates the optimiser's momentum slots; after that the count must not move.
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('is reproducible: same seed, same weights', () => {
    const train = syntheticImages({ n: 64, seed: 5 });
    const weights = (seed: number) => {
      const { model } = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [8], seed: 1 });
      trainClassifier(model, train, { epochs: 2, batchSize: 16, seed });
      return Array.from(model.getWeights()[0]!.dataSync());
    };
    expect(weights(7)).toEqual(weights(7));
    expect(weights(7)).not.toEqual(weights(8));
  });

  it('stops with a clear error when the loss diverges', () => {
    const train = syntheticImages({ n: 64, seed: 6 });
    const { model } = buildMlp({ inputShape: train.sampleShape, numClasses: 4, seed: 1 });
    expect(() => trainClassifier(model, train, { epochs: 3, seed: 1, learningRate: 1e9, momentum: 0.99 })).toThrow(/diverged/);
  });

  it('refuses a dataset that does not fit the model', () => {
    const train = syntheticImages({ n: 8, size: 12, seed: 1 });
    const { model } = buildLeNet5();
    expect(() => trainClassifier(model, train, { epochs: 1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('optimiser options', () => {
  it('has the reference code defaults for SGD and sane ones for Adam', () => {
    expect(resolveOptimizerOptions({})).toEqual({ optimizer: 'sgd', learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, schedule: 'cosine' });
    expect(resolveOptimizerOptions({ optimizer: 'adam' })).toMatchObject({ learningRate: 0.001, weightDecay: 0 });
  });

  it('rejects bad values with a typed error', () => {
    for (const bad of [{ learningRate: -1 }, { learningRate: Number.NaN }, { weightDecay: -0.1 }, { optimizer: 'rmsprop' as never }]) {
      expect(() => resolveOptimizerOptions(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('anneals the cosine schedule from the base rate towards 0', () => {
    const o = resolveOptimizerOptions({ learningRate: 0.1 });
    expect(scheduledLearningRate(o, 0, 10)).toBeCloseTo(0.1);
    expect(scheduledLearningRate(o, 5, 10)).toBeCloseTo(0.05);
    expect(scheduledLearningRate(o, 9, 10)).toBeLessThan(0.003);
    expect(scheduledLearningRate(resolveOptimizerOptions({ learningRate: 0.1, schedule: 'constant' }), 9, 10)).toBe(0.1);
  });
});

describe('evaluation', () => {
  it('computes accuracy, per-class accuracy and the confusion matrix by hand', () => {
    const m = scorePredictions(Int32Array.from([0, 1, 1, 2, 2, 2]), Int32Array.from([0, 1, 0, 2, 2, 1]), 3);
    expect(m.accuracy).toBeCloseTo(4 / 6);
    expect(m.confusion).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
    expect(m.perClassAccuracy).toEqual([0.5, 0.5, 1]);
  });
});
