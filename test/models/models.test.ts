import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/engine/index.js';
import { autoLockPoints, buildLeNet5, buildMlp, buildResNet, deserializeModel, serializeModel } from '../../src/models/index.js';
import { loadModelDir, saveModelDir } from '../../src/owner/model_dir.js';
import { buildArchitecture } from '../../src/models/registry.js';
import type { LockableModel } from '../../src/models/types.js';

let dir: string;
beforeAll(async () => {
  await initEngine();
  dir = await mkdtemp(join(tmpdir(), 'edgepro-models-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function run(model: tfl.LayersModel, shape: number[]): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomUniform([2, ...shape], 0, 1, 'float32', 7);
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

describe('architectures', () => {
  it('LeNet-5 has the four lock points of the reference code', () => {
    const { model, lockPoints } = buildLeNet5({ seed: 1 });
    expect(lockPoints).toEqual([
      { layer: 'pool1', kind: 'conv', size: 6 },
      { layer: 'pool2', kind: 'conv', size: 16 },
      { layer: 'fc1', kind: 'dense', size: 120 },
      { layer: 'fc2', kind: 'dense', size: 84 },
    ]);
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
  });

  it('the MLP locks each hidden layer and takes tabular input', () => {
    const { model, lockPoints } = buildMlp({ inputShape: [5], numClasses: 3, hidden: [16, 8] });
    expect(lockPoints.map((p) => [p.layer, p.size])).toEqual([
      ['fc1', 16],
      ['fc2', 8],
    ]);
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
  });

  it('the ResNet has residual blocks with stride-2 stages and batch norm', () => {
    const { model, lockPoints } = buildResNet({ widths: [8, 16, 32] });
    expect(lockPoints.map((p) => p.layer)).toEqual(['stem_relu', 'block1_relu1', 'block2_out', 'block3_out']);
    expect(model.getLayer('block3_out').outputShape).toEqual([null, 7, 7, 32]);
    expect(model.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
    expect(model.layers.filter((l) => l.getClassName() === 'Add')).toHaveLength(3);
  });

  it('the same seed gives the same initial weights, another seed different ones', () => {
    const a = run(buildLeNet5({ seed: 3 }).model, [28, 28, 1]);
    const b = run(buildLeNet5({ seed: 3 }).model, [28, 28, 1]);
    const c = run(buildLeNet5({ seed: 4 }).model, [28, 28, 1]);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('rejects an unknown architecture with a typed error', () => {
    expect(() => buildArchitecture('vgg')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('LayersModel format', () => {
  const cases: [string, () => LockableModel, number[]][] = [
    ['lenet5', () => buildLeNet5({ seed: 2 }), [28, 28, 1]],
    ['mlp', () => buildMlp({ inputShape: [6], numClasses: 3, seed: 2 }), [6]],
    ['resnet', () => buildResNet({ widths: [4, 8], seed: 2, inputShape: [12, 12, 1] }), [12, 12, 1]],
  ];

  for (const [name, build, shape] of cases) {
    it(`${name}: save to a directory and load it back, same outputs and lock points`, async () => {
      const original = build();
      const path = join(dir, name);
      await saveModelDir(original, path);
      const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
      const loaded = await loadModelDir(path);
      expect(loaded.architecture).toBe(name);
      expect(loaded.lockPoints).toEqual(original.lockPoints);
      const a = run(original.model, shape);
      const b = run(loaded.model, shape);
      expect(Array.from(b)).toEqual(Array.from(a));
    });
  }

  it('loads with plain TF.js (no edgepro metadata needed)', async () => {
    const { modelJson, weights } = await serializeModel(buildMlp({ inputShape: [4], numClasses: 2 }));
    const plain = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0]!.weights, weightData: weights.slice().buffer }),
    );
    expect(plain.outputs[0]!.shape).toEqual([null, 2]);
  });

  it('a truncated weights file is a ModelFormatError naming the file', async () => {
    const path = join(dir, 'truncated');
    await saveModelDir(buildMlp({ inputShape: [4], numClasses: 2 }), path);
    const bytes = await readFile(join(path, 'weights.bin'));
    await writeFile(join(path, 'weights.bin'), bytes.subarray(0, bytes.length - 8));
    await expect(loadModelDir(path)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT', message: expect.stringContaining('model.json') });
  });

  it('a missing model.json, invalid JSON or a graph model are ModelFormatErrors', async () => {
    await expect(loadModelDir(join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT', message: expect.stringContaining('not found') });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"modelTopology": ');
    await expect(loadModelDir(bad)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    const graph = join(dir, 'graph.json');
    await writeFile(graph, JSON.stringify({ format: 'graph-model', modelTopology: {}, weightsManifest: [] }));
    await expect(loadModelDir(graph)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT', message: expect.stringContaining('graph') });
  });
});

describe('automatic lock points for a user model', () => {
  it('locks after each activation, moved past the pooling that follows, never the output', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', name: 'c1' }),
        tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
        tfl.layers.flatten({ name: 'f' }),
        tfl.layers.dense({ units: 10, activation: 'relu', name: 'd1' }),
        tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
      ],
    });
    expect(autoLockPoints(model)).toEqual([
      { layer: 'p1', kind: 'conv', size: 4 },
      { layer: 'd1', kind: 'dense', size: 10 },
    ]);
  });

  it('a model with no activation to lock is refused clearly', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, name: 'only' })] });
    expect(() => autoLockPoints(model)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT' }));
  });
});
