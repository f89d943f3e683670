/**
 * AES-256-GCM through WebCrypto (96-bit nonce, 128-bit tag). Keys are imported non-extractable for one operation.
 */
import { DecryptionFailedError } from './errors.js';
import { own } from './bytes.js';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

async function importKey(key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', own(key), { name: 'AES-GCM' }, false, [usage]);
}

/** Encrypts `plaintext`, authenticating `aad` too; returns ciphertext || tag. */
export async function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await importKey(key, 'encrypt');
  const out = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: own(nonce), additionalData: own(aad), tagLength: 128 }, cryptoKey, own(plaintext));
  return new Uint8Array(out);
}

/** Decrypts and authenticates; any failure (wrong key, altered bytes) is one {@link DecryptionFailedError}. */
export async function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array, message?: string): Promise<Uint8Array> {
  const cryptoKey = await importKey(key, 'decrypt');
  try {
    const out = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: own(nonce), additionalData: own(aad), tagLength: 128 }, cryptoKey, own(sealed));
    return new Uint8Array(out);
  } catch (cause) {
    throw new DecryptionFailedError(message, { cause });
  }
}
