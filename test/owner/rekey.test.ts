/**
 * Rotating the content key (rekeyBundle): at every level and for a pretrained graph model, the re-keyed bundle opens
 * with the new key to outputs bit-identical to the old; the old key no longer opens it (ERR_DECRYPTION_FAILED), and a
 * licence issued before is refused as made for another model (ERR_MODEL_MISMATCH), even for the lock alone, where
 * the weights file is the same bytes as before. model.json stays the same but for edgepro's keyId.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { initEngine, tf } from '../../src/engine/index.js';
import { buildMlp, serializeModel } from '../../src/models/index.js';
import { assembleBundle } from '../../src/bundle/assemble.js';
import { directorySource } from '../../src/bundle/directory.js';
import type { Bundle } from '../../src/bundle/source.js';
import { generateDeviceKeyPair, generateVendorKeyPair, issueLicence } from '../../src/crypto/index.js';
import { loadProtectedModel } from '../../src/runtime/index.js';
import { rekeyBundle, sealModel } from '../../src/owner/index.js';
import { createRng } from '../../src/util/rng.js';
import { CHEAP_KDF, INPUTS, protectedMlp } from '../runtime/fixtures.js';

const FACERES = resolve(import.meta.dirname, '../../node_modules/@vladmandic/human/models/faceres.json');

let vendor: Awaited<ReturnType<typeof generateVendorKeyPair>>;

beforeAll(async () => {
  await initEngine();
  vendor = await generateVendorKeyPair();
});

type Doc = { userDefinedMetadata: { edgepro: { bundle: { version: number; sealed: string[]; keyId?: string } } } } & Record<string, unknown>;
const modelJson = (bundle: Bundle) => JSON.parse(new TextDecoder().decode(bundle.get('model.json')!)) as Doc;
/** model.json without its keyId: what a rekey must leave as it was. */
const withoutKeyId = (bundle: Bundle) => {
  const doc = modelJson(bundle);
  delete doc.userDefinedMetadata.edgepro.bundle.keyId;
  return doc;
};
// Licences signed by the vendor and loaded with its public key, as a device does.
const passphraseLicence = (contentKey: Uint8Array, modelFingerprint: string) => issueLicence(contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint, vendorPrivateKey: vendor.privateKey });
const byPassphrase = (licence: Uint8Array) => ({ licence, passphrase: 'pw', vendorKey: vendor.publicKey });

describe('rekeyBundle', () => {
  for (const seal of ['all', 'none', ['fc1']] as const) {
    it(`seal ${JSON.stringify(seal)}: same outputs under the new key; the old key and old licences are refused; a second rekey is stable`, async () => {
      const made = await protectedMlp(1, seal);
      const before = await loadProtectedModel(made.bundle, { contentKey: made.contentKey });
      const expected = (await before.predict(INPUTS)).probabilities;
      before.dispose();
      const device = await generateDeviceKeyPair();
      const oldDeviceLicence = await issueLicence(made.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: made.fingerprint, vendorPrivateKey: vendor.privateKey });
      const oldPassphraseLicence = await passphraseLicence(made.contentKey, made.fingerprint);

      const rekeyed = await rekeyBundle(made.bundle, made.contentKey);
      expect(rekeyed.previousFingerprint).toBe(made.fingerprint);
      expect(rekeyed.fingerprint).not.toBe(made.fingerprint);
      expect(rekeyed.contentKey).not.toEqual(made.contentKey);
      expect(rekeyed.bundle.fileNames()).toEqual(made.bundle.fileNames());
      expect(rekeyed.sealedWeights).toEqual(made.sealedWeights);
      expect([rekeyed.sealedBytes, rekeyed.weightBytes]).toEqual([made.sealedBytes, made.weightBytes]);
      expect(withoutKeyId(rekeyed.bundle)).toEqual(withoutKeyId(made.bundle));
      expect(modelJson(rekeyed.bundle).userDefinedMetadata.edgepro.bundle.keyId).toMatch(/^[0-9a-f]{32}$/);
      expect(modelJson(rekeyed.bundle).userDefinedMetadata.edgepro.bundle.keyId).not.toBe(modelJson(made.bundle).userDefinedMetadata.edgepro.bundle.keyId);
      if (seal === 'none') expect(rekeyed.bundle.get('weights.bin')).toEqual(made.bundle.get('weights.bin'));

      const owner = await loadProtectedModel(rekeyed.bundle, { contentKey: rekeyed.contentKey });
      expect(owner.isUnlocked).toBe(true);
      expect((await owner.predict(INPUTS)).probabilities).toEqual(expected);
      owner.dispose();
      const licensed = await loadProtectedModel(rekeyed.bundle, byPassphrase(await passphraseLicence(rekeyed.contentKey, rekeyed.fingerprint)));
      expect((await licensed.predict(INPUTS)).probabilities).toEqual(expected);
      licensed.dispose();

      await expect(loadProtectedModel(rekeyed.bundle, { contentKey: made.contentKey })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
      await expect(rekeyBundle(rekeyed.bundle, made.contentKey)).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
      await expect(loadProtectedModel(rekeyed.bundle, { licence: oldDeviceLicence, deviceKey: device.privateKey, vendorKey: vendor.publicKey })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
      await expect(loadProtectedModel(rekeyed.bundle, byPassphrase(oldPassphraseLicence))).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });

      // Re-keying a re-keyed bundle: the same layout again, only the key (and its keyId) new.
      const again = await rekeyBundle(rekeyed.bundle, rekeyed.contentKey);
      expect(again.bundle.get('model.json')!.byteLength).toBe(rekeyed.bundle.get('model.json')!.byteLength);
      expect(withoutKeyId(again.bundle)).toEqual(withoutKeyId(made.bundle));
      expect(again.sealedWeights).toEqual(made.sealedWeights);
      const third = await loadProtectedModel(again.bundle, { contentKey: again.contentKey });
      expect((await third.predict(INPUTS)).probabilities).toEqual(expected);
      third.dispose();
    });
  }

  it('a pretrained graph model sealed by sealModel (no password.edgepro): bit-identical outputs under the new key, the old one refused', async () => {
    const sealed = await sealModel(directorySource(FACERES));
    const oldLicence = await passphraseLicence(sealed.contentKey, sealed.fingerprint);
    const rekeyed = await rekeyBundle(sealed.bundle, sealed.contentKey);
    expect(rekeyed.bundle.fileNames()).toEqual(['weights.sealed', 'model.json']);
    expect(rekeyed.sealedBytes).toBe(rekeyed.weightBytes);
    expect(withoutKeyId(rekeyed.bundle)).toEqual(withoutKeyId(sealed.bundle));

    const rng = createRng(7);
    const x = tf.tensor(Float32Array.from({ length: 224 * 224 * 3 }, () => rng.next()), [1, 224, 224, 3]);
    const outputs = async (bundle: Bundle, contentKey: Uint8Array) => {
      const session = await loadProtectedModel(bundle, { contentKey });
      const model = session.model as GraphModel;
      const ys = model.execute(x, model.outputNodes) as tf.Tensor[];
      const data = ys.map((y) => Buffer.from((y.dataSync() as Float32Array).buffer));
      tf.dispose(ys);
      session.dispose();
      return data;
    };
    const expected = await outputs(sealed.bundle, sealed.contentKey);
    const actual = await outputs(rekeyed.bundle, rekeyed.contentKey);
    x.dispose();
    expect(actual.length).toBe(3);
    actual.forEach((bytes, i) => expect(bytes.equals(expected[i]!), `output ${i}`).toBe(true));

    await expect(loadProtectedModel(rekeyed.bundle, { contentKey: sealed.contentKey })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
    await expect(loadProtectedModel(rekeyed.bundle, byPassphrase(oldLicence))).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
  });

  it('refuses a model that is neither sealed nor locked (nothing keyed: no keyId either)', async () => {
    const lockable = buildMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed: 1 });
    const plain = await assembleBundle(await serializeModel(lockable), { seal: 'none' });
    lockable.model.dispose();
    expect(modelJson(plain.bundle).userDefinedMetadata.edgepro.bundle).toEqual({ version: 1, sealed: [] });
    await expect(rekeyBundle(plain.bundle, plain.contentKey)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });
});
