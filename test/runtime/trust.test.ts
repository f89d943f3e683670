/**
 * What a licence can enforce on a device that runs the runtime as shipped: its vendor's signature (fail closed), its
 * issue time and expiry against the device's clock (also after the load), and a clock set back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { generateDeviceKeyPair, generateVendorKeyPair, issueLicence } from '../../src/crypto/index.js';
import { loadProtectedModel, type Clock } from '../../src/runtime/index.js';
import { CHEAP_KDF, INPUTS, protectedMlp } from './fixtures.js';

beforeAll(async () => {
  await initEngine();
});

/** A clock the test moves, remembering the latest time it was read at, as an app would persist it. */
function testClock(start: number): Clock & { set(ms: number): void; seen: number | undefined } {
  let t = start;
  const clock = {
    seen: undefined as number | undefined,
    set: (ms: number) => void (t = ms),
    now: () => t,
    lastSeen: () => clock.seen,
    saw: (ms: number) => void (clock.seen = Math.max(clock.seen ?? ms, ms)),
  };
  return clock;
}

describe('licences on the device', () => {
  it('fail closed: a licence needs the vendor key, or allowUnsigned to accept one whose signer is not checked', async () => {
    const made = await protectedMlp(1, 'all');
    const device = await generateDeviceKeyPair();
    const vendor = await generateVendorKeyPair();
    const unsigned = await issueLicence(made.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: made.fingerprint });
    const signed = await issueLicence(made.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: made.fingerprint, vendorPrivateKey: vendor.privateKey });
    await expect(loadProtectedModel(made.bundle, { licence: unsigned, deviceKey: device.privateKey })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(loadProtectedModel(made.bundle, { licence: signed, deviceKey: device.privateKey })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(loadProtectedModel(made.bundle, { licence: unsigned, deviceKey: device.privateKey, vendorKey: vendor.publicKey })).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
    const trusted = await loadProtectedModel(made.bundle, { licence: signed, deviceKey: device.privateKey, vendorKey: vendor.publicKey });
    const accepted = await loadProtectedModel(made.bundle, { licence: unsigned, deviceKey: device.privateKey, allowUnsigned: true });
    expect((await accepted.predict(INPUTS)).probabilities).toEqual((await trusted.predict(INPUTS)).probabilities);
    trusted.dispose();
    accepted.dispose();
  });

  it('an expired licence is refused at load, and a loaded session refuses to predict once it has expired', async () => {
    const made = await protectedMlp(1, 'all');
    const t0 = Date.parse('2027-03-01T00:00:00Z');
    const licence = await issueLicence(made.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: made.fingerprint, issuedAt: t0, expiresAt: t0 + 3_600_000 });
    const credentials = { licence, passphrase: 'pw', allowUnsigned: true };
    await expect(loadProtectedModel(made.bundle, credentials, { now: t0 + 3_600_000 })).rejects.toMatchObject({ code: 'ERR_EXPIRED' });
    const clock = testClock(t0 + 60_000);
    const session = await loadProtectedModel(made.bundle, credentials, { clock });
    expect(session.expiresAt).toBe(t0 + 3_600_000);
    expect((await session.predict(INPUTS)).classes).toHaveLength(10);
    clock.set(t0 + 3_600_000);
    await expect(session.predict(INPUTS)).rejects.toThrow(expect.objectContaining({ code: 'ERR_EXPIRED' }));
    expect(() => session.checkLicence()).toThrow(expect.objectContaining({ code: 'ERR_EXPIRED' }));
    session.dispose();
    // Owner credentials skip every licence check: no expiry.
    const owner = await loadProtectedModel(made.bundle, { contentKey: made.contentKey });
    expect(owner.expiresAt).toBeNull();
    owner.dispose();
  });

  it('a device clock before the issue time, or set back past what the app saw, is refused (ERR_CLOCK)', async () => {
    const made = await protectedMlp(1, 'none');
    const t0 = Date.parse('2027-03-01T00:00:00Z');
    const licence = await issueLicence(made.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: made.fingerprint, issuedAt: t0, expiresAt: t0 + 86_400_000 });
    const credentials = { licence, passphrase: 'pw', allowUnsigned: true };
    // Five minutes of skew are allowed; a day is not.
    const early = await loadProtectedModel(made.bundle, credentials, { now: t0 - 60_000 });
    early.dispose();
    await expect(loadProtectedModel(made.bundle, credentials, { now: t0 - 86_400_000 })).rejects.toMatchObject({ code: 'ERR_CLOCK' });
    const clock = testClock(t0 + 3_600_000);
    const session = await loadProtectedModel(made.bundle, credentials, { clock });
    expect(clock.seen).toBe(t0 + 3_600_000);
    // The clock is set back an hour (to stretch the licence): the next check refuses it.
    clock.set(t0 + 60_000);
    await expect(session.predict(INPUTS)).rejects.toThrow(expect.objectContaining({ code: 'ERR_CLOCK' }));
    await expect(loadProtectedModel(made.bundle, credentials, { clock })).rejects.toMatchObject({ code: 'ERR_CLOCK' });
    session.dispose();
    await expect(loadProtectedModel(made.bundle, credentials, { clock, now: t0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
