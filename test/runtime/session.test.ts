import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/engine/index.js';
import { buildLeNet5, buildMlp, serializeModel } from '../../src/models/index.js';
import { buildLockGraph, encodePassword, generatePassword, predictWithPassword, rankNeurons } from '../../src/lock/index.js';
import { assembleBundle } from '../../src/bundle/assemble.js';
import { loadProtectedModel } from '../../src/runtime/index.js';
import { syntheticImages } from '../helpers/synthetic.js';

beforeAll(async () => {
  await initEngine();
});

/** The lock alone: weights in the clear, the password in password.edgepro. */
async function lockOnly(lockable: Parameters<typeof serializeModel>[0], password: Parameters<typeof encodePassword>[0]) {
  return assembleBundle(await serializeModel(lockable), { seal: 'none', password });
}

describe('device runtime', () => {
  it('loads a lock-only bundle locked, and with the password predicts exactly what the lock graph does', async () => {
    const data = syntheticImages({ n: 40, size: 28, numClasses: 10, seed: 3 });
    const lockable = buildLeNet5({ seed: 5 });
    const password = generatePassword(lockable, rankNeurons(lockable, data, { samples: 40 }), { strategy: 'hardened', seed: 9 });
    const { bundle } = await lockOnly(lockable, password);

    const locked = await loadProtectedModel(bundle);
    expect(locked.isLocked).toBe(true);
    expect(locked.isUnlocked).toBe(false);
    expect(locked.isSealed).toBe(false);
    const lockedClasses = await locked.predictClass(data.x);
    const plain = tf.tidy(() => tf.argMax(lockable.model.predict(tf.tensor(data.x, [40, 28, 28, 1])) as tf.Tensor, -1).dataSync());
    expect(Array.from(lockedClasses)).toEqual(Array.from(plain));

    const device = await loadProtectedModel(bundle, { password: encodePassword(password) });
    expect(device.isUnlocked).toBe(true);
    const prediction = await device.predict(data.x);
    const expected = predictWithPassword(buildLockGraph(lockable), data, password);
    expect(Array.from(prediction.classes)).toEqual(Array.from(expected));
    expect(prediction.probabilities).toHaveLength(400);
    const firstRow = Array.from(prediction.probabilities.subarray(0, 10)).reduce((a, b) => a + b, 0);
    expect(firstRow).toBeCloseTo(1, 5);
    // The session's model is the unlocked tf.LayersModel itself, for apps with their own inference code.
    const direct = tf.tidy(() => tf.argMax(device.model.predict(tf.tensor(data.x, [40, 28, 28, 1])) as tf.Tensor, -1).dataSync());
    expect(Array.from(direct)).toEqual(Array.from(expected));
    locked.dispose();
    device.dispose();
  });

  it('frees the locked weights after unlocking when asked (keepLocked: false), predicting the same', async () => {
    const data = syntheticImages({ n: 20, size: 28, numClasses: 10, seed: 4 });
    const lockable = buildLeNet5({ seed: 6 });
    const password = generatePassword(lockable, rankNeurons(lockable, data, { samples: 20 }), { strategy: 'hardened', seed: 2 });
    const { bundle } = await lockOnly(lockable, password);
    const before = tf.memory().numTensors;
    const keeping = await loadProtectedModel(bundle, { password });
    const kept = tf.memory().numTensors - before;
    const lean = await loadProtectedModel(bundle, { password }, { keepLocked: false });
    const leanTensors = tf.memory().numTensors - before - kept;
    // LeNet-5 has 10 weight tensors; the lean session holds one copy of them, the other two.
    expect(kept).toBe(20);
    expect(leanTensors).toBe(10);
    expect(Array.from(await lean.predictClass(data.x))).toEqual(Array.from(await keeping.predictClass(data.x)));
    await expect(lean.unlock({ password })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await keeping.unlock({ password }); // a kept session can be unlocked again
    lean.dispose();
    keeping.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad inputs and passwords with typed errors', async () => {
    const lockable = buildMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed: 1 });
    const good = { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense' as const, size: 8, neurons: [1], alpha: [1], beta: [1] }] };
    const { bundle } = await lockOnly(lockable, good);
    const device = await loadProtectedModel(bundle);
    await expect(device.predict(new Float32Array(6))).rejects.toThrow(expect.objectContaining({ code: 'ERR_INPUT_SHAPE' }));
    await expect(device.predict(Float32Array.from([1, 2, Number.NaN, 4]))).rejects.toThrow(expect.objectContaining({ code: 'ERR_INPUT_SHAPE' }));
    await expect(device.unlock({ password: { version: 1, lockPoints: [{ layer: 'fc1', kind: 'dense', size: 8, neurons: [8], alpha: [0], beta: [0] }] } })).rejects.toMatchObject({
      code: 'ERR_INVALID_PASSWORD',
    });
    await expect(device.unlock({ password: new TextEncoder().encode('{not json') })).rejects.toMatchObject({ code: 'ERR_INVALID_PASSWORD' });
    const weights = bundle.get('weights.bin')!;
    await expect(loadProtectedModel(bundle.with('weights.bin', weights.subarray(0, 10)))).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    device.dispose();
  });
});
