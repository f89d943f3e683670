/**
 * The runtime as a TF.js app uses it: it runs on the backend the app set (and starts wasm only when none is set),
 * predict takes a tensor or an array and returns a tensor or a plain result, the IOHandler opens a protected model for
 * `tf.loadLayersModel` / `tf.loadGraphModel` (lock layers that stay in the graph included), and class names stored in
 * model.json come back with the top-k scores — covered by the fingerprint like the rest of model.json.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { initEngine, tf } from '../../src/engine/index.js';
import { activeBackend } from '../../src/engine/backend.js';
import { buildMlp, buildResNet, serializeModel } from '../../src/models/index.js';
import { encodePassword, generatePassword, rankNeurons } from '../../src/lock/index.js';
import { assembleBundle } from '../../src/bundle/assemble.js';
import { Bundle } from '../../src/bundle/source.js';
import { sealModel } from '../../src/owner/protect.js';
import { generateVendorKeyPair } from '../../src/crypto/keys.js';
import { issueLicence } from '../../src/crypto/licence.js';
import { loadProtectedModel, protectedModelHandler } from '../../src/runtime/index.js';
import { syntheticImages } from '../helpers/synthetic.js';
import { CHEAP_KDF, INPUTS, MLP_PASSWORD } from './fixtures.js';

const NAMES = ['setosa', 'versicolor', 'virginica'];

/** The fixture MLP, sealed and locked, storing class names. */
async function namedMlp(seed = 1) {
  const lockable = { ...buildMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed }), classNames: NAMES };
  const assembled = await assembleBundle(await serializeModel(lockable), { seal: 'all', password: MLP_PASSWORD });
  lockable.model.dispose();
  return assembled;
}

beforeAll(async () => {
  await initEngine();
});

afterEach(async () => {
  await initEngine();
});

describe('the backend the app chose', () => {
  it('a load keeps the backend the app set (cpu here), with the same predictions as on wasm', async () => {
    const { bundle, contentKey } = await namedMlp();
    const onWasm = await loadProtectedModel(bundle, { contentKey });
    const reference = (await onWasm.predict(INPUTS)).probabilities;
    onWasm.dispose();
    await tf.setBackend('cpu');
    const session = await loadProtectedModel(bundle, { contentKey });
    expect(tf.getBackend()).toBe('cpu');
    const { probabilities } = await session.predict(INPUTS);
    for (let i = 0; i < reference.length; i++) expect(probabilities[i]).toBeCloseTo(reference[i]!, 5);
    session.dispose();
    expect(tf.getBackend()).toBe('cpu');
  });

  it('engine.backend names a backend to start; an unregistered one is refused with ERR_ENGINE', async () => {
    const { bundle, contentKey } = await namedMlp();
    await tf.setBackend('cpu');
    const session = await loadProtectedModel(bundle, { contentKey }, { engine: { backend: 'wasm' } });
    expect(tf.getBackend()).toBe('wasm');
    session.dispose();
    await expect(loadProtectedModel(bundle, { contentKey }, { engine: { backend: 'webgpu' } })).rejects.toMatchObject({ code: 'ERR_ENGINE' });
    expect(activeBackend()).toBe('wasm');
  });
});

describe('predict, TF.js style', () => {
  it('takes a tensor (a batch or one sample) or an array, returns a result or a tensor, leaks nothing, keeps the caller\'s tensor', async () => {
    const { bundle, contentKey } = await namedMlp();
    const session = await loadProtectedModel(bundle, { contentKey });
    const fromArray = await session.predict(INPUTS, { topK: 2 });
    const before = tf.memory().numTensors;
    const x = tf.tensor(INPUTS, [10, 4]);
    const fromTensor = await session.predict(x, { topK: 2 });
    expect(x.isDisposed).toBe(false);
    expect(fromTensor.probabilities).toEqual(fromArray.probabilities);
    expect(Array.from(fromTensor.classes)).toEqual(Array.from(fromArray.classes));
    const one = tf.tensor(INPUTS.subarray(4, 8), [4]);
    expect((await session.predict(one)).classes[0]).toBe(fromArray.classes[1]);
    const sync = session.predictSync(Array.from(INPUTS));
    expect(sync.probabilities).toEqual(fromArray.probabilities);
    const probabilities = session.probabilities(x);
    expect(probabilities.shape).toEqual([10, 3]);
    expect(Array.from(await probabilities.data())).toEqual(Array.from(fromArray.probabilities));
    probabilities.dispose();
    const raw = session.run(x) as tf.Tensor;
    expect(raw.shape).toEqual([10, 3]);
    raw.dispose();
    x.dispose();
    one.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // The names and the top-k scores.
    expect(session.classNames).toEqual(NAMES);
    expect(fromArray.labels).toEqual(Array.from(fromArray.classes, (c) => NAMES[c]));
    for (const [i, top] of fromArray.top.entries()) {
      expect(top).toHaveLength(2);
      expect(top[0]!.class).toBe(fromArray.classes[i]);
      expect(top[0]!.label).toBe(NAMES[top[0]!.class]);
      expect(top[0]!.score).toBe(fromArray.probabilities[i * 3 + top[0]!.class]);
      expect(top[0]!.score).toBeGreaterThanOrEqual(top[1]!.score);
    }
    const wrong = tf.zeros([2, 5]);
    await expect(session.predict(wrong)).rejects.toMatchObject({ code: 'ERR_INPUT_SHAPE' });
    wrong.dispose();
    await expect(session.predict(INPUTS, { topK: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    session.dispose();
  });
});

describe('protectedModelHandler', () => {
  it('tf.loadLayersModel(handler) opens a sealed, locked model with a licence: what loadProtectedModel predicts', async () => {
    const { bundle, contentKey, fingerprint } = await namedMlp(2);
    const vendor = await generateVendorKeyPair();
    const licence = await issueLicence(contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: fingerprint, vendorPrivateKey: vendor.privateKey });
    const credentials = { licence, passphrase: 'pw', vendorKey: vendor.publicKey };
    const session = await loadProtectedModel(bundle, credentials);
    const expected = (await session.predict(INPUTS)).probabilities;
    session.dispose();
    const model = await tfl.loadLayersModel(protectedModelHandler(bundle, credentials));
    const out = tf.softmax(model.predict(tf.tensor(INPUTS, [10, 4])) as tf.Tensor);
    expect(Array.from(await out.data())).toEqual(Array.from(expected));
    expect((model.getUserDefinedMetadata() as { edgepro: { classNames: string[] } }).edgepro.classNames).toEqual(NAMES);
    out.dispose();
    model.dispose();
    // Without credentials a sealed bundle is refused; a wrong passphrase gets the one decryption error.
    await expect(tfl.loadLayersModel(protectedModelHandler(bundle))).rejects.toMatchObject({ code: 'ERR_SEALED' });
    await expect(tfl.loadLayersModel(protectedModelHandler(bundle, { ...credentials, passphrase: 'nope' }))).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
  });

  it('a lock that stays in the graph (EdgeProFixedLock) loads in plain tf.loadLayersModel', async () => {
    const lockable = buildResNet({ inputShape: [8, 8, 1], widths: [4, 6, 8], seed: 13 });
    const data = syntheticImages({ n: 16, size: 8, numClasses: 10, seed: 4 });
    // A `random` lock (alpha != 0, offsets before padded convs): three of its four locks cannot fold and stay as ops.
    const password = generatePassword(lockable, rankNeurons(lockable, data, { samples: 16 }), { strategy: 'random', seed: 3 });
    const { bundle, contentKey } = await assembleBundle(await serializeModel(lockable), { seal: 'all', password });
    lockable.model.dispose();
    const session = await loadProtectedModel(bundle, { contentKey });
    const expected = (await session.predict(data.x)).probabilities;
    session.dispose();
    let topology = '';
    const handler = protectedModelHandler(bundle, { contentKey });
    const model = await tfl.loadLayersModel({
      load: async () => {
        const artifacts = await handler.load!();
        topology = JSON.stringify(artifacts.modelTopology);
        return artifacts;
      },
    });
    expect(topology).toContain('EdgeProFixedLock');
    const out = tf.softmax(model.predict(tf.tensor(data.x, [16, 8, 8, 1])) as tf.Tensor);
    const got = await out.data();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 5);
    out.dispose();
    model.dispose();
    // The lock alone, opened by the password itself.
    const lockOnly = await assembleBundle(await serializeModel(buildResNet({ inputShape: [8, 8, 1], widths: [4, 6, 8], seed: 13 })), { seal: 'none', password });
    const byPassword = await tfl.loadLayersModel(protectedModelHandler(lockOnly.bundle, { password: encodePassword(password) }));
    const again = tf.softmax(byPassword.predict(tf.tensor(data.x, [16, 8, 8, 1])) as tf.Tensor);
    const gotAgain = await again.data();
    for (let i = 0; i < expected.length; i++) expect(gotAgain[i]).toBeCloseTo(expected[i]!, 5);
    again.dispose();
    byPassword.dispose();
  });

  it('tf.loadGraphModel(handler) opens a sealed graph model: outputs bit-identical to the original', async () => {
    const modelJsonPath = resolve(import.meta.dirname, '../../node_modules/@vladmandic/human/models/faceres.json');
    const doc = JSON.parse(await readFile(modelJsonPath, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const files: Record<string, Uint8Array | string> = { 'model.json': await readFile(modelJsonPath, 'utf8') };
    for (const path of doc.weightsManifest.flatMap((g) => g.paths)) files[path] = await readFile(join(dirname(modelJsonPath), path));
    const original = Bundle.fromFiles(files);
    const { bundle, contentKey } = await sealModel(original);
    const reference = await loadGraphModel({
      load: async () => {
        const json = JSON.parse(files['model.json'] as string);
        const weights = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths).map((p: string) => files[p] as Uint8Array);
        const total = weights.reduce((n: number, w: Uint8Array) => n + w.byteLength, 0);
        const data = new Uint8Array(total);
        let at = 0;
        for (const w of weights) { data.set(w, at); at += w.byteLength; }
        return { modelTopology: json.modelTopology, signature: json.signature, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights), weightData: data.buffer };
      },
    });
    const sealed = await loadGraphModel(protectedModelHandler(bundle, { contentKey }));
    const x = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 7);
    const names = reference.outputs.map((o) => o.name);
    expect(names.length).toBeGreaterThan(1);
    const a = reference.execute(x, names) as tf.Tensor[];
    const b = sealed.execute(x, names) as tf.Tensor[];
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(Array.from(await b[i]!.data())).toEqual(Array.from(await a[i]!.data()));
    tf.dispose([...a, ...b, x]);
    reference.dispose();
    sealed.dispose();
  });
});

describe('class names in model.json', () => {
  it('are covered by the fingerprint: a licence refuses a model.json whose names were changed', async () => {
    const { bundle, contentKey, fingerprint } = await namedMlp(3);
    const vendor = await generateVendorKeyPair();
    const licence = await issueLicence(contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: fingerprint, vendorPrivateKey: vendor.privateKey });
    const doc = JSON.parse(new TextDecoder().decode(bundle.get('model.json')!));
    expect(doc.userDefinedMetadata.edgepro.classNames).toEqual(NAMES);
    doc.userDefinedMetadata.edgepro.classNames = ['virginica', 'versicolor', 'setosa'];
    const swapped = bundle.with('model.json', new TextEncoder().encode(JSON.stringify(doc)));
    await expect(loadProtectedModel(swapped, { licence, passphrase: 'pw', vendorKey: vendor.publicKey })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
    doc.userDefinedMetadata.edgepro.classNames = ['a', 'a', 'b'];
    await expect(loadProtectedModel(bundle.with('model.json', new TextEncoder().encode(JSON.stringify(doc))), { contentKey })).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });
});
