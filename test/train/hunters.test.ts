import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/engine/index.js';
import { buildMlp } from '../../src/models/index.js';
import { buildLockGraph, forwardLocked, type Password } from '../../src/lock/index.js';
import { BatchLocks, passwordLock, type SampleLock } from '../../src/lock/vectors.js';
import { crossEntropy, lockTrain, trainClassifier } from '../../src/train/index.js';
import { HunterPool } from '../../src/train/hunters.js';
import { gatherInputs, gatherLabels } from '../../src/data/types.js';
import { createRng } from '../../src/util/rng.js';
import { syntheticImages } from '../helpers/synthetic.js';

beforeAll(async () => {
  await initEngine();
});

const train = syntheticImages({ n: 320, size: 10, numClasses: 4, seed: 21 });
const password: Password = { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 8, neurons: [1, 2], alpha: [0, 0], beta: [1, -1] }] };

describe('hunters (decoys polished by gradient)', () => {
  it('step by step, a hunter gets better at what the attacker wants: the true labels through the locked model', () => {
    const lockable = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [8], seed: 5 });
    trainClassifier(lockable.model, train, { epochs: 4, batchSize: 32, seed: 5 });
    // Ruin the model with a large bias towards class 0; a constant on a unit or two can push back.
    const logits = lockable.model.getLayer('logits');
    const [kernel, bias] = logits.getWeights();
    logits.setWeights([kernel!, tf.tensor1d((bias!.arraySync() as number[]).map((b, c) => (c === 0 ? b + 6 : b)))]);
    const graph = buildLockGraph(lockable);
    const all = Int32Array.from({ length: train.y.length }, (_, i) => i);
    const lossWith = (lock: SampleLock) =>
      tf.tidy(() => {
        const locks = new BatchLocks(graph.points, all.length);
        for (let r = 0; r < all.length; r++) locks.set(r, lock);
        return crossEntropy(forwardLocked(graph, gatherInputs(train, all), locks.toTensors(), false), gatherLabels(train, all), false).dataSync()[0]!;
      });
    const rng = createRng(3);
    const pool = new HunterPool(graph, passwordLock(password, graph.points), { count: 1, lifetime: 1000, samples: 64, stepSize: 0.3 });
    expect(pool.draw(rng)).toBeUndefined();
    pool.step(train, all.subarray(0, 64), rng);
    const hunter = pool.draw(rng)!;
    const snapshot = hunter.map((e) => ({ ...e, beta: [...e.beta] }));
    const before = lossWith(snapshot);
    for (let i = 0; i < 40; i++) pool.step(train, all.subarray((i % 5) * 64, (i % 5) * 64 + 64), rng);
    // The same hunter (same neurons), other values: lower loss on the true labels, within the bound of 8 key values.
    expect(pool.draw(rng)).toBe(hunter);
    expect(hunter[0]!.neurons).toEqual(snapshot[0]!.neurons);
    expect(lossWith(hunter)).toBeLessThan(before - 0.05);
    expect(hunter[0]!.beta.every((b) => Math.abs(b) <= 8)).toBe(true);
  });

  it('rejects bad settings with typed errors', () => {
    const lockable = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [8], seed: 1 });
    const graph = buildLockGraph(lockable);
    const key = passwordLock(password, graph.points);
    for (const bad of [{ count: 0 }, { share: 1.5 }, { stepSize: -1 }, { lifetime: 2.5 }, { samples: Number.NaN }]) {
      expect(() => new HunterPool(graph, key, bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('lock training with hunters is reproducible from its seed, differs from training without, and leaks no tensors', () => {
    const run = (hunters?: { count: number; share: number }) => {
      const lockable = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [8], seed: 1 });
      const counts: number[] = [];
      const result = lockTrain(lockable, password, train, {
        epochs: 3,
        batchSize: 64,
        seed: 2,
        optimizer: 'adam',
        learningRate: 1e-3,
        ...(hunters ? { hunters } : {}),
        onEvent: (e) => {
          if (e.type === 'epoch') counts.push(tf.memory().numTensors);
        },
      });
      return { loss: result.finalLoss, counts };
    };
    const a = run({ count: 4, share: 0.5 });
    const b = run({ count: 4, share: 0.5 });
    const plain = run();
    expect(a.loss).toBe(b.loss);
    expect(a.loss).not.toBe(plain.loss);
    expect(new Set(a.counts.slice(1)).size).toBe(1);
  });
});
