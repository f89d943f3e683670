import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/engine/index.js';
import { buildLeNet5, buildMlp } from '../../src/models/index.js';
import { loadEmbeddedMnist, sampleStratified, stratifiedSplit } from '../../src/data/index.js';
import { accuracyOf, buildLockGraph, predictWithPassword, unlockModel, type Password } from '../../src/lock/index.js';
import { evaluateClassifier, lockTrain, protectModel, trainClassifier } from '../../src/train/index.js';
import { lockTrainingLoss } from '../../src/train/lock_train.js';
import { createRng } from '../../src/util/rng.js';
import { gatherInputs, gatherLabels } from '../../src/data/types.js';
import { protectionReport } from '../../src/eval/report.js';
import { syntheticImages } from '../helpers/synthetic.js';

beforeAll(async () => {
  await initEngine();
});

const train = syntheticImages({ n: 640, size: 10, numClasses: 4, seed: 11 });
const test = syntheticImages({ n: 200, size: 10, numClasses: 4, seed: 12 });
// Real digits for the end-to-end test: a small stratified subset of the embedded MNIST.
const digits = stratifiedSplit(loadEmbeddedMnist(), { testSize: 500, seed: 1 });
const digitsTrain = sampleStratified(digits.train, 1500, 1);
const digitsTest = digits.test;

describe('lock training end to end', () => {
  it('protects a small model: accurate with the password, near chance without, and the folded model agrees', async () => {
    const train = digitsTrain;
    const test = digitsTest;
    const baseline = buildLeNet5({ seed: 3 });
    trainClassifier(baseline.model, train, { epochs: 4, batchSize: 32, seed: 3 });
    const baselineAccuracy = evaluateClassifier(baseline.model, test).accuracy;
    expect(baselineAccuracy).toBeGreaterThan(0.85);

    const { protected: locked, password } = await protectModel(baseline, train, {
      epochs: 6,
      batchSize: 32,
      seed: 3,
      optimizer: 'adam',
      learningRate: 3e-3,
      decoyShare: 0.5,
      passwordRandomness: 'seed',
    });
    // The baseline is untouched by protection.
    expect(evaluateClassifier(baseline.model, test).accuracy).toBe(baselineAccuracy);

    const report = protectionReport(locked, password, test, { baseline: baseline.model, trials: 10, seed: 1 });
    expect(report.authorizedAccuracy).toBeGreaterThan(0.7);
    expect(report.unauthorizedAccuracy).toBeLessThan(0.3);
    expect(report.authorizedAccuracy - report.unauthorizedAccuracy).toBeGreaterThan(0.4);
    expect(report.wrongPasswordAccuracy.mean).toBeLessThan(report.authorizedAccuracy - 0.3);
    expect(report.password).toEqual({ lockPoints: 4, neurons: password.lockPoints.reduce((n, k) => n + k.neurons.length, 0) });

    // Plain inference on the released weights is the unauthorized model.
    expect(evaluateClassifier(locked.model, test).accuracy).toBeCloseTo(report.unauthorizedAccuracy, 5);
    // Folded inference equals lock-op inference, sample by sample.
    const unlocked = unlockModel(locked, password);
    const graph = buildLockGraph(locked);
    const viaLock = predictWithPassword(graph, test, password);
    const viaFold = tf.tidy(() => tf.argMax(unlocked.model.predict(tf.tensor(test.x, [test.y.length, ...test.sampleShape])) as tf.Tensor, -1).dataSync() as Int32Array);
    expect(Array.from(viaFold)).toEqual(Array.from(viaLock));
    expect(accuracyOf(viaFold, test.y)).toBe(report.authorizedAccuracy);
  });

  it('draws the password from WebCrypto unless told to derive it from the seed', async () => {
    const base = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [16], seed: 1 });
    const protect = (passwordRandomness?: 'crypto' | 'seed') => protectModel(base, train, { epochs: 0, seed: 7, ...(passwordRandomness ? { passwordRandomness } : {}) });
    const [a, b, c, d] = await Promise.all([protect(), protect('crypto'), protect('seed'), protect('seed')]);
    expect(b.password).not.toEqual(a.password);
    expect(d.password).toEqual(c.password);
    await expect(protect('sometimes' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('rejects a password for another model and bad ratios with typed errors', () => {
    const lockable = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [8], seed: 1 });
    const wrong: Password = { version: 1, lockPoints: [{ layer: 'fc9', kind: 'dense', size: 8, neurons: [0], alpha: [0], beta: [0] }] };
    expect(() => lockTrain(lockable, wrong, train, { epochs: 1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PASSWORD' }));
    const right: Password = { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 8, neurons: [0], alpha: [0], beta: [1] }] };
    expect(() => lockTrain(lockable, right, train, { epochs: 1, lockedRatio: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('does not leak tensors across lock-training epochs', () => {
    const lockable = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [8], seed: 1 });
    const password: Password = { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 8, neurons: [1, 2], alpha: [0, 0], beta: [1, -1] }] };
    const counts: number[] = [];
    lockTrain(lockable, password, train, {
      epochs: 3,
      batchSize: 64,
      validation: test,
      onEvent: (e) => {
        if (e.type === 'epoch') counts.push(tf.memory().numTensors);
      },
    });
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('exposes the batch loss: all locked is the cross-entropy of the password path on the true labels', () => {
    const lockable = buildMlp({ inputShape: train.sampleShape, numClasses: 4, hidden: [8], seed: 2 });
    const password: Password = { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 8, neurons: [1, 2], alpha: [0, 0], beta: [1, -1] }] };
    const graph = buildLockGraph(lockable);
    const batch = new Int32Array([0, 5, 9, 17, 33]);
    const allLocked = lockTrainingLoss(graph, password, train, { lockedRatio: 1 })(batch, createRng(1));
    // Reference: the folded (unlocked) model, plain softmax cross-entropy by hand.
    const reference = tf.tidy(() => {
      const logits = unlockModel(lockable, password).model.predict(gatherInputs(train, batch)) as tf.Tensor;
      const logP = tf.logSoftmax(logits);
      return tf.neg(tf.mean(tf.sum(tf.mul(logP, tf.oneHot(gatherLabels(train, batch), 4)), -1)));
    });
    expect(allLocked.dataSync()[0]).toBeCloseTo(reference.dataSync()[0]!, 4);
    // All released, no decoys: the model without password against random labels — a different number.
    const released = lockTrainingLoss(graph, password, train, { lockedRatio: 0, decoyShare: 0 })(batch, createRng(1));
    expect(Math.abs(released.dataSync()[0]! - allLocked.dataSync()[0]!)).toBeGreaterThan(1e-3);
    expect(() => lockTrainingLoss(graph, password, train, { decoyShare: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    tf.dispose([allLocked, reference, released]);
  });
});
