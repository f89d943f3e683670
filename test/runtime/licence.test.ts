import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { generateDeviceKeyPair, generateVendorKeyPair, issueLicence } from '../../src/crypto/index.js';
import { loadProtectedModel } from '../../src/runtime/index.js';
import { CHEAP_KDF, INPUTS, MLP_PASSWORD, protectedMlp } from './fixtures.js';

let fixture: Awaited<ReturnType<typeof protectedMlp>>;
let dir: string;
let reference: Float32Array;

beforeAll(async () => {
  await initEngine();
  fixture = await protectedMlp();
  dir = await mkdtemp(join(tmpdir(), 'edgepro-runtime-'));
  await writeFile(join(dir, 'model.json'), JSON.stringify(fixture.modelJson));
  await writeFile(join(dir, 'weights.bin'), fixture.weights);
  await writeFile(join(dir, 'password.edgepro'), fixture.container);
  const owner = await loadProtectedModel({ modelJson: fixture.modelJson, weights: fixture.weights }, { password: MLP_PASSWORD });
  reference = owner.predict(INPUTS).probabilities;
  owner.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runtime with licences', () => {
  it('Node directory + device licence + vendor signature: unlocks to exactly what the password gives', async () => {
    const device = await generateDeviceKeyPair();
    const vendor = await generateVendorKeyPair();
    const licence = await issueLicence(fixture.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: fixture.modelFingerprint, vendorPrivateKey: vendor.privateKey });
    const model = await loadProtectedModel(dir, { licence, deviceKey: device.privateKey, vendorKey: vendor.publicKey });
    expect(model.isUnlocked).toBe(true);
    expect(model.predict(INPUTS).probabilities).toEqual(reference);
    model.dispose();

    const locked = await loadProtectedModel(join(dir, 'model.json'));
    expect(locked.isUnlocked).toBe(false);
    expect(locked.predict(INPUTS).probabilities).not.toEqual(reference);
    locked.dispose();

    const unsigned = await issueLicence(fixture.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: fixture.modelFingerprint });
    await expect(loadProtectedModel(dir, { licence: unsigned, deviceKey: device.privateKey, vendorKey: vendor.publicKey })).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
    const other = await generateDeviceKeyPair();
    await expect(loadProtectedModel(dir, { licence, deviceKey: other.privateKey })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
  });

  it('bytes + passphrase licence, and the owner key', async () => {
    const licence = await issueLicence(fixture.contentKey, { passphrase: 'hunter2', kdf: CHEAP_KDF }, { modelFingerprint: fixture.modelFingerprint });
    const source = { modelJson: fixture.modelJson, weights: fixture.weights, container: fixture.container };
    const model = await loadProtectedModel(source, { licence, passphrase: 'hunter2' });
    expect(model.predict(INPUTS).probabilities).toEqual(reference);
    model.dispose();
    await expect(loadProtectedModel(source, { licence, passphrase: 'hunter3' })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
    const owner = await loadProtectedModel(source, { contentKey: fixture.contentKey });
    expect(owner.predict(INPUTS).probabilities).toEqual(reference);
    owner.dispose();
  });

  it('URL source: fetches model.json, weights and password.edgepro from beside it', async () => {
    const files = new Map<string, Uint8Array>([
      ['https://models.example/mlp/model.json', new TextEncoder().encode(JSON.stringify(fixture.modelJson))],
      ['https://models.example/mlp/weights.bin', fixture.weights],
      ['https://models.example/mlp/password.edgepro', fixture.container],
    ]);
    const fetched: string[] = [];
    const fakeFetch = (async (url: string) => {
      fetched.push(String(url));
      const body = files.get(String(url));
      return body === undefined ? new Response(null, { status: 404 }) : new Response(body.slice());
    }) as typeof fetch;
    const licence = await issueLicence(fixture.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: fixture.modelFingerprint });
    const model = await loadProtectedModel({ url: 'https://models.example/mlp/model.json', fetch: fakeFetch }, { licence, passphrase: 'pw' });
    expect(model.predict(INPUTS).probabilities).toEqual(reference);
    expect(fetched.sort()).toEqual([...files.keys()].sort());
    model.dispose();
    await expect(
      loadProtectedModel({ url: 'https://models.example/mlp/model.json', containerUrl: 'https://models.example/nope', fetch: fakeFetch }, { licence, passphrase: 'pw' }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });

  it('a string http(s) URL is the base URL of the model directory, fetched with the global fetch', async () => {
    const files = new Map<string, Uint8Array>([
      ['https://cdn.example/m/model.json', new TextEncoder().encode(JSON.stringify(fixture.modelJson))],
      ['https://cdn.example/m/weights.bin', fixture.weights],
      ['https://cdn.example/m/password.edgepro', fixture.container],
    ]);
    vi.stubGlobal('fetch', async (url: string) => {
      const body = files.get(String(url));
      return body === undefined ? new Response(null, { status: 404 }) : new Response(body.slice());
    });
    try {
      const model = await loadProtectedModel('https://cdn.example/m', { contentKey: fixture.contentKey });
      expect(model.predict(INPUTS).probabilities).toEqual(reference);
      model.dispose();
      await expect(loadProtectedModel('https://cdn.example/other/')).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("another model's weights: ModelMismatchError, from the licence and from the container", async () => {
    const other = await protectedMlp(2);
    const licence = await issueLicence(fixture.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: fixture.modelFingerprint });
    const swapped = { modelJson: fixture.modelJson, weights: other.weights, container: fixture.container };
    await expect(loadProtectedModel(swapped, { licence, passphrase: 'pw' })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
    await expect(loadProtectedModel(swapped, { contentKey: fixture.contentKey })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
  });

  it('refuses option mix-ups and a missing container with typed errors', async () => {
    const licence = await issueLicence(fixture.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: fixture.modelFingerprint });
    const bytes = { modelJson: fixture.modelJson, weights: fixture.weights };
    await expect(loadProtectedModel(bytes, { licence, passphrase: 'pw' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(loadProtectedModel(bytes, { licence })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(loadProtectedModel(bytes, { licence, passphrase: 'pw', password: MLP_PASSWORD })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(loadProtectedModel(bytes, { passphrase: 'pw' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const empty = await mkdtemp(join(tmpdir(), 'edgepro-runtime-'));
    await writeFile(join(empty, 'model.json'), JSON.stringify(fixture.modelJson));
    await writeFile(join(empty, 'weights.bin'), fixture.weights);
    await expect(loadProtectedModel(empty, { licence, passphrase: 'pw' })).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    await expect(loadProtectedModel(join(empty, 'missing'))).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    await rm(empty, { recursive: true, force: true });
  });
});
