/**
 * Pinned files (test/crypto/vectors.json, written once from seeded randomness): this build must open the version-1
 * and version-2 files, and must write exactly the version-2 bytes from the same randomness — a format change cannot
 * slip in unnoticed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  generateDeviceKeyPair,
  generateVendorKeyPair,
  inspectContainer,
  inspectLicence,
  issueLicence,
  openContainer,
  openLicence,
  sealPassword,
} from '../../src/crypto/index.js';
import { CHEAP_KDF, FINGERPRINT_A, PASSWORD, seededBytes } from './fixtures.js';

const v = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8')) as Record<string, string>;
const bytes = (key: string) => Uint8Array.from(Buffer.from(v[key]!, 'hex'));

describe('pinned vectors', () => {
  it('version 1 still opens with the keys it was made for (the runtime refuses its bundles, the crypto reads it)', async () => {
    expect(inspectContainer(bytes('container'))).toMatchObject({ version: 1, modelFingerprint: FINGERPRINT_A, expiresAt: 4_102_444_800_000 });
    expect(await openContainer(bytes('container'), bytes('contentKey'), { modelFingerprint: FINGERPRINT_A, now: 0 })).toEqual(PASSWORD);
    expect(inspectLicence(bytes('deviceLicence')).signature).toEqual({ algorithm: 'Ed25519', publicKey: v.vendorPublicKey });
    expect(await openLicence(bytes('deviceLicence'), { devicePrivateKey: bytes('devicePrivateKey') }, { vendorPublicKey: bytes('vendorPublicKey'), modelFingerprint: FINGERPRINT_A })).toEqual(bytes('contentKey'));
    expect(await openLicence(bytes('passphraseLicence'), { passphrase: v.passphrase! }, { modelFingerprint: FINGERPRINT_A })).toEqual(bytes('contentKey'));
  });

  it('version 2 opens, and is reproduced byte for byte from the same randomness', async () => {
    expect(inspectContainer(bytes('container2'))).toMatchObject({ version: 2, modelFingerprint: FINGERPRINT_A });
    expect(await openContainer(bytes('container2'), bytes('contentKey'), { modelFingerprint: FINGERPRINT_A, now: 0 })).toEqual(PASSWORD);
    expect(inspectLicence(bytes('deviceLicence2')).version).toBe(2);
    expect(await openLicence(bytes('passphraseLicence2'), { passphrase: v.passphrase! }, { modelFingerprint: FINGERPRINT_A, now: 4_000_000_000_000 })).toEqual(bytes('contentKey'));
    const { container, contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A, expiresAt: 4_102_444_800_000, randomBytes: seededBytes(101) });
    expect(Buffer.from(container).toString('hex')).toBe(v.container2);
    expect(Buffer.from(contentKey).toString('hex')).toBe(v.contentKey);
    const device = await generateDeviceKeyPair(seededBytes(102));
    const vendor = await generateVendorKeyPair(seededBytes(103));
    expect(Buffer.from(device.publicKey).toString('hex')).toBe(v.devicePublicKey);
    const licence = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: FINGERPRINT_A, vendorPrivateKey: vendor.privateKey, issuedAt: 1_800_000_000_000, randomBytes: seededBytes(104) });
    expect(Buffer.from(licence).toString('hex')).toBe(v.deviceLicence2);
    const forPassphrase = await issueLicence(contentKey, { passphrase: v.passphrase!, kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A, issuedAt: 1_800_000_000_000, randomBytes: seededBytes(105) });
    expect(Buffer.from(forPassphrase).toString('hex')).toBe(v.passphraseLicence2);
  });
});
