import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/engine/index.js';
import { autoLockPoints, describeLockPoint, deserializeModel, serializeModel } from '../../src/models/index.js';
import { fixKerasModelTopology } from '../../src/models/keras.js';
import { loadModelDir } from '../../src/owner/model_dir.js';
import { assembleBundle } from '../../src/bundle/assemble.js';
import { buildLockGraph, generatePassword, planFolds, predictWithPassword, rankNeurons } from '../../src/lock/index.js';
import { loadProtectedModel } from '../../src/runtime/index.js';
import type { Dataset } from '../../src/data/types.js';
import type { LockableModel } from '../../src/models/types.js';
import { buildOriginal, CLASSES, INPUT_SHAPE, seededInput } from '../fixtures/keras/build.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'keras');

beforeAll(async () => {
  await initEngine();
});

function predict(model: tfl.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(seededInput(6)) as tf.Tensor).dataSync() as Float32Array);
}

function sample(n: number): Dataset {
  const x = tf.tidy(() => seededInput(n).dataSync() as Float32Array);
  return { name: 'seeded', x, y: Int32Array.from({ length: n }, (_, i) => i % CLASSES), sampleShape: INPUT_SHAPE, numClasses: CLASSES };
}

async function readFixture(name: string) {
  const modelJson = JSON.parse(await readFile(join(fixtures, name, 'model.json'), 'utf8'));
  const weights = new Uint8Array(await readFile(join(fixtures, name, 'group1-shard1of1.bin')));
  return { modelJson, weights };
}

describe.each(['keras2', 'keras3'])('a %s model converted by tfjs-converter', (name) => {
  it('loads through loadModelDir and deserializeModel with the predictions of the original', async () => {
    const expected = predict(buildOriginal().model);
    const fromDir = await loadModelDir(join(fixtures, name));
    const { modelJson, weights } = await readFixture(name);
    const fromJson = await deserializeModel(modelJson, weights);
    for (const loaded of [fromDir, fromJson]) {
      expect(loaded.model.outputs[0]!.shape).toEqual([null, CLASSES]);
      const got = predict(loaded.model);
      expect(got).toHaveLength(expected.length);
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    }
  });

  it('gets automatic lock points and can be protected', async () => {
    const loaded = await loadModelDir(join(fixtures, name));
    const points = autoLockPoints(loaded.model);
    expect(points).toEqual([
      { layer: 're_lu', kind: 'conv', size: 8 },
      { layer: 're_lu_1', kind: 'conv', size: 8 },
    ]);
    expect(points.skipped).toEqual([]);
    const lockable: LockableModel = { ...loaded, lockPoints: points };
    const data = sample(24);
    const password = generatePassword(lockable, rankNeurons(lockable, data), { strategy: 'hardened', seed: 1 });
    const { bundle } = await assembleBundle(await serializeModel(lockable), { seal: 'none', password });
    // Both locks fold: re_lu through its batch norm (its sign into the padded conv and the residual add), re_lu_1
    // into the dense head through pooling and dropout. The device runs no lock op.
    expect(planFolds(lockable.model, password).map((p) => [p.layer, p.how])).toEqual([
      ['re_lu', 'through-relu'],
      ['re_lu_1', 'next-layer'],
    ]);
    const device = await loadProtectedModel(bundle, { password });
    expect((device.model as tfl.LayersModel).layers.map((l) => l.getClassName())).toEqual(lockable.model.layers.map((l) => l.getClassName()));
    const expected = predictWithPassword(buildLockGraph(lockable), data, password);
    expect(Array.from((await device.predict(data.x)).classes)).toEqual(Array.from(expected));
  });
});

describe('fixKerasModelTopology', () => {
  it('is pure and maps the Keras 3 format to the one tfjs-layers reads', async () => {
    const { modelJson } = await readFixture('keras3');
    const before = JSON.stringify(modelJson.modelTopology);
    const fixed = fixKerasModelTopology(modelJson.modelTopology) as { model_config: { config: { layers: { config: Record<string, unknown>; inbound_nodes: unknown[] }[]; input_layers: unknown } } };
    expect(JSON.stringify(modelJson.modelTopology)).toBe(before);
    const { layers, input_layers } = fixed.model_config.config;
    expect(input_layers).toEqual([['input_layer', 0, 0]]);
    expect(layers[0]!.config.batch_input_shape).toEqual([null, ...INPUT_SHAPE]);
    expect(layers[1]!.config.dtype).toBe('float32');
    expect(layers[5]!.inbound_nodes).toEqual([[['re_lu', 0, 0, {}], ['conv2d_1', 0, 0, {}]]]);
    expect(JSON.stringify(fixed)).not.toContain('__keras_tensor__');
  });

  it('is the identity on a model TF.js saved itself', async () => {
    const saved = await serializeModel(buildOriginal());
    expect(fixKerasModelTopology(saved.modelJson.modelTopology)).toEqual(saved.modelJson.modelTopology);
  });

  it('refuses, naming the layer, what TF.js would silently compute differently', async () => {
    const { modelJson, weights } = await readFixture('keras3');
    const layers = modelJson.modelTopology.model_config.config.layers;
    layers[3].config.negative_slope = 0.1;
    await expect(deserializeModel(modelJson, weights)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT', message: expect.stringContaining('layer re_lu (ReLU): negative_slope') });
  });
});

describe('what cannot be locked', () => {
  it('a Conv1D or LSTM layer is skipped, with the reason, and describeLockPoint names it', () => {
    const input = tfl.input({ shape: [10, 3], name: 'seq' });
    const c = tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1d' }).apply(input) as tfl.SymbolicTensor;
    const l = tfl.layers.lstm({ units: 5, returnSequences: true, recurrentInitializer: 'glorotUniform', name: 'lstm' }).apply(c) as tfl.SymbolicTensor;
    const f = tfl.layers.flatten({ name: 'flat' }).apply(l) as tfl.SymbolicTensor;
    const d = tfl.layers.dense({ units: 6, activation: 'relu', name: 'hidden' }).apply(f) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(d) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out, name: 'sequence_model' });
    const points = autoLockPoints(model);
    expect(points).toEqual([{ layer: 'hidden', kind: 'dense', size: 6 }]);
    expect(points.skipped.map((s) => [s.layer, s.className])).toEqual([
      ['conv1d', 'Conv1D'],
      ['lstm', 'LSTM'],
    ]);
    expect(points.skipped[0]!.reason).toContain('rank 3');
    expect(() => describeLockPoint(model, 'lstm')).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT', message: expect.stringMatching(/^layer lstm \(LSTM\) cannot be a lock point: .*rank 3/) }));
  });

  it('a model with two outputs is refused with a message a user understands', () => {
    const input = tfl.input({ shape: [4], name: 'x' });
    const h = tfl.layers.dense({ units: 6, activation: 'relu', name: 'h' }).apply(input) as tfl.SymbolicTensor;
    const a = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'a' }).apply(h) as tfl.SymbolicTensor;
    const b = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'b' }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [a, b], name: 'two_heads' });
    expect(() => autoLockPoints(model)).toThrow('edgepro locks single-input, single-output classifiers; two_heads has 2 outputs');
    expect(() => autoLockPoints(model)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT' }));
  });
});
