import { diffieHellman, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeKeyFile,
  devicePublicKey,
  encodeKeyFile,
  generateDeviceKeyPair,
  generateVendorKeyPair,
  vendorPublicKey,
} from '../../src/crypto/index.js';

/** Raw X25519 keys as node:crypto KeyObjects (RFC 8410 DER prefixes), to cross-check noble's X25519. */
function nodeX25519(priv: Uint8Array, pub: Uint8Array) {
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), priv]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), pub]), format: 'der', type: 'spki' });
  return { privateKey, publicKey };
}

describe('key pairs and key files', () => {
  it('makes X25519 device pairs that agree with node:crypto', async () => {
    const a = await generateDeviceKeyPair();
    const b = await generateDeviceKeyPair();
    expect(devicePublicKey(a.privateKey)).toEqual(a.publicKey);
    const na = nodeX25519(a.privateKey, a.publicKey);
    const nb = nodeX25519(b.privateKey, b.publicKey);
    const ab = diffieHellman({ privateKey: na.privateKey, publicKey: nb.publicKey });
    const ba = diffieHellman({ privateKey: nb.privateKey, publicKey: na.publicKey });
    expect(ab.equals(ba)).toBe(true);
    expect(ab).toHaveLength(32);
  });

  it('makes Ed25519 vendor pairs', async () => {
    const v = await generateVendorKeyPair();
    expect(vendorPublicKey(v.privateKey)).toEqual(v.publicKey);
    expect(v.privateKey).toHaveLength(32);
  });

  it('round-trips key files and refuses the wrong kind, version or bytes', async () => {
    const { privateKey } = await generateDeviceKeyPair();
    const text = encodeKeyFile('device-private', privateKey);
    expect(text).toMatch(/^# edgepro device private key[^\n]*\nedgepro-key\/1 device-private [0-9a-f]{64}\n$/);
    expect(decodeKeyFile(text, 'device-private')).toEqual({ kind: 'device-private', key: privateKey });
    expect(decodeKeyFile(text.replace('\n', '\r\n') + '\n\n# trailing comment\n').key).toEqual(privateKey);
    expect(() => decodeKeyFile(text, 'vendor-public')).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    expect(() => decodeKeyFile(text.replace('edgepro-key/1', 'edgepro-key/2'))).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_VERSION' }));
    expect(() => decodeKeyFile(text.replace(/[0-9a-f]{2}\n$/, '\n'))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    expect(() => decodeKeyFile(text.replace(/([0-9a-f])\n$/, 'G\n'))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    expect(() => decodeKeyFile(text.replace('device-private', 'owner'))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    expect(() => decodeKeyFile(text + text)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    expect(() => decodeKeyFile('')).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    expect(() => encodeKeyFile('device-private', new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
