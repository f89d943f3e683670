/**
 * A real pretrained TF.js graph model (@vladmandic/human's faceres: input [1, 224, 224, 3] float32, three outputs,
 * 6.98 MB of float16-quantized weights) sealed with no training, then loaded on the device with a device licence:
 * its outputs on the wasm backend are bit-identical to those of the original files, and without credentials the
 * sealed bundle is refused.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { initEngine, tf } from '../../src/engine/index.js';
import { Bundle } from '../../src/bundle/source.js';
import { sealModel } from '../../src/owner/protect.js';
import { generateDeviceKeyPair, generateVendorKeyPair } from '../../src/crypto/keys.js';
import { issueLicence } from '../../src/crypto/licence.js';
import { loadProtectedModel } from '../../src/runtime/index.js';
import { createRng } from '../../src/util/rng.js';

const MODEL_JSON = resolve(import.meta.dirname, '../../node_modules/@vladmandic/human/models/faceres.json');
const INPUT_SHAPE = [1, 224, 224, 3];

interface GraphModelJson {
  format: string;
  generatedBy: string;
  convertedBy: string;
  signature?: object;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** The original files as TF.js model artifacts, loaded with tf.io.fromMemory: the model as its authors ship it. */
async function originalModel(json: GraphModelJson, weights: Uint8Array): Promise<GraphModel> {
  return loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.slice().buffer,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      ...(json.signature !== undefined ? { signature: json.signature } : {}),
    }),
  );
}

/** A seeded input, the same on every run. */
function seededInput(seed: number, length: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length }, () => rng.next());
}

/** Every output of `model` on `x`, in the order of `names`, as raw float32 bytes. */
function outputBytes(model: GraphModel, x: tf.Tensor, names: string[]): Buffer[] {
  const outputs = model.execute(x, names) as tf.Tensor[];
  const bytes = outputs.map((t) => {
    const data = t.dataSync() as Float32Array;
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  });
  tf.dispose(outputs);
  return bytes;
}

let json: GraphModelJson;
let weights: Uint8Array;
let source: Bundle;

beforeAll(async () => {
  await initEngine();
  const text = await readFile(MODEL_JSON, 'utf8');
  json = JSON.parse(text) as GraphModelJson;
  weights = new Uint8Array(await readFile(join(dirname(MODEL_JSON), 'faceres.bin')));
  // directorySource reads a directory's model.json, and this model's is named faceres.json: its files go in memory.
  source = Bundle.fromFiles({ 'model.json': text, 'faceres.bin': weights }, MODEL_JSON);
});

describe('a sealed pretrained graph model (faceres) on the wasm backend', () => {
  it('loads with a device licence through loadProtectedModel, with outputs bit-identical to the original', async () => {
    const sealed = await sealModel(source, { seal: 'all' });
    expect(sealed.bundle.fileNames()).toEqual(['weights.sealed', 'model.json']);
    expect(sealed.sealedBytes).toBe(weights.byteLength);
    const vendor = await generateVendorKeyPair();
    const device = await generateDeviceKeyPair();
    const licence = await issueLicence(sealed.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: sealed.fingerprint, vendorPrivateKey: vendor.privateKey });

    const session = await loadProtectedModel(sealed.bundle, { licence, deviceKey: device.privateKey, vendorKey: vendor.publicKey });
    expect(session.isSealed).toBe(true);
    expect(session.isLocked).toBe(false);
    expect(session.sampleShape).toEqual(INPUT_SHAPE.slice(1));
    expect(session.timings.unseal).toBeGreaterThan(0);
    const original = await originalModel(json, weights);
    const names = original.outputNodes;

    const x = tf.tensor(seededInput(7, INPUT_SHAPE.reduce((a, b) => a * b, 1)), INPUT_SHAPE);
    const expected = outputBytes(original, x, names);
    const actual = outputBytes(session.model as GraphModel, x, names);
    x.dispose();
    const floats: Record<string, number> = { 'gender_pred/Sigmoid:0': 1, 'global_pooling/Mean': 1024, 'age_pred/Softmax:0': 100 };
    expect(expected.map((b) => b.byteLength)).toEqual(names.map((n) => floats[n]! * 4));
    actual.forEach((bytes, i) => expect(bytes.equals(expected[i]!), `${names[i]} bytes`).toBe(true));
    // And the model really ran: the age head is a probability distribution.
    const age = actual[names.indexOf('age_pred/Softmax:0')]!;
    expect(new Float32Array(age.buffer, age.byteOffset, 100).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(tf.getBackend()).toBe('wasm');
    original.dispose();
    session.dispose();
  });

  it('refuses the sealed bundle without credentials, or with a bare password (ERR_SEALED)', async () => {
    const { bundle, contentKey } = await sealModel(source);
    await expect(loadProtectedModel(bundle)).rejects.toMatchObject({ code: 'ERR_SEALED' });
    await expect(loadProtectedModel(bundle, { password: new Uint8Array(16) })).rejects.toMatchObject({ code: 'ERR_SEALED' });
    // The owner key opens it (the sealed file alone holds the weights: weights.bin is not in the bundle).
    const owner = await loadProtectedModel(bundle, { contentKey });
    expect(owner.isSealed).toBe(true);
    owner.dispose();
  });
});
