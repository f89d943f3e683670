/**
 * Sealed weights: a file of model weights encrypted in fixed-size chunks, so a device can decrypt it as it downloads
 * and never holds more than a few chunks beyond the buffer the tensors are built from. The construction is age's
 * STREAM (C2SP agead) and Tink's streaming AEAD: a per-file key from HKDF over a random salt, the chunk counter and a
 * last-chunk flag in every nonce, and a header that every chunk authenticates.
 *
 * ## Layout, version 1
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 8 | magic `89 45 50 53 0d 0a 1a 0a` (`\x89EPS\r\n\x1a\n`) |
 * | 8 | 4 | `H`: header length, unsigned big-endian, 2 ≤ `H` ≤ 4096 |
 * | 12 | `H` | header: UTF-8 JSON object (below) |
 * | 12 + `H` | rest | chunks 0 … n−1, each AES-256-GCM ciphertext ‖ 16-byte tag |
 *
 * Header, fields in this order when written, all required, no others:
 * `{"format":"edgepro-sealed","version":1,"cipher":"AES-256-GCM","kdf":"HKDF-SHA256","salt":"<32 bytes hex>",
 * "name":"<file name>","chunkBytes":1048576,"plaintextBytes":N}`
 * - `salt`: 32 random bytes, lower-case hex.
 * - `name`: the file's name in its bundle, 1–255 characters of `[A-Za-z0-9._-]`, not `.` or `..`.
 * - `chunkBytes`: a power of two in [4096, 16777216] (2^12 … 2^24).
 * - `plaintextBytes`: N, an integer in [0, 2^32].
 *
 * File key: `K = HKDF-SHA256(ikm = content key (32 bytes), salt = salt, info = UTF-8 "edgepro-sealed/1 " ‖ name)`,
 * 32 bytes, an AES-256-GCM key for every chunk of the file.
 *
 * Chunks: the plaintext cut into n = max(1, ⌈N / chunkBytes⌉) pieces of `chunkBytes`, the last one shorter (or full
 * when N is a non-zero multiple; an empty plaintext is one empty chunk). Chunk i is
 * `AES-256-GCM(K, nonce_i, piece_i, aad = bytes 0 … 12 + H of the file, as stored)` with
 * `nonce_i = i as an 11-byte unsigned big-endian integer ‖ (0x01 if i = n − 1 else 0x00)`.
 *
 * So a file is exactly `12 + H + N + 16·n` bytes ({@link sealedBodyBytes} is the part after the header). A reader
 * refuses a file of any other length, a stream that ends before or runs on past the final chunk, and releases
 * nothing until the final chunk has verified.
 *
 * Errors: structure (magic, header, fields, lengths) is `MalformedError`; an unknown version is
 * `UnsupportedVersionError`; a chunk that does not authenticate — wrong key, altered byte, chunks reordered,
 * dropped, duplicated or taken from another file — is one `DecryptionFailedError` that does not say which.
 * Isomorphic: `globalThis.crypto.subtle` and `TextEncoder` only.
 */
import { EdgeProError, InvalidArgumentError } from '../util/errors.js';
import { KEY_BYTES, TAG_BYTES } from './aead.js';
import {
  asBytes,
  concatBytes,
  decodeFrame,
  defaultRandomBytes,
  encodeFramePrefix,
  equalBytes,
  fromHex,
  integerField,
  keyBytes,
  onlyKeys,
  own,
  stringField,
  toHex,
  type RandomBytes,
} from './bytes.js';
import { DecryptionFailedError, MalformedError } from './errors.js';
import { checkFormatVersion, readCipher } from './header.js';

/** `\x89 E P S \r \n \x1a \n`, PNG-style like the container's and the licence's magic. */
export const SEALED_MAGIC = Uint8Array.of(0x89, 0x45, 0x50, 0x53, 0x0d, 0x0a, 0x1a, 0x0a);
export const SEALED_FORMAT = 'edgepro-sealed';
export const SEALED_VERSION = 1;

/**
 * 1 MiB, from bench/sealed_stream.ts (45 MiB of random data, Node 20 WebCrypto, 2-core AMD EPYC with VAES, medians
 * of 5, three runs at load average 0.4–0.7): opening at 2 in flight gave 64 KiB 0.93–1.02, 256 KiB 1.56–1.86,
 * 1 MiB 1.99–2.87 and 4 MiB 1.32–1.59 GB/s, against 0.53–0.60 for one AES-GCM decrypt of the whole buffer. Small
 * chunks pay WebCrypto's per-call cost, 4 MiB ones are slower again (the cache, probably); 1 MiB was also the top
 * at load 2.4–3.3 (1.1–1.4 GB/s), and keeps a reader to a few MiB beyond its output.
 */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** The public header of a sealed file, readable without the key. */
export interface SealedHeader {
  format: 'edgepro-sealed';
  version: number;
  cipher: 'AES-256-GCM';
  kdf: 'HKDF-SHA256';
  /** 32 random bytes, hex: the HKDF salt of this file's key. */
  salt: string;
  /** The file's name in its bundle; part of the key derivation, so a file moved to another's place does not open. */
  name: string;
  /** Plaintext bytes per chunk (the last chunk may be shorter). */
  chunkBytes: number;
  /** Length of the plaintext. */
  plaintextBytes: number;
}

// --- limits and arguments ---

const WHAT = 'sealed weights';
const FIELDS = ['format', 'version', 'cipher', 'kdf', 'salt', 'name', 'chunkBytes', 'plaintextBytes'] as const;
const PREFIX = 12;
/** Largest header accepted (real ones are about 200 bytes). */
export const MAX_SEALED_HEADER = 4096;
const SALT_BYTES = 32;
const MIN_CHUNK = 2 ** 12;
const MAX_CHUNK = 2 ** 24;
const MAX_PLAINTEXT = 2 ** 32;
const NAME = /^[A-Za-z0-9._-]{1,255}$/;
const INFO_PREFIX = 'edgepro-sealed/1 ';
const FAILED = 'sealed weights did not decrypt: wrong key or altered file';
/**
 * Chunk decrypts in flight: Node runs each WebCrypto call on its thread pool. At 1 MiB into a buffer already in
 * memory, 1 in flight opened 1.32–1.48 GB/s, 2 1.99–2.87, 4 1.95–2.30 (same runs as above); into a fresh buffer of
 * 42 MiB (what a load does: its pages are touched for the first time), 1 0.63, 2 0.83, 3 0.90, 4 0.88, 6 0.78 GB/s
 * (median of 7, load 1.1). 3 holds three chunks and keeps both cores busy while the main thread places the output.
 */
const DEFAULT_CONCURRENCY = 3;
const MAX_CONCURRENCY = 16;

const validName = (name: unknown): name is string => typeof name === 'string' && NAME.test(name) && name !== '.' && name !== '..';
const validChunk = (bytes: number) => Number.isSafeInteger(bytes) && bytes >= MIN_CHUNK && bytes <= MAX_CHUNK && (bytes & (bytes - 1)) === 0;

function nameArgument(name: unknown): string {
  if (!validName(name)) throw new InvalidArgumentError(`name must be 1 to 255 characters of [A-Za-z0-9._-], not "." or "..", got ${JSON.stringify(name)}`);
  return name;
}

function chunkBytesArgument(bytes: unknown): number {
  if (typeof bytes !== 'number' || !validChunk(bytes)) throw new InvalidArgumentError(`chunkBytes must be a power of two in [${MIN_CHUNK}, ${MAX_CHUNK}], got ${String(bytes)}`);
  return bytes;
}

function concurrencyArgument(value: unknown): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw new InvalidArgumentError(`concurrency must be an integer in [1, ${MAX_CONCURRENCY}], got ${String(value)}`);
  }
  return value;
}

const chunkCount = (plaintextBytes: number, chunkBytes: number) => Math.max(1, Math.ceil(plaintextBytes / chunkBytes));

/**
 * Length of everything after the header: the plaintext plus one 16-byte tag per chunk.
 *
 * @example
 * ```ts
 * sealedBodyBytes(0, 4096); // 16: one empty final chunk
 * sealedBodyBytes(3 * 1048576, 1048576); // 3145776
 * ```
 */
export function sealedBodyBytes(plaintextBytes: number, chunkBytes: number): number {
  if (!Number.isSafeInteger(plaintextBytes) || plaintextBytes < 0 || plaintextBytes > MAX_PLAINTEXT) {
    throw new InvalidArgumentError(`plaintextBytes must be an integer in [0, ${MAX_PLAINTEXT}], got ${plaintextBytes}`);
  }
  return plaintextBytes + TAG_BYTES * chunkCount(plaintextBytes, chunkBytesArgument(chunkBytes));
}

// --- header ---

/**
 * Parses and checks the header from the first bytes of a sealed file (needs at least 12 + H bytes; the rest may be
 * absent). Does no cryptography: the header is authenticated only when a chunk decrypts.
 *
 * @example
 * ```ts
 * const { header, fileBytes } = inspectSealed(firstBytes);
 * const weights = new Uint8Array(header.plaintextBytes);
 * await openSealed(response.body!, contentKey, { name: header.name, into: weights });
 * ```
 */
export function inspectSealed(bytes: Uint8Array): { header: SealedHeader; headerBytes: Uint8Array; fileBytes: number } {
  const frame = decodeFrame(asBytes(bytes, 'bytes'), SEALED_MAGIC, WHAT, MAX_SEALED_HEADER);
  const h = frame.header;
  checkFormatVersion(h, SEALED_FORMAT, SEALED_VERSION, WHAT);
  onlyKeys(h, FIELDS, WHAT);
  readCipher(h, WHAT);
  const kdf = stringField(h, 'kdf', WHAT);
  if (kdf !== 'HKDF-SHA256') throw new MalformedError(`${WHAT}.kdf ${JSON.stringify(kdf)} is not supported (HKDF-SHA256 only)`);
  fromHex(h.salt, SALT_BYTES, `${WHAT}.salt`);
  const name = stringField(h, 'name', WHAT);
  if (!validName(name)) throw new MalformedError(`${WHAT}.name must be 1 to 255 characters of [A-Za-z0-9._-], not "." or ".."`);
  const chunkBytes = integerField(h, 'chunkBytes', WHAT, MIN_CHUNK, MAX_CHUNK);
  if (!validChunk(chunkBytes)) throw new MalformedError(`${WHAT}.chunkBytes = ${chunkBytes} is not a power of two`);
  const plaintextBytes = integerField(h, 'plaintextBytes', WHAT, 0, MAX_PLAINTEXT);
  const header: SealedHeader = { format: SEALED_FORMAT, version: SEALED_VERSION, cipher: 'AES-256-GCM', kdf, salt: h.salt as string, name, chunkBytes, plaintextBytes };
  const headerBytes = frame.authenticated.slice();
  return { header, headerBytes, fileBytes: headerBytes.length + sealedBodyBytes(plaintextBytes, chunkBytes) };
}

// --- keys and nonces ---

async function fileKey(contentKey: Uint8Array, salt: Uint8Array, name: string, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', own(contentKey), 'HKDF', false, ['deriveKey']);
  const info = new TextEncoder().encode(INFO_PREFIX + name);
  return subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: own(salt), info }, base, { name: 'AES-GCM', length: 256 }, false, [usage]);
}

/** 11-byte big-endian counter ‖ last-chunk flag. */
function chunkParams(index: number, last: boolean, aad: Uint8Array): AesGcmParams {
  const iv = new Uint8Array(12);
  const view = new DataView(iv.buffer);
  view.setUint32(3, Math.floor(index / 2 ** 32), false);
  view.setUint32(7, index >>> 0, false);
  iv[11] = last ? 1 : 0;
  return { name: 'AES-GCM', iv, additionalData: own(aad), tagLength: 128 };
}

// --- seal ---

/**
 * Encrypts weights (or any bytes) as a sealed file named `name` under the 32-byte content key, in chunks of
 * `chunkBytes` (default {@link DEFAULT_CHUNK_BYTES}). Each file gets its own key from a fresh random salt.
 *
 * @example
 * ```ts
 * const sealed = await sealWeights(weightsBin, contentKey, { name: 'weights.sealed' });
 * const weights = await openSealed(sealed, contentKey, { name: 'weights.sealed' });
 * ```
 */
export async function sealWeights(plaintext: Uint8Array, contentKey: Uint8Array, options: { name: string; chunkBytes?: number; randomBytes?: RandomBytes }): Promise<Uint8Array> {
  const key = keyBytes(contentKey, KEY_BYTES, 'contentKey');
  const data = asBytes(plaintext, 'plaintext');
  if (data.length > MAX_PLAINTEXT) throw new InvalidArgumentError(`plaintext of ${data.length} bytes exceeds ${MAX_PLAINTEXT}`);
  const name = nameArgument(options.name);
  const chunkBytes = chunkBytesArgument(options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const salt = keyBytes((options.randomBytes ?? defaultRandomBytes)(SALT_BYTES), SALT_BYTES, 'random salt');
  const header: SealedHeader = { format: SEALED_FORMAT, version: SEALED_VERSION, cipher: 'AES-256-GCM', kdf: 'HKDF-SHA256', salt: toHex(salt), name, chunkBytes, plaintextBytes: data.length };
  const prefix = encodeFramePrefix(SEALED_MAGIC, header);
  const out = new Uint8Array(prefix.length + sealedBodyBytes(data.length, chunkBytes));
  out.set(prefix);
  const aesKey = await fileKey(key, salt, name, 'encrypt');
  const count = chunkCount(data.length, chunkBytes);
  const window = new Window<void>();
  for (let i = 0; i < count; i++) {
    const piece = own(data.subarray(i * chunkBytes, Math.min(data.length, (i + 1) * chunkBytes)));
    const at = prefix.length + i * (chunkBytes + TAG_BYTES);
    window.push(globalThis.crypto.subtle.encrypt(chunkParams(i, i === count - 1, prefix), aesKey, piece).then((sealed) => out.set(new Uint8Array(sealed), at)));
    await window.drain(DEFAULT_CONCURRENCY - 1);
  }
  await window.drain(0);
  return out;
}

// --- open ---

/**
 * Decrypts a sealed file chunk by chunk. `source` is the whole file, or a stream of its bytes in pieces of any size
 * (an `AsyncIterable<Uint8Array>` or a WHATWG `ReadableStream<Uint8Array>`, e.g. a fetch body or a Node file read in
 * pieces). The plaintext goes into `into` (a Uint8Array of exactly `header.plaintextBytes`, e.g. a view into the one
 * buffer the model's tensors are built from) or into a new buffer, allocated only once the first chunk has verified
 * (so an unauthenticated header cannot make a reader allocate). At most `concurrency` chunk decrypts (default 2) are
 * in flight, plus the chunk being read; each decrypted chunk is copied into place and its buffer zeroed.
 *
 * Resolves only once the final chunk (flag 0x01) has verified and the source has ended; on any failure `into` is
 * zeroed before the error is thrown.
 * - `name` must equal the header's name (MalformedError): a sealed file moved to another file's place is refused.
 * - `expect`: what {@link inspectSealed} gave for the file's first bytes (say, to size `into`); the header bytes
 *   of `source` must be identical (MalformedError).
 * - A source that throws while being read is a MalformedError with the source's error as `cause`.
 *
 * @example
 * ```ts
 * const weights = await openSealed(sealed, contentKey, { name: 'weights.sealed' });
 * // or straight from the network into a buffer the caller owns:
 * const first = inspectSealed(headBytes);
 * const into = new Uint8Array(first.header.plaintextBytes);
 * await openSealed((await fetch(url)).body!, contentKey, { name: 'weights.sealed', into, expect: first });
 * ```
 */
export async function openSealed(
  source: Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  contentKey: Uint8Array,
  options: { name: string; into?: Uint8Array; concurrency?: number; expect?: { headerBytes: Uint8Array } },
): Promise<Uint8Array> {
  const into = options.into;
  if (into !== undefined && !(into instanceof Uint8Array)) throw new InvalidArgumentError('into must be a Uint8Array');
  let out = into;
  const window = new Window<Uint8Array>();
  let reader: ByteReader | undefined;
  try {
    const key = keyBytes(contentKey, KEY_BYTES, 'contentKey');
    const name = nameArgument(options.name);
    const concurrency = concurrencyArgument(options.concurrency);
    reader = new ByteReader(piecesOf(source));
    const whole = reader.whole;

    const prefix = await reader.read(PREFIX);
    const declared = prefix.length === PREFIX ? new DataView(prefix.buffer, prefix.byteOffset, PREFIX).getUint32(8, false) : 0;
    const rest = declared >= 2 && declared <= MAX_SEALED_HEADER ? await reader.read(declared) : new Uint8Array(0);
    const { header, headerBytes, fileBytes } = inspectSealed(rest.length === 0 ? prefix : concatBytes(prefix, rest));
    if (options.expect !== undefined && !equalBytes(asBytes(options.expect.headerBytes, 'expect.headerBytes'), headerBytes)) {
      throw new MalformedError(`${WHAT}: the header differs from the one expected`);
    }
    if (header.name !== name) throw new MalformedError(`${WHAT} is named ${JSON.stringify(header.name)}, not ${JSON.stringify(name)}: a file in another file's place`);
    if (whole !== undefined && whole !== fileBytes) throw new MalformedError(`${WHAT} is ${whole} bytes, its header says ${fileBytes}`);
    if (into !== undefined && into.length !== header.plaintextBytes) {
      throw new InvalidArgumentError(`into has ${into.length} bytes, the sealed file holds ${header.plaintextBytes}`);
    }

    const { chunkBytes, plaintextBytes } = header;
    const aesKey = await fileKey(key, fromHex(header.salt, SALT_BYTES, 'salt'), name, 'decrypt');
    const count = chunkCount(plaintextBytes, chunkBytes);
    const place = (plain: Uint8Array | undefined, index: number) => {
      if (plain === undefined) throw new DecryptionFailedError(FAILED);
      // A new buffer only once chunk 0 has authenticated the header that sizes it.
      out ??= new Uint8Array(plaintextBytes);
      out.set(plain, index * chunkBytes);
      plain.fill(0);
    };
    for (let i = 0; i < count; i++) {
      const length = (i < count - 1 ? chunkBytes : plaintextBytes - (count - 1) * chunkBytes) + TAG_BYTES;
      const sealed = await reader.read(length);
      if (sealed.length < length) throw new MalformedError(`${WHAT} ends early, in chunk ${i} of ${count}`);
      const decrypt = globalThis.crypto.subtle.decrypt(chunkParams(i, i === count - 1, headerBytes), aesKey, own(sealed));
      window.push(decrypt.then((plain) => new Uint8Array(plain)), (plain) => place(plain, i));
      await window.drain(out === undefined ? 0 : concurrency - 1);
    }
    await window.drain(0);
    if (!(await reader.atEnd())) throw new MalformedError(`${WHAT} runs on past its final chunk`);
    return out ?? new Uint8Array(0);
  } catch (error) {
    reader?.cancel();
    await window.discard();
    out?.fill(0);
    throw error;
  }
}

// --- internals: tasks finished in order, a source read in exact lengths ---

/**
 * Tasks started in order and finished in order. A task's rejection is caught at once (no unhandled rejection while
 * an earlier one is awaited) and handed to its `finish` as `undefined`; without a `finish`, it is rethrown.
 */
class Window<T> {
  #tasks: { result: Promise<T | undefined>; finish: (value: T | undefined) => void }[] = [];
  #error: { cause: unknown } | undefined;

  push(task: Promise<T>, finish?: (value: T | undefined) => void): void {
    const result = task.catch((cause: unknown) => {
      this.#error ??= { cause };
      return undefined;
    });
    this.#tasks.push({ result, finish: finish ?? (() => this.#rethrow()) });
  }

  /** Finishes the oldest tasks until at most `left` are in flight. */
  async drain(left: number): Promise<void> {
    while (this.#tasks.length > left) {
      const task = this.#tasks.shift()!;
      task.finish(await task.result);
    }
  }

  /** After a failure: waits for every task still in flight and zeroes what they produced. */
  async discard(): Promise<void> {
    const tasks = this.#tasks.splice(0);
    for (const value of await Promise.all(tasks.map((task) => task.result))) {
      if (value instanceof Uint8Array) value.fill(0);
    }
  }

  #rethrow(): void {
    if (this.#error !== undefined) throw this.#error.cause;
  }
}

interface Pieces {
  /** Length of the whole source when it is one buffer. */
  whole?: number;
  /**
   * The next piece. `wanted` is how many bytes the reader still needs: an async generator may read exactly that many
   * (it receives the number from `yield`), so that each chunk arrives as one piece and is decrypted without a copy.
   */
  next(wanted?: number): Promise<unknown>;
  cancel(): void;
}

const END = Symbol('end');
const ignore = () => undefined;

function piecesOf(source: unknown): Pieces {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    let bytes: Uint8Array | typeof END = asBytes(source, 'source');
    return {
      whole: bytes.length,
      next: async () => {
        const piece = bytes;
        bytes = END;
        return piece;
      },
      cancel: ignore,
    };
  }
  if (typeof source === 'object' && source !== null && typeof (source as ReadableStream).getReader === 'function') {
    const reader = (source as ReadableStream<unknown>).getReader();
    return {
      next: async () => {
        const { done, value } = await reader.read();
        return done ? END : value;
      },
      cancel: () => void reader.cancel().catch(ignore),
    };
  }
  if (typeof source === 'object' && source !== null && typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]() as AsyncIterator<unknown, unknown, number | undefined>;
    return {
      next: async (wanted) => {
        const { done, value } = await iterator.next(wanted);
        return done ? END : value;
      },
      cancel: () => {
        try {
          void Promise.resolve(iterator.return?.()).catch(ignore);
        } catch {
          // a source that cannot be stopped is left to end by itself
        }
      },
    };
  }
  throw new InvalidArgumentError('source must be a Uint8Array, an AsyncIterable<Uint8Array> or a ReadableStream<Uint8Array>');
}

class ByteReader {
  readonly whole: number | undefined;
  #source: Pieces;
  #pieces: Uint8Array[] = [];
  /** Bytes of `#pieces[0]` already read. */
  #offset = 0;
  #buffered = 0;
  #ended = false;

  constructor(source: Pieces) {
    this.#source = source;
    this.whole = source.whole;
  }

  /** Exactly `length` bytes, or fewer if the source ends first; a view into a piece when they lie in one. */
  async read(length: number): Promise<Uint8Array> {
    while (this.#buffered < length && !this.#ended) await this.#pull(length - this.#buffered);
    const take = Math.min(length, this.#buffered);
    const first = this.#pieces[0];
    if (first !== undefined && first.length - this.#offset >= take) {
      const out = first.subarray(this.#offset, this.#offset + take);
      this.#consume(take);
      return out;
    }
    const out = new Uint8Array(take);
    for (let filled = 0; filled < take; ) {
      const piece = this.#pieces[0]!;
      const n = Math.min(piece.length - this.#offset, take - filled);
      out.set(piece.subarray(this.#offset, this.#offset + n), filled);
      filled += n;
      this.#consume(n);
    }
    return out;
  }

  /** Whether the source has no bytes left (reads until a non-empty piece or its end). */
  async atEnd(): Promise<boolean> {
    while (this.#buffered === 0 && !this.#ended) await this.#pull();
    return this.#buffered === 0;
  }

  cancel(): void {
    if (!this.#ended) this.#source.cancel();
    this.#ended = true;
    this.#pieces = [];
  }

  async #pull(wanted?: number): Promise<void> {
    let value: unknown;
    try {
      value = await this.#source.next(wanted);
    } catch (cause) {
      if (cause instanceof EdgeProError) throw cause;
      throw new MalformedError(`${WHAT}: reading the source failed`, { cause });
    }
    if (value === END) {
      this.#ended = true;
      return;
    }
    const piece = asBytes(value, 'a piece of source');
    if (piece.length === 0) return;
    this.#pieces.push(piece);
    this.#buffered += piece.length;
  }

  #consume(n: number): void {
    this.#buffered -= n;
    this.#offset += n;
    while (this.#pieces.length > 0 && this.#offset >= this.#pieces[0]!.length) {
      this.#offset -= this.#pieces.shift()!.length;
    }
  }
}
