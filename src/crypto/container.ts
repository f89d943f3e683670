/**
 * The password container (`password.edgepro`): the password, AES-256-GCM encrypted under a random 32-byte content
 * key, behind a JSON header that the encryption authenticates (format, version, cipher, nonce, model fingerprint,
 * expiry). Layout in docs/FORMAT.md. The content key is the owner's secret (`owner.key`); licences wrap it.
 */
import { InvalidArgumentError } from '../util/errors.js';
import { decodePassword, encodePassword, validatePassword, type Password } from '../lock/password.js';
import { aesGcmDecrypt, aesGcmEncrypt, KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './aead.js';
import { concatBytes, decodeFrame, defaultRandomBytes, encodeFramePrefix, fromHex, keyBytes, asBytes, onlyKeys, toHex, type RandomBytes } from './bytes.js';
import { MalformedError } from './errors.js';
import {
  checkExpiry,
  checkFingerprintArgument,
  checkFormatVersion,
  checkModel,
  checkModelBinding,
  expiryArgument,
  readCipher,
  readExpiry,
  readFingerprint,
  type ModelBinding,
} from './header.js';

/** `\x89 E P W \r \n \x1a \n`: PNG-style, so text-mode transfers and truncation to 7 bits are caught by the magic. */
export const CONTAINER_MAGIC = Uint8Array.of(0x89, 0x45, 0x50, 0x57, 0x0d, 0x0a, 0x1a, 0x0a);
export const CONTAINER_FORMAT = 'edgepro-password';
/**
 * Version 2: `modelFingerprint` is the bundle fingerprint (model.json and the weight files as shipped). Version 1
 * fingerprinted the weights alone; such containers still open here, but the runtime refuses their bundles.
 */
export const CONTAINER_VERSION = 2;
/** The versions {@link openContainer} reads. */
export const CONTAINER_VERSIONS = [1, 2] as const;
/** Largest header accepted; real headers are about 200 bytes. */
export const MAX_CONTAINER_HEADER = 4096;
/** Largest encrypted password accepted (a ResNet's hardened password is a few tens of kB). */
export const MAX_PASSWORD_BYTES = 4 * 1024 * 1024;

const WHAT = 'password container';
const FIELDS = ['format', 'version', 'cipher', 'nonce', 'modelFingerprint', 'expiresAt'] as const;

/** The container's public header, readable without the key. */
export interface ContainerHeader {
  format: typeof CONTAINER_FORMAT;
  version: number;
  cipher: 'AES-256-GCM';
  /** 12-byte GCM nonce, hex. */
  nonce: string;
  /** The bundle fingerprint (version 2) or the SHA-256 of the weights (version 1), hex. */
  modelFingerprint: string;
  /** Expiry in ms since the Unix epoch, or null. */
  expiresAt: number | null;
}

export interface SealOptions {
  /** The bundle fingerprint of the model the password is for. */
  modelFingerprint: string;
  /** Seal under this content key (the one the bundle's weights are sealed under); default a fresh random one. */
  contentKey?: Uint8Array;
  /** After this instant the container no longer opens. */
  expiresAt?: Date | number;
  /** Random source for the key and nonce (tests); defaults to `crypto.getRandomValues`. */
  randomBytes?: RandomBytes;
}

export interface OpenContainerOptions extends ModelBinding {
  /** Clock for the expiry check (default: now). */
  now?: Date | number;
}

function parse(container: Uint8Array): { header: ContainerHeader; nonce: Uint8Array; aad: Uint8Array; sealed: Uint8Array } {
  const frame = decodeFrame(container, CONTAINER_MAGIC, WHAT, MAX_CONTAINER_HEADER);
  const h = frame.header;
  const version = checkFormatVersion(h, CONTAINER_FORMAT, CONTAINER_VERSIONS, WHAT);
  onlyKeys(h, FIELDS, WHAT);
  readCipher(h, WHAT);
  const nonce = fromHex(h.nonce, NONCE_BYTES, `${WHAT}.nonce`);
  const header: ContainerHeader = {
    format: CONTAINER_FORMAT,
    version,
    cipher: 'AES-256-GCM',
    nonce: h.nonce as string,
    modelFingerprint: readFingerprint(h, WHAT),
    expiresAt: readExpiry(h, WHAT),
  };
  const sealed = frame.body;
  if (sealed.length <= TAG_BYTES || sealed.length > MAX_PASSWORD_BYTES + TAG_BYTES) {
    throw new MalformedError(`${WHAT} ciphertext of ${sealed.length} bytes is out of range [${TAG_BYTES + 1}, ${MAX_PASSWORD_BYTES + TAG_BYTES}]`);
  }
  return { header, nonce, aad: frame.authenticated, sealed };
}

/**
 * Encrypts a password for the model with the given bundle fingerprint under a fresh random content key (or the given
 * one).
 * Keep `contentKey` secret (it is `owner.key`); ship `container` as `password.edgepro`.
 *
 * @example
 * ```ts
 * const { container, contentKey } = await sealPassword(password, { modelFingerprint: assembled.fingerprint });
 * ```
 */
export async function sealPassword(password: Password, options: SealOptions): Promise<{ container: Uint8Array; contentKey: Uint8Array }> {
  const plaintext = encodePassword(validatePassword(password));
  if (plaintext.length > MAX_PASSWORD_BYTES) throw new InvalidArgumentError(`password of ${plaintext.length} bytes exceeds ${MAX_PASSWORD_BYTES}`);
  const random = options.randomBytes ?? defaultRandomBytes;
  const contentKey = options.contentKey !== undefined ? keyBytes(options.contentKey, KEY_BYTES, 'contentKey').slice() : keyBytes(random(KEY_BYTES), KEY_BYTES, 'random content key');
  const nonce = keyBytes(random(NONCE_BYTES), NONCE_BYTES, 'random nonce');
  const header: ContainerHeader = {
    format: CONTAINER_FORMAT,
    version: CONTAINER_VERSION,
    cipher: 'AES-256-GCM',
    nonce: toHex(nonce),
    modelFingerprint: checkFingerprintArgument(options.modelFingerprint),
    expiresAt: expiryArgument(options.expiresAt),
  };
  const prefix = encodeFramePrefix(CONTAINER_MAGIC, header);
  const sealed = await aesGcmEncrypt(contentKey, nonce, plaintext, prefix);
  plaintext.fill(0);
  return { container: concatBytes(prefix, sealed), contentKey };
}

/** Reads and checks the public header without decrypting (for tools that describe a file). */
export function inspectContainer(container: Uint8Array | ArrayBuffer): ContainerHeader {
  return parse(asBytes(container, 'container')).header;
}

/**
 * Decrypts a container with its content key: checks the structure (MalformedError, UnsupportedVersionError), the
 * model (ModelMismatchError), decrypts and authenticates header and password (DecryptionFailedError), then the
 * expiry (ExpiredError). The password is validated structurally; the runtime checks it against the model.
 *
 * @example
 * ```ts
 * const password = await openContainer(container, contentKey, { modelFingerprint }); // the bundle's fingerprint
 * ```
 */
export async function openContainer(container: Uint8Array | ArrayBuffer, contentKey: Uint8Array, options: OpenContainerOptions): Promise<Password> {
  const expected = checkModelBinding(options ?? {}, WHAT);
  // One copy of the caller's bytes, taken now: what is checked is what is decrypted.
  const key = keyBytes(contentKey, KEY_BYTES, 'contentKey').slice();
  try {
    const { header, nonce, aad, sealed } = parse(asBytes(container, 'container').slice());
    checkModel(header.modelFingerprint, expected, WHAT);
    const plaintext = await aesGcmDecrypt(key, nonce, sealed, aad, 'password container did not decrypt: wrong key or altered container');
    try {
      checkExpiry(header.expiresAt, options.now, WHAT);
      return decodePassword(plaintext);
    } finally {
      plaintext.fill(0);
    }
  } finally {
    key.fill(0);
  }
}
