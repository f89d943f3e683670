/**
 * What the attack suite attacks when weights ship sealed: the thief's view — the architecture and the clear weights,
 * the sealed ones freshly drawn — never the sealed weights themselves.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/engine/index.js';
import { buildLeNet5 } from '../../src/models/index.js';
import { thiefView } from '../../src/attacks/thief.js';
import { controlCopy } from '../../src/attacks/tune.js';

beforeAll(async () => {
  await initEngine();
});

const values = (model: ReturnType<typeof buildLeNet5>) => new Map(model.model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));

describe('thiefView', () => {
  it('keeps the clear weights, replaces every sealed one, and leaves the original untouched', async () => {
    const owner = buildLeNet5({ seed: 1 });
    // As a trained model has them: no weight left at its initial value (biases start at zero).
    owner.model.setWeights(owner.model.getWeights().map((w) => tf.add(w, 0.25)));
    const before = values(owner);
    const sealed = ['conv1/kernel', 'conv1/bias', 'conv2/kernel'];
    const stolen = await thiefView(owner, sealed, 0);
    const seen = values(stolen);
    for (const [name, original] of before) {
      if (sealed.includes(name)) expect(seen.get(name), name).not.toEqual(original);
      else expect(seen.get(name), name).toEqual(original);
    }
    expect(values(owner)).toEqual(before);
    stolen.model.dispose();
    owner.model.dispose();
  });

  it('of a fully sealed model is exactly the attacks\' control: a fresh model of the architecture', async () => {
    const owner = buildLeNet5({ seed: 2 });
    const all = owner.model.weights.map((w) => w.originalName);
    const stolen = await thiefView(owner, all, 5);
    const control = await controlCopy(owner, 5);
    expect(values(stolen)).toEqual(values(control));
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3);
    const a = (stolen.model.predict(x) as tf.Tensor).dataSync();
    const b = (control.model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    x.dispose();
    for (const m of [owner, stolen, control]) m.model.dispose();
  });
});
