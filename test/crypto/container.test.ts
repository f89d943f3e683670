import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  inspectContainer,
  openContainer,
  sealPassword,
} from '../../src/crypto/index.js';
import { encodePassword } from '../../src/lock/password.js';
import { FINGERPRINT_A, FINGERPRINT_B, PASSWORD, seededBytes } from './fixtures.js';

describe('password container', () => {
  it('round-trips a password, with a fresh key and nonce each time', async () => {
    const a = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const b = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    expect(a.contentKey).toHaveLength(32);
    expect(Buffer.from(a.contentKey).equals(Buffer.from(b.contentKey))).toBe(false);
    expect(inspectContainer(a.container).nonce).not.toBe(inspectContainer(b.container).nonce);
    expect(await openContainer(a.container, a.contentKey, { modelFingerprint: FINGERPRINT_A })).toEqual(PASSWORD);
    expect(await openContainer(b.container.slice().buffer, b.contentKey, { anyModel: true })).toEqual(PASSWORD);
  });

  it('is AES-256-GCM with the header as associated data (checked with node:crypto, independently)', async () => {
    const { container, contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A, randomBytes: seededBytes(1) });
    const headerLength = new DataView(container.buffer, container.byteOffset).getUint32(8, false);
    const aadEnd = 12 + headerLength;
    const header = JSON.parse(Buffer.from(container.subarray(12, aadEnd)).toString('utf8'));
    expect(header).toEqual({ format: 'edgepro-password', version: 2, cipher: 'AES-256-GCM', nonce: header.nonce, modelFingerprint: FINGERPRINT_A, expiresAt: null });
    const body = container.subarray(aadEnd);
    const decipher = createDecipheriv('aes-256-gcm', contentKey, Buffer.from(header.nonce, 'hex'));
    decipher.setAAD(container.subarray(0, aadEnd));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    expect(plain.equals(Buffer.from(encodePassword(PASSWORD)))).toBe(true);
  });

  it('is reproducible from a seeded random source', async () => {
    const a = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A, randomBytes: seededBytes(7) });
    const b = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A, randomBytes: seededBytes(7) });
    expect(Buffer.from(a.container).equals(Buffer.from(b.container))).toBe(true);
  });

  it('refuses a wrong key, another model and an expired container with typed errors', async () => {
    const { container, contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A, expiresAt: new Date('2030-01-01T00:00:00Z') });
    const wrong = contentKey.slice();
    wrong[0]! ^= 1;
    await expect(openContainer(container, wrong, { anyModel: true })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
    await expect(openContainer(container, contentKey, { modelFingerprint: FINGERPRINT_B })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
    await expect(openContainer(container, contentKey, { now: Date.parse('2030-01-01T00:00:00Z'), anyModel: true })).rejects.toMatchObject({ code: 'ERR_EXPIRED' });
    expect(await openContainer(container, contentKey, { now: Date.parse('2029-12-31T23:59:59Z'), anyModel: true })).toEqual(PASSWORD);
    expect(inspectContainer(container).expiresAt).toBe(Date.parse('2030-01-01T00:00:00Z'));
  });

  it('refuses misuse at sealing: invalid password, bad fingerprint, bad expiry, short key', async () => {
    await expect(sealPassword({ version: 1, lockPoints: [] }, { modelFingerprint: FINGERPRINT_A })).rejects.toMatchObject({ code: 'ERR_INVALID_PASSWORD' });
    await expect(sealPassword(PASSWORD, { modelFingerprint: 'ABC' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A, expiresAt: new Date('nope') })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const { container } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    await expect(openContainer(container, new Uint8Array(16), { anyModel: true })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
