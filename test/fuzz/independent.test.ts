/**
 * Checks independent of our code path: the keys our HKDF-SHA256 derivations give, re-derived with node:crypto's
 * hkdfSync, decrypt a real sealed chunk and unwrap a real licence with node:crypto's AES-256-GCM; Ed25519 signatures
 * made by our code verify with node:crypto and node's are byte-identical (RFC 8032 is deterministic); X25519 public
 * keys agree. The files are parsed here by hand, not with src/crypto.
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealWeights } from '../../src/crypto/stream.js';
import { issueLicence, openLicence } from '../../src/crypto/licence.js';
import { sealPassword } from '../../src/crypto/container.js';
import { devicePublicKey, vendorPublicKey } from '../../src/crypto/keys.js';
import { encodePassword } from '../../src/lock/password.js';
import { CHEAP_KDF, MLP_PASSWORD } from '../runtime/fixtures.js';

const FINGERPRINT = 'cd'.repeat(32);
const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const fromB64url = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));

/** `magic | u32 BE | header JSON | body`, split by hand. */
function frame(bytes: Uint8Array) {
  const length = Buffer.from(bytes).readUInt32BE(8);
  return {
    header: JSON.parse(Buffer.from(bytes.subarray(12, 12 + length)).toString('utf8')),
    aad: bytes.subarray(0, 12 + length),
    body: bytes.subarray(12 + length),
  };
}

function gcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  const d = nodeCrypto.createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return new Uint8Array(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]));
}

function x25519PrivateKey(raw: Uint8Array): nodeCrypto.KeyObject {
  // PKCS#8 of an X25519 key (RFC 8410): a fixed 16-byte prefix, then the 32-byte private key.
  return nodeCrypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]), format: 'der', type: 'pkcs8' });
}

describe('independent: HKDF-SHA256 + AES-256-GCM with node:crypto', () => {
  it('the sealed stream: HKDF(content key, header.salt, "edgepro-sealed/1 " + name) decrypts every chunk, counter ‖ last flag as nonce', async () => {
    const contentKey = nodeCrypto.randomBytes(32);
    const plain = nodeCrypto.randomBytes(4096 * 2 + 1000);
    const sealed = await sealWeights(plain, contentKey, { name: 'weights.sealed', chunkBytes: 4096 });
    const { header, aad, body } = frame(sealed);
    expect(header).toMatchObject({ kdf: 'HKDF-SHA256', name: 'weights.sealed', chunkBytes: 4096, plaintextBytes: plain.length });
    const key = new Uint8Array(nodeCrypto.hkdfSync('sha256', contentKey, Buffer.from(header.salt, 'hex'), Buffer.from('edgepro-sealed/1 weights.sealed'), 32));
    const pieces: Uint8Array[] = [];
    const count = 3;
    for (let i = 0, at = 0; i < count; i++) {
      const length = (i < count - 1 ? 4096 : plain.length - 2 * 4096) + 16;
      const iv = new Uint8Array(12);
      iv[10] = i; // 11-byte big-endian counter
      iv[11] = i === count - 1 ? 1 : 0;
      pieces.push(gcmOpen(key, iv, body.subarray(at, at + length), aad));
      at += length;
    }
    expect(Buffer.concat(pieces).equals(plain)).toBe(true);
    // The last chunk with the flag cleared does not authenticate: the flag is in the nonce.
    const iv = new Uint8Array(12);
    iv[10] = 2;
    expect(() => gcmOpen(key, iv, body.subarray(2 * 4112), aad)).toThrow();
  });

  it('a device licence: HKDF(X25519(device, ephemeral), ephemeral ‖ recipient, "edgepro-licence/1 x25519 " + fingerprint) unwraps the content key', async () => {
    const contentKey = nodeCrypto.randomBytes(32);
    const device = nodeCrypto.generateKeyPairSync('x25519');
    const devicePublic = fromB64url(device.publicKey.export({ format: 'jwk' }).x!);
    const licence = await issueLicence(contentKey, { devicePublicKey: devicePublic }, { modelFingerprint: FINGERPRINT });
    const { header, aad, body } = frame(licence);
    expect(header.recipient.publicKey).toBe(Buffer.from(devicePublic).toString('hex'));
    const ephemeral = Buffer.from(header.recipient.ephemeralPublicKey, 'hex');
    const shared = nodeCrypto.diffieHellman({
      privateKey: device.privateKey,
      publicKey: nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(ephemeral) }, format: 'jwk' }),
    });
    const kek = new Uint8Array(nodeCrypto.hkdfSync('sha256', shared, Buffer.concat([ephemeral, devicePublic]), Buffer.from(`edgepro-licence/1 x25519 ${FINGERPRINT}`), 32));
    expect(body.length).toBe(48);
    const unwrapped = gcmOpen(kek, Buffer.from(header.wrap.nonce, 'hex'), body, aad);
    expect(Buffer.from(unwrapped).equals(contentKey)).toBe(true);
  });

  it('a passphrase licence: node scrypt(NFC passphrase, salt, N, r, p) unwraps the content key', async () => {
    const contentKey = nodeCrypto.randomBytes(32);
    const passphrase = 'Cafe\u0301 au lait'; // decomposed: the licence derives from the NFC form
    const licence = await issueLicence(contentKey, { passphrase, kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT });
    const { header, aad, body } = frame(licence);
    const { N, r, p } = header.recipient.kdf;
    const kek = nodeCrypto.scryptSync(Buffer.from(passphrase.normalize('NFC')), Buffer.from(header.recipient.salt, 'hex'), 32, { N, r, p });
    expect(Buffer.from(gcmOpen(kek, Buffer.from(header.wrap.nonce, 'hex'), body, aad)).equals(contentKey)).toBe(true);
  });

  it('the password container: node AES-256-GCM with the content key, the header as AAD, gives the encoded password', async () => {
    const { container, contentKey } = await sealPassword(MLP_PASSWORD, { modelFingerprint: FINGERPRINT });
    const { header, aad, body } = frame(container);
    const plain = gcmOpen(contentKey, Buffer.from(header.nonce, 'hex'), body, aad);
    expect(Buffer.from(plain).equals(Buffer.from(encodePassword(MLP_PASSWORD)))).toBe(true);
  });
});

describe('independent: Ed25519 and X25519 with node:crypto', () => {
  const vendor = nodeCrypto.generateKeyPairSync('ed25519');
  const jwk = vendor.privateKey.export({ format: 'jwk' });
  const seed = fromB64url(jwk.d!);
  const publicRaw = fromB64url(jwk.x!);

  it('our vendor public key of node`s private seed is node`s public key', () => {
    expect(Buffer.from(vendorPublicKey(seed)).equals(Buffer.from(publicRaw))).toBe(true);
  });

  it('a licence we sign with node`s seed verifies with node:crypto.verify, and node`s signature of the same bytes is identical', async () => {
    const contentKey = nodeCrypto.randomBytes(32);
    const licence = await issueLicence(contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT, vendorPrivateKey: seed });
    const signed = licence.subarray(0, licence.length - 64);
    const signature = licence.subarray(licence.length - 64);
    const pub = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicRaw) }, format: 'jwk' });
    expect(nodeCrypto.verify(null, signed, pub, signature)).toBe(true);
    expect(Buffer.from(nodeCrypto.sign(null, signed, vendor.privateKey)).equals(Buffer.from(signature))).toBe(true);
    // Our verification accepts the licence under node's public key...
    const opened = await openLicence(licence, { passphrase: 'pw' }, { modelFingerprint: FINGERPRINT, vendorPublicKey: publicRaw });
    expect(Buffer.from(opened).equals(contentKey)).toBe(true);
    // ...and refuses a valid node signature over other bytes.
    const other = Buffer.from(signed);
    other[other.length - 1]! ^= 1;
    const forged = new Uint8Array(Buffer.concat([signed, nodeCrypto.sign(null, other, vendor.privateKey)]));
    expect(nodeCrypto.verify(null, other, pub, forged.subarray(forged.length - 64))).toBe(true);
    await expect(openLicence(forged, { passphrase: 'pw' }, { modelFingerprint: FINGERPRINT, vendorPublicKey: publicRaw })).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
  });

  it('devicePublicKey(private) equals node`s X25519 public key, for random keys', () => {
    for (let i = 0; i < 20; i++) {
      const raw = nodeCrypto.randomBytes(32);
      const theirs = fromB64url(nodeCrypto.createPublicKey(x25519PrivateKey(raw)).export({ format: 'jwk' }).x!);
      expect(Buffer.from(devicePublicKey(raw)).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
    }
  });
});
