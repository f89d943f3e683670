/**
 * Licences: a container's content key wrapped for one recipient — a passphrase (scrypt or PBKDF2-SHA256) or a
 * device's X25519 public key (ephemeral ECDH + HKDF-SHA256, HPKE-like) — optionally signed by the vendor (Ed25519).
 * Issuing one needs only the content key and the model fingerprint, never the weights. Layout in docs/FORMAT.md:
 * `magic | u32 header length | header JSON | wrapped key (48) | Ed25519 signature (64, iff header.signature)`.
 * Every byte is checked on opening: header and wrapped key by AES-GCM, the signature (if any) by Ed25519.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { InvalidArgumentError } from '../util/errors.js';
import { aesGcmDecrypt, aesGcmEncrypt, KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './aead.js';
import {
  asBytes,
  concatBytes,
  integerField,
  decodeFrame,
  defaultRandomBytes,
  encodeFramePrefix,
  equalBytes,
  fromHex,
  keyBytes,
  objectField,
  onlyKeys,
  own,
  stringField,
  toHex,
  type RandomBytes,
} from './bytes.js';
import { DecryptionFailedError, MalformedError, SignatureError } from './errors.js';
import {
  checkExpiry,
  checkFingerprintArgument,
  checkFormatVersion,
  checkIssued,
  checkModel,
  checkModelBinding,
  DEFAULT_CLOCK_SKEW_MS,
  expiryArgument,
  MAX_TIME,
  readCipher,
  readExpiry,
  readFingerprint,
  type ModelBinding,
} from './header.js';
import { deriveFromPassphrase, kdfArgument, readKdfParams, SALT_BYTES, type KdfLimits, type KdfParams } from './kdf.js';

/** `\x89 E P L \r \n \x1a \n`. */
export const LICENCE_MAGIC = Uint8Array.of(0x89, 0x45, 0x50, 0x4c, 0x0d, 0x0a, 0x1a, 0x0a);
export const LICENCE_FORMAT = 'edgepro-licence';
/**
 * Version 2: `modelFingerprint` is the bundle fingerprint (model.json and the weight files as shipped); version 1
 * fingerprinted the weights alone. Both open here; the runtime refuses version 1 for what it does not bind.
 */
export const LICENCE_VERSION = 2;
export const LICENCE_VERSIONS = [1, 2] as const;
export const MAX_LICENCE_HEADER = 4096;
const WRAPPED_BYTES = KEY_BYTES + TAG_BYTES;
const SIGNATURE_BYTES = 64;
const WHAT = 'licence';
const FIELDS_V1 = ['format', 'version', 'modelFingerprint', 'expiresAt', 'recipient', 'wrap', 'signature'] as const;
/** Version 2 adds `issuedAt`: a device whose clock is before it does not trust its own clock with the expiry. */
const FIELDS = [...FIELDS_V1, 'issuedAt'] as const;

export type LicenceRecipientHeader =
  | { type: 'passphrase'; kdf: KdfParams; salt: string }
  | { type: 'x25519'; publicKey: string; ephemeralPublicKey: string };

/** A licence's public header, readable without any key. */
export interface LicenceHeader {
  format: typeof LICENCE_FORMAT;
  version: number;
  modelFingerprint: string;
  expiresAt: number | null;
  /** When the licence was issued (ms since 1970; version 2), or null (version 1). */
  issuedAt: number | null;
  recipient: LicenceRecipientHeader;
  wrap: { cipher: 'AES-256-GCM'; nonce: string };
  /** The vendor's signature scheme and public key (authenticated like the rest of the header), or null if unsigned. */
  signature: { algorithm: 'Ed25519'; publicKey: string } | null;
}

/** Who can open the licence. `kdf` defaults to {@link DEFAULT_KDF}. */
export type LicenceRecipient = { passphrase: string; kdf?: Partial<KdfParams> } | { devicePublicKey: Uint8Array };

export interface IssueLicenceOptions {
  /** Fingerprint of the model's weights (the container's `modelFingerprint`). */
  modelFingerprint: string;
  /** Signs the licence (Ed25519) so devices holding the vendor public key can refuse forgeries. */
  vendorPrivateKey?: Uint8Array;
  /** After this instant the licence no longer opens. */
  expiresAt?: Date | number;
  /** The issue time written into the licence (default: now); a device whose clock is before it refuses. */
  issuedAt?: Date | number;
  randomBytes?: RandomBytes;
}

/** The secret a device opens its licence with. */
export type LicenceKey = { passphrase: string } | { devicePrivateKey: Uint8Array };

export interface OpenLicenceOptions extends ModelBinding {
  /** With it, an unsigned or wrongly signed licence is refused (SignatureError). */
  vendorPublicKey?: Uint8Array;
  now?: Date | number;
  /** How far the clock may be before the licence's issue time (default 5 minutes). */
  clockSkew?: number;
  /** Tighter caps on passphrase KDF parameters than the built-in {@link KDF_LIMITS}. */
  kdfLimits?: Partial<KdfLimits>;
}

// --- key agreement ---

const encoder = new TextEncoder();

/** HKDF-SHA256 (WebCrypto) of the X25519 shared secret, salted with both public keys, bound to the model. */
async function deviceKek(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array, fingerprint: string): Promise<Uint8Array> {
  const ikm = await globalThis.crypto.subtle.importKey('raw', own(shared), 'HKDF', false, ['deriveBits']);
  const info = encoder.encode(`edgepro-licence/1 x25519 ${fingerprint}`);
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: own(concatBytes(ephemeralPublic, recipientPublic)), info: own(info) },
    ikm,
    256,
  );
  return new Uint8Array(bits);
}

function sharedSecret(privateKey: Uint8Array, publicKey: Uint8Array, onFailure: () => Error): Uint8Array {
  try {
    return x25519.getSharedSecret(privateKey, publicKey);
  } catch (cause) {
    // noble refuses low-order points (an all-zero shared secret); treat as a key that cannot be used.
    const error = onFailure();
    (error as { cause?: unknown }).cause = cause;
    throw error;
  }
}

// --- parsing ---

interface ParsedLicence {
  header: LicenceHeader;
  aad: Uint8Array;
  wrapped: Uint8Array;
  nonce: Uint8Array;
  signed: Uint8Array;
  signature: Uint8Array | undefined;
}

function readRecipient(h: Record<string, unknown>, limits: Partial<KdfLimits> | undefined): LicenceRecipientHeader {
  const r = objectField(h, 'recipient', WHAT);
  const type = stringField(r, 'type', `${WHAT}.recipient`);
  if (type === 'passphrase') {
    onlyKeys(r, ['type', 'kdf', 'salt'], `${WHAT}.recipient`);
    fromHex(r.salt, SALT_BYTES, `${WHAT}.recipient.salt`);
    return { type, kdf: readKdfParams(objectField(r, 'kdf', `${WHAT}.recipient`), `${WHAT}.recipient.kdf`, limits), salt: r.salt as string };
  }
  if (type === 'x25519') {
    onlyKeys(r, ['type', 'publicKey', 'ephemeralPublicKey'], `${WHAT}.recipient`);
    fromHex(r.publicKey, 32, `${WHAT}.recipient.publicKey`);
    fromHex(r.ephemeralPublicKey, 32, `${WHAT}.recipient.ephemeralPublicKey`);
    return { type, publicKey: r.publicKey as string, ephemeralPublicKey: r.ephemeralPublicKey as string };
  }
  throw new MalformedError(`${WHAT}.recipient.type ${JSON.stringify(type)} is not passphrase or x25519`);
}

function parse(licence: Uint8Array, limits?: Partial<KdfLimits>): ParsedLicence {
  const frame = decodeFrame(licence, LICENCE_MAGIC, WHAT, MAX_LICENCE_HEADER);
  const h = frame.header;
  const version = checkFormatVersion(h, LICENCE_FORMAT, LICENCE_VERSIONS, WHAT);
  onlyKeys(h, version === 1 ? FIELDS_V1 : FIELDS, WHAT);
  const wrap = objectField(h, 'wrap', WHAT);
  onlyKeys(wrap, ['cipher', 'nonce'], `${WHAT}.wrap`);
  readCipher(wrap, `${WHAT}.wrap`);
  const nonce = fromHex(wrap.nonce, NONCE_BYTES, `${WHAT}.wrap.nonce`);
  let signature: LicenceHeader['signature'] = null;
  if (h.signature !== null) {
    const sig = objectField(h, 'signature', WHAT);
    onlyKeys(sig, ['algorithm', 'publicKey'], `${WHAT}.signature`);
    if (sig.algorithm !== 'Ed25519') throw new MalformedError(`${WHAT}.signature.algorithm must be "Ed25519"`);
    fromHex(sig.publicKey, 32, `${WHAT}.signature.publicKey`);
    signature = { algorithm: 'Ed25519', publicKey: sig.publicKey as string };
  }
  const header: LicenceHeader = {
    format: LICENCE_FORMAT,
    version,
    modelFingerprint: readFingerprint(h, WHAT),
    expiresAt: readExpiry(h, WHAT),
    issuedAt: version === 1 ? null : integerField(h, 'issuedAt', WHAT, 0, MAX_TIME),
    recipient: readRecipient(h, limits),
    wrap: { cipher: 'AES-256-GCM', nonce: wrap.nonce as string },
    signature,
  };
  const expected = WRAPPED_BYTES + (header.signature === null ? 0 : SIGNATURE_BYTES);
  if (frame.body.length !== expected) throw new MalformedError(`${WHAT} body is ${frame.body.length} bytes, expected ${expected}`);
  const end = frame.authenticated.length + WRAPPED_BYTES;
  return {
    header,
    aad: frame.authenticated,
    wrapped: frame.body.subarray(0, WRAPPED_BYTES),
    nonce,
    signed: licence.subarray(0, end),
    signature: header.signature === null ? undefined : licence.subarray(end, end + SIGNATURE_BYTES),
  };
}

/**
 * A signed licence names its signer's public key in the (authenticated) header, so its signature is always checked:
 * against that key when the caller has no vendor key (integrity of every byte), and only if it equals the caller's
 * vendor key otherwise (authenticity). A vendor key and no signature is refused.
 */
function checkSignature(parsed: ParsedLicence, vendorKey: Uint8Array | undefined): void {
  const signer = parsed.header.signature;
  if (signer === null || parsed.signature === undefined) {
    if (vendorKey !== undefined) throw new SignatureError('licence is not signed, and a vendor key requires a signature');
    return;
  }
  const named = fromHex(signer.publicKey, 32, 'signature.publicKey');
  if (vendorKey !== undefined && !equalBytes(named, vendorKey)) throw new SignatureError('licence is signed by another key than the vendor key');
  let valid = false;
  try {
    // Strict RFC 8032 verification, not ZIP-215's permissive one (which accepts, e.g., S = 0 with the identity key).
    valid = ed25519.verify(parsed.signature, parsed.signed, named, { zip215: false });
  } catch {
    valid = false;
  }
  if (!valid) throw new SignatureError('licence signature does not verify: forged or altered');
}

// --- public ---

/**
 * Wraps a container's content key for one recipient. Touches no weights: many devices, one model.
 *
 * @example
 * ```ts
 * const licence = await issueLicence(contentKey, { devicePublicKey }, { modelFingerprint, vendorPrivateKey });
 * const forAlice = await issueLicence(contentKey, { passphrase: 'correct horse battery staple' }, { modelFingerprint });
 * ```
 */
export async function issueLicence(contentKey: Uint8Array, recipient: LicenceRecipient, options: IssueLicenceOptions): Promise<Uint8Array> {
  const key = keyBytes(contentKey, KEY_BYTES, 'contentKey');
  const modelFingerprint = checkFingerprintArgument(options.modelFingerprint);
  const random = options.randomBytes ?? defaultRandomBytes;
  const vendorKey = options.vendorPrivateKey === undefined ? undefined : keyBytes(options.vendorPrivateKey, 32, 'vendorPrivateKey');
  const nonce = keyBytes(random(NONCE_BYTES), NONCE_BYTES, 'random nonce');
  const issuedAt = expiryArgument(options.issuedAt ?? Date.now())!;
  const expiresAt = expiryArgument(options.expiresAt);
  if (expiresAt !== null && expiresAt <= issuedAt) throw new InvalidArgumentError('expiresAt must be after issuedAt');
  let recipientHeader: LicenceRecipientHeader;
  let kek: Uint8Array | undefined;
  let shared: Uint8Array | undefined;
  try {
    if (typeof recipient === 'object' && recipient !== null && 'passphrase' in recipient) {
      if (typeof recipient.passphrase !== 'string' || recipient.passphrase === '') throw new InvalidArgumentError('passphrase must be a non-empty string');
      const kdf = kdfArgument(recipient.kdf);
      const salt = keyBytes(random(SALT_BYTES), SALT_BYTES, 'random salt');
      recipientHeader = { type: 'passphrase', kdf, salt: toHex(salt) };
      kek = await deriveFromPassphrase(recipient.passphrase, salt, kdf);
    } else if (typeof recipient === 'object' && recipient !== null && 'devicePublicKey' in recipient) {
      const publicKey = keyBytes(recipient.devicePublicKey, 32, 'devicePublicKey');
      const ephemeral = x25519.keygen(keyBytes(random(32), 32, 'random seed'));
      try {
        shared = sharedSecret(ephemeral.secretKey, publicKey, () => new InvalidArgumentError('devicePublicKey is not a usable X25519 public key'));
      } finally {
        ephemeral.secretKey.fill(0);
      }
      recipientHeader = { type: 'x25519', publicKey: toHex(publicKey), ephemeralPublicKey: toHex(ephemeral.publicKey) };
      kek = await deviceKek(shared, ephemeral.publicKey, publicKey, modelFingerprint);
    } else {
      throw new InvalidArgumentError('recipient must be { passphrase } or { devicePublicKey }');
    }
    const header: LicenceHeader = {
      format: LICENCE_FORMAT,
      version: LICENCE_VERSION,
      modelFingerprint,
      expiresAt,
      issuedAt,
      recipient: recipientHeader,
      wrap: { cipher: 'AES-256-GCM', nonce: toHex(nonce) },
      signature: vendorKey === undefined ? null : { algorithm: 'Ed25519', publicKey: toHex(ed25519.getPublicKey(vendorKey)) },
    };
    const prefix = encodeFramePrefix(LICENCE_MAGIC, header);
    const wrapped = await aesGcmEncrypt(kek, nonce, key, prefix);
    const body = concatBytes(prefix, wrapped);
    return vendorKey === undefined ? body : concatBytes(body, ed25519.sign(body, vendorKey));
  } finally {
    kek?.fill(0);
    shared?.fill(0);
  }
}

/**
 * Reads and checks a licence's public header (KDF parameters capped) without any key.
 *
 * @example
 * ```ts
 * const header = inspectLicence(await readFile('device1.licence')); // no key needed, no secret shown
 * console.log(header.modelFingerprint, header.recipient.kind, header.expiresAt);
 * ```
 */
export function inspectLicence(licence: Uint8Array | ArrayBuffer, options: { kdfLimits?: Partial<KdfLimits> } = {}): LicenceHeader {
  return parse(asBytes(licence, 'licence'), options.kdfLimits).header;
}

/**
 * Opens a licence and returns the content key it wraps. Order of checks: structure and caps (MalformedError,
 * UnsupportedVersionError), model (ModelMismatchError), vendor signature (SignatureError) — all before any key
 * derivation — then unwrapping (DecryptionFailedError: wrong passphrase or device, or altered), then expiry.
 *
 * @example
 * ```ts
 * const contentKey = await openLicence(licence, { devicePrivateKey }, { vendorPublicKey, modelFingerprint });
 * ```
 */
export async function openLicence(licence: Uint8Array | ArrayBuffer, key: LicenceKey, options: OpenLicenceOptions): Promise<Uint8Array> {
  const expected = checkModelBinding(options ?? {}, WHAT);
  const vendorKey = options.vendorPublicKey === undefined ? undefined : keyBytes(options.vendorPublicKey, 32, 'vendorPublicKey').slice();
  const usePassphrase = typeof key === 'object' && key !== null && 'passphrase' in key;
  if (usePassphrase ? typeof key.passphrase !== 'string' : !(typeof key === 'object' && key !== null && 'devicePrivateKey' in key)) {
    throw new InvalidArgumentError('key must be { passphrase } or { devicePrivateKey }');
  }
  // One copy of every caller buffer, taken now: a change made to them during the awaits below changes nothing.
  const deviceKey = usePassphrase ? undefined : keyBytes((key as { devicePrivateKey: Uint8Array }).devicePrivateKey, 32, 'devicePrivateKey').slice();
  const passphrase = usePassphrase ? (key as { passphrase: string }).passphrase : undefined;
  let kek: Uint8Array | undefined;
  let shared: Uint8Array | undefined;
  let contentKey: Uint8Array | undefined;
  try {
    const parsed = parse(asBytes(licence, 'licence').slice(), options.kdfLimits);
    const { header } = parsed;
    checkModel(header.modelFingerprint, expected, WHAT);
    checkSignature(parsed, vendorKey);

    const recipient = header.recipient;
    if (recipient.type === 'passphrase') {
      if (passphrase === undefined) throw new DecryptionFailedError('licence is for a passphrase, a device key was given');
      kek = await deriveFromPassphrase(passphrase, fromHex(recipient.salt, SALT_BYTES, 'salt'), recipient.kdf);
    } else {
      if (deviceKey === undefined) throw new DecryptionFailedError('licence is for a device key, a passphrase was given');
      const recipientPublic = fromHex(recipient.publicKey, 32, 'publicKey');
      if (!equalBytes(x25519.getPublicKey(deviceKey), recipientPublic)) throw new DecryptionFailedError('licence is for another device key (or altered)');
      const ephemeralPublic = fromHex(recipient.ephemeralPublicKey, 32, 'ephemeralPublicKey');
      shared = sharedSecret(deviceKey, ephemeralPublic, () => new DecryptionFailedError('licence did not decrypt: altered ephemeral key'));
      kek = await deviceKek(shared, ephemeralPublic, recipientPublic, header.modelFingerprint);
    }
    contentKey = await aesGcmDecrypt(kek, parsed.nonce, parsed.wrapped, parsed.aad, 'licence did not decrypt: wrong passphrase or device key, or altered licence');
    checkIssued(header.issuedAt, options.now, options.clockSkew ?? DEFAULT_CLOCK_SKEW_MS, WHAT);
    checkExpiry(header.expiresAt, options.now, WHAT);
    const opened = contentKey;
    contentKey = undefined;
    return opened;
  } finally {
    // Every path, the failures included: the content key leaves only when returned.
    contentKey?.fill(0);
    kek?.fill(0);
    shared?.fill(0);
    deviceKey?.fill(0);
  }
}
