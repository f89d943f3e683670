/**
 * Hostile bytes: every single-byte alteration and every truncation of a container and of licences, oversize length
 * fields, wrong types in headers, crafted KDF parameters. The contract: a typed error with a crypto code, never
 * another kind of failure, never a password or key from altered input, and no KDF work on parameters over the caps.
 */
import { describe, expect, it, vi } from 'vitest';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import {
  generateDeviceKeyPair,
  generateVendorKeyPair,
  inspectLicence,
  issueLicence,
  openContainer,
  openLicence,
  sealPassword,
  type LicenceKey,
  type OpenLicenceOptions,
} from '../../src/crypto/index.js';
import { EdgeProError } from '../../src/util/errors.js';
import { CHEAP_KDF, FINGERPRINT_A, PASSWORD, typedFailure } from './fixtures.js';

vi.mock('@noble/hashes/scrypt.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('@noble/hashes/scrypt.js')>();
  return { ...original, scryptAsync: vi.fn(original.scryptAsync) };
});



function flipped(bytes: Uint8Array, index: number, mask: number): Uint8Array {
  const copy = bytes.slice();
  copy[index]! ^= mask;
  return copy;
}

/** Every byte xor 0x01 (keeps hex digits hex, JSON mostly JSON) and xor 0x80 (breaks UTF-8), and every truncation. */
async function everyAlteration(bytes: Uint8Array, open: (altered: Uint8Array) => Promise<unknown>): Promise<Map<string, number>> {
  const codes = new Map<string, number>();
  const count = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0x01, 0x80]) count(await typedFailure(() => open(flipped(bytes, i, mask)), `byte ${i} ^ ${mask}`));
  }
  for (let length = 0; length < bytes.length; length++) count(await typedFailure(() => open(bytes.slice(0, length)), `truncated to ${length}`));
  count(await typedFailure(() => open(new Uint8Array([...bytes, 0])), 'one byte appended'));
  return codes;
}

function headerOf(bytes: Uint8Array): { header: Record<string, unknown>; body: Uint8Array } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, false);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))), body: bytes.subarray(12 + length) };
}

/** Re-frames a (modified) header with the original body. */
function withHeader(bytes: Uint8Array, header: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const { body } = headerOf(bytes);
  const out = new Uint8Array(12 + json.length + body.length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, json.length, false);
  out.set(json, 12);
  out.set(body, 12 + json.length);
  return out;
}

function withLength(bytes: Uint8Array, length: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(8, length, false);
  return copy;
}

describe('container under hostile bytes', () => {
  it('every flipped byte and every truncation: a typed error, never a password', async () => {
    const { container, contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A, expiresAt: 4_000_000_000_000 });
    expect(container.length).toBeLessThan(600);
    const codes = await everyAlteration(container, (c) => openContainer(c, contentKey, { modelFingerprint: FINGERPRINT_A }));
    expect(codes.get('ERR_DECRYPTION_FAILED')).toBeGreaterThan(100);
    expect(codes.get('ERR_MALFORMED')).toBeGreaterThan(100);
    expect(await openContainer(container, contentKey, { anyModel: true })).toEqual(PASSWORD); // the original still opens
  });

  it('oversize and undersize length fields', async () => {
    const { container, contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    for (const length of [0, 1, 0xffffffff, 0x80000000, 4097, container.length, container.length - 12, container.length - 12 - 16]) {
      expect(await typedFailure(() => openContainer(withLength(container, length), contentKey, { anyModel: true }), `length ${length}`)).toBe('ERR_MALFORMED');
    }
  });

  it('wrong types and values in the header: MalformedError or UnsupportedVersionError before decryption', async () => {
    const { container, contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const { header } = headerOf(container);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...header, version: '1' }, 'ERR_MALFORMED'],
      [{ ...header, version: 1.5 }, 'ERR_MALFORMED'],
      [{ ...header, version: 3 }, 'ERR_UNSUPPORTED_VERSION'],
      [{ ...header, format: 'edgepro-licence' }, 'ERR_MALFORMED'],
      [{ ...header, cipher: 'AES-128-GCM' }, 'ERR_MALFORMED'],
      [{ ...header, cipher: ['AES-256-GCM'] }, 'ERR_MALFORMED'],
      [{ ...header, nonce: 12 }, 'ERR_MALFORMED'],
      [{ ...header, nonce: 'ab' }, 'ERR_MALFORMED'],
      [{ ...header, modelFingerprint: null }, 'ERR_MALFORMED'],
      [{ ...header, modelFingerprint: 'A'.repeat(64) }, 'ERR_MALFORMED'],
      [{ ...header, expiresAt: '2030-01-01' }, 'ERR_MALFORMED'],
      [{ ...header, expiresAt: -1 }, 'ERR_MALFORMED'],
      [{ ...header, expiresAt: 1e300 }, 'ERR_MALFORMED'],
      [{ ...header, extra: true }, 'ERR_MALFORMED'],
      [{ format: header.format, version: 1 }, 'ERR_MALFORMED'],
    ];
    for (const [altered, code] of cases) {
      expect(await typedFailure(() => openContainer(withHeader(container, altered), contentKey, { anyModel: true }), JSON.stringify(altered))).toBe(code);
    }
    expect(await typedFailure(() => openContainer(withHeader(container, [header]), contentKey, { anyModel: true }), 'array header')).toBe('ERR_MALFORMED');
    expect(await typedFailure(() => openContainer(withHeader(container, null), contentKey, { anyModel: true }), 'null header')).toBe('ERR_MALFORMED');
    // A re-serialised but identical header still opens: the test above changed meaning, not just bytes.
    expect(await openContainer(withHeader(container, header), contentKey, { anyModel: true })).toEqual(PASSWORD);
  });
});

describe('licences under hostile bytes', () => {
  it('device licence, signed: every flipped byte and truncation, with and without the vendor key', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const device = await generateDeviceKeyPair();
    const vendor = await generateVendorKeyPair();
    const licence = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: FINGERPRINT_A, vendorPrivateKey: vendor.privateKey, expiresAt: 4_000_000_000_000 });
    const key: LicenceKey = { devicePrivateKey: device.privateKey };
    for (const options of [{ vendorPublicKey: vendor.publicKey, modelFingerprint: FINGERPRINT_A }, { anyModel: true }] as OpenLicenceOptions[]) {
      const codes = await everyAlteration(licence, (l) => openLicence(l, key, options));
      expect(codes.get('ERR_SIGNATURE')).toBeGreaterThan(50);
      expect(codes.get('ERR_MALFORMED')).toBeGreaterThan(100);
    }
    expect(await openLicence(licence, key, { vendorPublicKey: vendor.publicKey, anyModel: true })).toEqual(contentKey);
  }, 60_000);

  it('passphrase licence (cheap scrypt): every flipped byte and truncation', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const licence = await issueLicence(contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A });
    const codes = await everyAlteration(licence, (l) => openLicence(l, { passphrase: 'pw' }, { modelFingerprint: FINGERPRINT_A }));
    expect(codes.get('ERR_DECRYPTION_FAILED')).toBeGreaterThan(50);
    expect(await openLicence(licence, { passphrase: 'pw' }, { anyModel: true })).toEqual(contentKey);
  }, 60_000);

  it('oversize length fields and wrong header types', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const device = await generateDeviceKeyPair();
    const licence = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: FINGERPRINT_A });
    const key = { devicePrivateKey: device.privateKey };
    for (const length of [0, 0xffffffff, 4097, licence.length]) {
      expect(await typedFailure(() => openLicence(withLength(licence, length), key, { anyModel: true }), `length ${length}`)).toBe('ERR_MALFORMED');
    }
    const { header } = headerOf(licence);
    const recipient = header.recipient as Record<string, unknown>;
    const cases: [unknown, string][] = [
      [{ ...header, version: 0 }, 'ERR_MALFORMED'],
      [{ ...header, version: 7 }, 'ERR_UNSUPPORTED_VERSION'],
      [{ ...header, recipient: [recipient] }, 'ERR_MALFORMED'],
      [{ ...header, recipient: { ...recipient, type: 'rsa' } }, 'ERR_MALFORMED'],
      [{ ...header, recipient: { ...recipient, publicKey: 5 } }, 'ERR_MALFORMED'],
      [{ ...header, wrap: { cipher: 'AES-256-GCM' } }, 'ERR_MALFORMED'],
      [{ ...header, signature: 'Ed25519' }, 'ERR_MALFORMED'],
      [{ ...header, signature: { algorithm: 'Ed448', publicKey: '00'.repeat(32) } }, 'ERR_MALFORMED'],
      [{ ...header, signature: undefined }, 'ERR_MALFORMED'],
      // Claims a signature the body does not have room for.
      [{ ...header, signature: { algorithm: 'Ed25519', publicKey: '00'.repeat(32) } }, 'ERR_MALFORMED'],
    ];
    for (const [altered, code] of cases) {
      expect(await typedFailure(() => openLicence(withHeader(licence, altered), key, { anyModel: true }), JSON.stringify(altered))).toBe(code);
    }
  });

  it('crafted KDF parameters are refused before any derivation', async () => {
    const { contentKey } = await sealPassword(PASSWORD, { modelFingerprint: FINGERPRINT_A });
    const licence = await issueLicence(contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT_A });
    const { header } = headerOf(licence);
    const recipient = header.recipient as Record<string, unknown>;
    const crafted = [
      { name: 'scrypt', N: 2 ** 30, r: 8, p: 1 },
      { name: 'scrypt', N: 2 ** 20, r: 8, p: 1 }, // 1 GiB
      { name: 'scrypt', N: 2 ** 17, r: 8, p: 16 }, // work over the cap
      { name: 'scrypt', N: 2 ** 10, r: 1e9, p: 1 },
      { name: 'scrypt', N: 1000, r: 8, p: 1 },
      { name: 'scrypt', N: '1024', r: 8, p: 1 },
      { name: 'scrypt', N: 2 ** 10, r: 8, p: 1, maxmem: 1 },
      { name: 'pbkdf2-sha256', iterations: 1e12 },
      { name: 'pbkdf2-sha256', iterations: 2 ** 53 },
      { name: 'argon2id', t: 1 },
    ];
    const calls = vi.mocked(scryptAsync).mock.calls.length;
    for (const kdf of crafted) {
      const altered = withHeader(licence, { ...header, recipient: { ...recipient, kdf } });
      expect(() => inspectLicence(altered)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
      expect(await typedFailure(() => openLicence(altered, { passphrase: 'pw' }, { anyModel: true }), JSON.stringify(kdf))).toBe('ERR_MALFORMED');
    }
    // A caller's tighter limit applies too: the cheap licence itself is refused under a 64 KiB memory cap.
    expect(await typedFailure(() => openLicence(licence, { passphrase: 'pw' }, { kdfLimits: { maxScryptMemory: 64 * 1024 }, anyModel: true }), 'tight cap')).toBe('ERR_MALFORMED');
    expect(vi.mocked(scryptAsync).mock.calls.length).toBe(calls);
    await openLicence(licence, { passphrase: 'pw' }, { anyModel: true });
    expect(vi.mocked(scryptAsync).mock.calls.length).toBe(calls + 1);
  });
});
