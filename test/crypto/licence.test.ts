import { pbkdf2Sync, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateDeviceKeyPair,
  generateVendorKeyPair,
  inspectLicence,
  issueLicence,
  openContainer,
  openLicence,
  sealPassword,
  KDF_LIMITS,
} from '../../src/crypto/index.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { deriveFromPassphrase, kdfArgument } from '../../src/crypto/kdf.js';
import { CHEAP_KDF, FINGERPRINT_A, FINGERPRINT_B, PASSWORD } from './fixtures.js';

const salt = Uint8Array.from({ length: 16 }, (_, i) => i);

describe('passphrase KDFs', () => {
  it('scrypt and PBKDF2-SHA256 agree with node:crypto', async () => {
    const scrypt = await deriveFromPassphrase('pässword', salt, { name: 'scrypt', N: 1024, r: 8, p: 1 });
    expect(Buffer.from(scrypt).equals(scryptSync('pässword'.normalize('NFC'), salt, 32, { N: 1024, r: 8, p: 1 }))).toBe(true);
    const pbkdf2 = await deriveFromPassphrase('pässword', salt, { name: 'pbkdf2-sha256', iterations: 2000 });
    expect(Buffer.from(pbkdf2).equals(pbkdf2Sync('pässword', salt, 2000, 32, 'sha256'))).toBe(true);
  });

  it('fills defaults and refuses parameters beyond the caps or below the floors', () => {
    expect(kdfArgument(undefined)).toEqual({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    expect(kdfArgument({ name: 'pbkdf2-sha256' })).toEqual({ name: 'pbkdf2-sha256', iterations: 600_000 });
    expect(kdfArgument({ N: 2 ** 12 })).toEqual({ name: 'scrypt', N: 2 ** 12, r: 8, p: 1 });
    for (const bad of [{ N: 2 ** 21 }, { N: 3000 }, { N: 2 ** 9 }, { N: 2 ** 20, r: 8 }, { N: 2 ** 18, r: 8, p: 16 }, { name: 'pbkdf2-sha256' as const, iterations: 10 }]) {
      expect(() => kdfArgument(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
    expect(KDF_LIMITS.maxScryptMemory).toBe(256 * 2 ** 20);
  });
});

describe('licences', () => {
  it('a passphrase licence (scrypt or PBKDF2) opens with the passphrase only', async () => {
    const { container, contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    for (const kdf of [CHEAP_KDF, { name: 'pbkdf2-sha256', iterations: 2000 } as const]) {
      const licence = await issueLicence(contentKey, { passphrase: 'correct horse', kdf }, { modelFingerprint: FINGERPRINT_A });
      expect(inspectLicence(licence).recipient).toMatchObject({ type: 'passphrase', kdf });
      const key = await openLicence(licence, { passphrase: 'correct horse' }, { modelFingerprint: FINGERPRINT_A });
      expect(key).toEqual(contentKey);
      expect(await openContainer(container, key, { anyModel: true })).toEqual(PASSWORD);
      await expect(openLicence(licence, { passphrase: 'correct horsE' }, { anyModel: true })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
    }
  });

  it('a device licence opens with that device private key only, not another device, not a passphrase', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const device = await generateDeviceKeyPair();
    const other = await generateDeviceKeyPair();
    const licence = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: FINGERPRINT_A });
    expect(licence.length).toBeLessThan(600);
    expect(await openLicence(licence, { devicePrivateKey: device.privateKey }, { anyModel: true })).toEqual(contentKey);
    await expect(openLicence(licence, { devicePrivateKey: other.privateKey }, { anyModel: true })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
    await expect(openLicence(licence, { passphrase: 'x' }, { anyModel: true })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
    // Re-addressing the licence to the other device in the header breaks the authentication.
    const { publicKey } = inspectLicence(licence).recipient as { publicKey: string };
    const readdressed = Buffer.from(Buffer.from(licence).toString('latin1').replace(publicKey, Buffer.from(other.publicKey).toString('hex')), 'latin1');
    expect(readdressed.equals(Buffer.from(licence))).toBe(false);
    await expect(openLicence(readdressed, { devicePrivateKey: other.privateKey }, { anyModel: true })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
  });

  it('is bound to the model: another fingerprint is refused before any work', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const licence = await issueLicence(contentKey, { passphrase: 'p', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A });
    await expect(openLicence(licence, { passphrase: 'p' }, { modelFingerprint: FINGERPRINT_B })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
  });

  it('with a vendor key, refuses unsigned licences and licences signed by another key', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const vendor = await generateVendorKeyPair();
    const impostor = await generateVendorKeyPair();
    const device = await generateDeviceKeyPair();
    const signed = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: FINGERPRINT_A, vendorPrivateKey: vendor.privateKey });
    const unsigned = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: FINGERPRINT_A });
    const forged = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: FINGERPRINT_A, vendorPrivateKey: impostor.privateKey });
    const options = { vendorPublicKey: vendor.publicKey, anyModel: true as const };
    expect(inspectLicence(signed).signature).toEqual({ algorithm: 'Ed25519', publicKey: Buffer.from(vendor.publicKey).toString('hex') });
    expect(await openLicence(signed, { devicePrivateKey: device.privateKey }, options)).toEqual(contentKey);
    await expect(openLicence(unsigned, { devicePrivateKey: device.privateKey }, options)).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
    await expect(openLicence(forged, { devicePrivateKey: device.privateKey }, options)).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
    // Without a vendor key a signed licence still opens (the signature cannot be checked, the wrapping still is).
    expect(await openLicence(forged, { devicePrivateKey: device.privateKey }, { anyModel: true })).toEqual(contentKey);
  });

  it('expires', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const licence = await issueLicence(contentKey, { passphrase: 'p', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A, expiresAt: 2_000_000_000_000 });
    await expect(openLicence(licence, { passphrase: 'p' }, { now: 2_000_000_000_000, anyModel: true })).rejects.toMatchObject({ code: 'ERR_EXPIRED' });
    expect(await openLicence(licence, { passphrase: 'p' }, { now: 1_999_999_999_999, anyModel: true })).toEqual(contentKey);
  });

  it('refuses misuse at issue: short key, empty passphrase, unusable device key, KDF over the cap', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const opts = { modelFingerprint: FINGERPRINT_A };
    await expect(issueLicence(contentKey.subarray(1), { passphrase: 'p' }, opts)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(issueLicence(contentKey, { passphrase: '' }, opts)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(issueLicence(contentKey, { devicePublicKey: new Uint8Array(32) }, opts)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(issueLicence(contentKey, { passphrase: 'p', kdf: { name: 'scrypt', N: 2 ** 22, r: 8, p: 1 } }, opts)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('carries its issue time; a clock a day before it is refused (ERR_CLOCK), five minutes are allowed', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const issuedAt = Date.parse('2027-06-01T00:00:00Z');
    const licence = await issueLicence(contentKey, { passphrase: 'p', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A, issuedAt });
    expect(inspectLicence(licence).issuedAt).toBe(issuedAt);
    expect(await openLicence(licence, { passphrase: 'p' }, { modelFingerprint: FINGERPRINT_A, now: issuedAt - 4 * 60_000 })).toEqual(contentKey);
    await expect(openLicence(licence, { passphrase: 'p' }, { modelFingerprint: FINGERPRINT_A, now: issuedAt - 86_400_000 })).rejects.toMatchObject({ code: 'ERR_CLOCK' });
    await expect(openLicence(licence, { passphrase: 'p' }, { modelFingerprint: FINGERPRINT_A, now: issuedAt - 60_000, clockSkew: 0 })).rejects.toMatchObject({ code: 'ERR_CLOCK' });
    await expect(issueLicence(contentKey, { passphrase: 'p', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A, issuedAt, expiresAt: issuedAt })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });

  it('needs the model it is opened for, or an explicit anyModel: leaving both out is refused, not a skipped check', async () => {
    const { container, contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const licence = await issueLicence(contentKey, { passphrase: 'p', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A });
    await expect(openLicence(licence, { passphrase: 'p' }, {})).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(openContainer(container, contentKey, {})).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(openContainer(container, contentKey, { modelFingerprint: FINGERPRINT_A, anyModel: true })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('verifies Ed25519 strictly (RFC 8032), not as ZIP-215: the identity key with R = identity, S = 0 signs nothing', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const unsigned = await issueLicence(contentKey, { passphrase: 'p', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A });
    const headerLength = new DataView(unsigned.buffer, unsigned.byteOffset).getUint32(8, false);
    const header = JSON.parse(new TextDecoder().decode(unsigned.subarray(12, 12 + headerLength)));
    const identity = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));
    header.signature = { algorithm: 'Ed25519', publicKey: Buffer.from(identity).toString('hex') };
    const json = new TextEncoder().encode(JSON.stringify(header));
    const prefix = new Uint8Array(12 + json.length);
    prefix.set(unsigned.subarray(0, 8));
    new DataView(prefix.buffer).setUint32(8, json.length, false);
    prefix.set(json, 12);
    const body = new Uint8Array([...prefix, ...unsigned.subarray(12 + headerLength)]);
    const signature = new Uint8Array([...identity, ...new Uint8Array(32)]);
    const forged = new Uint8Array([...body, ...signature]);
    // The permissive rule would accept it: the test is about something real.
    expect(ed25519.verify(signature, body, identity, { zip215: true })).toBe(true);
    await expect(openLicence(forged, { passphrase: 'p' }, { modelFingerprint: FINGERPRINT_A })).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
  });

  it("reads the caller's licence once: bytes changed while it derives the key change nothing", async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const licence = await issueLicence(contentKey, { passphrase: 'p', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A });
    const opening = openLicence(licence, { passphrase: 'p' }, { modelFingerprint: FINGERPRINT_A });
    licence.fill(0);
    expect(await opening).toEqual(contentKey);
  });
});
