/** ERR_EXPIRED through the runtime: a licence past its expiry is refused by loadProtectedModel. */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { buildMlp, serializeModel } from '../../src/models/index.js';
import { assembleBundle } from '../../src/bundle/assemble.js';
import { issueLicence } from '../../src/crypto/licence.js';
import { generateVendorKeyPair } from '../../src/crypto/keys.js';
import { loadProtectedModel } from '../../src/runtime/index.js';
import { CHEAP_KDF, INPUTS, MLP_PASSWORD } from '../runtime/fixtures.js';

beforeAll(async () => {
  await initEngine();
});

describe('expiry through the runtime', () => {
  it('a signed passphrase licence expiring in 1 s opens now and is refused with ERR_EXPIRED a minute later', async () => {
    const lockable = buildMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed: 1 });
    const made = await assembleBundle(await serializeModel(lockable), { seal: 'all', password: MLP_PASSWORD });
    lockable.model.dispose();
    const vendor = await generateVendorKeyPair();
    const issued = Date.now();
    const licence = await issueLicence(made.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: made.fingerprint, expiresAt: issued + 1000, vendorPrivateKey: vendor.privateKey });
    const credentials = { licence, passphrase: 'pw', vendorKey: vendor.publicKey };
    const fresh = await loadProtectedModel(made.bundle, credentials, { now: issued });
    expect(fresh.isUnlocked).toBe(true);
    expect((await fresh.predict(INPUTS)).classes.length).toBe(10);
    fresh.dispose();
    await expect(loadProtectedModel(made.bundle, credentials, { now: issued + 60_000 })).rejects.toMatchObject({ code: 'ERR_EXPIRED' });
  });
});
