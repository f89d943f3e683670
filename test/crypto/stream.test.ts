/**
 * Sealed weights (src/crypto/stream.ts): round trips from every kind of source, hostile bytes (every flipped byte,
 * every truncation, chunks reordered, dropped, duplicated or swapped in from another file), caller misuse, the pinned
 * vectors, and an independent check of the spec with WebCrypto and @noble/hashes' HKDF.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_BYTES, SEALED_MAGIC, inspectSealed, openSealed, sealWeights, sealedBodyBytes } from '../../src/crypto/stream.js';
import { EdgeProError } from '../../src/util/errors.js';
import { seededBytes, typedFailure } from './fixtures.js';

const C = 4096;
const TAG = 16;
const KEY = seededBytes(1)(32);
const OTHER_KEY = seededBytes(2)(32);
const NAME = 'weights.bin';

const seal = (plaintext: Uint8Array, seed: number, name = NAME, chunkBytes = C) => sealWeights(plaintext, KEY, { name, chunkBytes, randomBytes: seededBytes(seed) });
const headerLength = (file: Uint8Array) => new DataView(file.buffer, file.byteOffset).getUint32(8, false);
const isZero = (bytes: Uint8Array) => Buffer.compare(bytes, new Uint8Array(bytes.length)) === 0;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Yields `bytes` cut at `cuts` (any order, duplicates give empty pieces). */
async function* piecesOf(bytes: Uint8Array, cuts: number[] = []): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield bytes.slice(at, cut);
    at = cut;
  }
  yield bytes.slice(at);
}

function readable(bytes: Uint8Array, cuts: number[] = []): ReadableStream<Uint8Array> {
  const it = piecesOf(bytes, cuts);
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}


async function codeOf(open: () => Promise<unknown>): Promise<string> {
  try {
    await open();
  } catch (error) {
    if (error instanceof EdgeProError) return error.code;
    throw error;
  }
  throw new Error('resolved');
}

/** The sealed chunks of a file (after its header). */
function chunksOf(file: Uint8Array, chunkBytes = C): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 12 + headerLength(file); at < file.length; at += chunkBytes + TAG) out.push(file.slice(at, Math.min(file.length, at + chunkBytes + TAG)));
  return out;
}

function withChunks(file: Uint8Array, chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat([file.subarray(0, 12 + headerLength(file)), ...chunks]);
}

function headerOf(file: Uint8Array): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + headerLength(file))));
}

/** Re-frames `header` (any JSON text) in front of the original chunks. */
function withHeader(file: Uint8Array, header: unknown): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = new Uint8Array(12 + json.length);
  prefix.set(SEALED_MAGIC);
  new DataView(prefix.buffer).setUint32(8, json.length, false);
  prefix.set(json, 12);
  return Buffer.concat([prefix, file.subarray(12 + headerLength(file))]);
}

describe('sealed weights: round trips', () => {
  const SIZES = [0, 1, C - 1, C, C + 1, 3 * C];

  it('the edge sizes, from bytes, an AsyncIterable and a ReadableStream, with and without `into`', async () => {
    for (const size of SIZES) {
      const plaintext = seededBytes(10 + size)(size);
      const file = await seal(plaintext, 20 + size);
      const { header, fileBytes } = inspectSealed(file);
      expect(header).toMatchObject({ format: 'edgepro-sealed', version: 1, name: NAME, chunkBytes: C, plaintextBytes: size });
      expect(file.length).toBe(fileBytes);
      expect(file.length).toBe(12 + headerLength(file) + size + TAG * Math.max(1, Math.ceil(size / C)));
      expect(sealedBodyBytes(size, C)).toBe(size + TAG * Math.max(1, Math.ceil(size / C)));
      const sources = [() => file, () => piecesOf(file, [5, 100, C + 7]), () => readable(file, [1, 12, 13, 2 * C])];
      for (const source of sources) {
        expect(await openSealed(source(), KEY, { name: NAME })).toEqual(plaintext);
        const into = new Uint8Array(size).fill(0xaa);
        expect(await openSealed(source(), KEY, { name: NAME, into, concurrency: 3 })).toBe(into);
        expect(into).toEqual(plaintext);
      }
    }
  });

  it('random sizes, random piece boundaries (fast-check)', async () => {
    const sources = ['bytes', 'iterable', 'readable'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...SIZES), fc.integer({ min: 0, max: 5 * C })),
        fc.constantFrom(...sources),
        fc.boolean(),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 1e6 }),
        async (size, kind, withInto, concurrency, fractions, seed) => {
          const plaintext = seededBytes(seed)(size);
          const file = await seal(plaintext, seed + 1);
          const cuts = fractions.map((f) => Math.floor(f * file.length));
          const source = kind === 'bytes' ? file : kind === 'iterable' ? piecesOf(file, cuts) : readable(file, cuts);
          const into = withInto ? new Uint8Array(size) : undefined;
          const opened = await openSealed(source, KEY, { name: NAME, into, concurrency });
          expect(opened).toEqual(plaintext);
          if (into) expect(opened).toBe(into);
        },
      ),
      { seed: 1234, numRuns: 60, examples: SIZES.map((size) => [size, 'iterable', true, 2, [0.5, 0.5, 0.01], 3]) },
    );
  });

  it('`into` may be a view into a larger buffer; `expect` takes what inspectSealed gave', async () => {
    const plaintext = seededBytes(30)(2 * C + 3);
    const file = await seal(plaintext, 31);
    const buffer = new Uint8Array(plaintext.length + 20).fill(7);
    const first = inspectSealed(file.subarray(0, 12 + headerLength(file)));
    await openSealed(readable(file, [50]), KEY, { name: NAME, into: buffer.subarray(10, 10 + plaintext.length), expect: first });
    expect(buffer.subarray(10, 10 + plaintext.length)).toEqual(plaintext);
    expect([...buffer.subarray(0, 10), ...buffer.subarray(10 + plaintext.length)].every((b) => b === 7)).toBe(true);
    const other = inspectSealed(await seal(plaintext, 32));
    expect(await codeOf(() => openSealed(file, KEY, { name: NAME, expect: other }))).toBe('ERR_MALFORMED');
  });

  it('default chunk size; each sealing draws a new salt', async () => {
    const plaintext = seededBytes(40)(1000);
    const a = await sealWeights(plaintext, KEY, { name: NAME });
    const b = await sealWeights(plaintext, KEY, { name: NAME });
    expect(inspectSealed(a).header.chunkBytes).toBe(DEFAULT_CHUNK_BYTES);
    expect(inspectSealed(a).header.salt).not.toBe(inspectSealed(b).header.salt);
    expect(await openSealed(b, KEY, { name: NAME })).toEqual(plaintext);
  });
});

describe('sealed weights under hostile bytes', () => {
  const PLAIN = 9 * 1024; // chunks of 4096, 4096, 1024

  it('every flipped byte (xor 0x01, 0x80) and every truncation: a typed error, `into` zeroed', async () => {
    const plaintext = seededBytes(50)(PLAIN);
    const file = await seal(plaintext, 51);
    const into = new Uint8Array(PLAIN);
    const codes = new Map<string, number>();
    const refuse = async (altered: Uint8Array | (() => AsyncIterable<Uint8Array>), label: string) => {
      into.fill(0xaa);
      const source = altered instanceof Uint8Array ? altered : altered();
      const code = await typedFailure(() => openSealed(source, KEY, { name: NAME, into }), label);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (!isZero(into)) throw new Error(`${label}: into was not zeroed`);
    };
    for (let i = 0; i < file.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const altered = file.slice();
        altered[i]! ^= mask;
        await refuse(altered, `byte ${i} ^ ${mask}`);
      }
    }
    expect(codes.get('ERR_DECRYPTION_FAILED')).toBeGreaterThan(2 * PLAIN);
    expect(codes.get('ERR_MALFORMED')).toBeGreaterThan(200);
    codes.clear();
    for (let length = 0; length < file.length; length++) await refuse(file.subarray(0, length), `truncated to ${length}`);
    // From a stream the length is not known up front: the reader finds the end early, after decrypting what came.
    for (let length = 0; length < file.length; length += 7) await refuse(() => piecesOf(file.subarray(0, length), [length >> 1]), `stream truncated to ${length}`);
    expect([...codes.keys()]).toEqual(['ERR_MALFORMED']);
    expect(await openSealed(file, KEY, { name: NAME, into })).toEqual(plaintext); // the original still opens
  }, 60_000);

  it('appended bytes, from bytes and from a stream (empty pieces at the end are fine)', async () => {
    const plaintext = seededBytes(52)(PLAIN);
    const file = await seal(plaintext, 53);
    const longer = Buffer.concat([file, Uint8Array.of(0)]);
    expect(await codeOf(() => openSealed(longer, KEY, { name: NAME }))).toBe('ERR_MALFORMED');
    expect(await codeOf(() => openSealed(piecesOf(longer, [100]), KEY, { name: NAME }))).toBe('ERR_MALFORMED');
    expect(await codeOf(() => openSealed(piecesOf(longer, [file.length]), KEY, { name: NAME }))).toBe('ERR_MALFORMED');
    expect(await openSealed(piecesOf(file, [file.length, file.length]), KEY, { name: NAME })).toEqual(plaintext);
  });

  it('chunks reordered, dropped, duplicated, or taken from another file: refused; `into` zeroed', async () => {
    const plaintext = seededBytes(54)(PLAIN);
    const file = await seal(plaintext, 55);
    const [c0, c1, c2] = chunksOf(file) as [Uint8Array, Uint8Array, Uint8Array];
    const sameNameOtherData = chunksOf(await seal(seededBytes(56)(PLAIN), 57));
    const sameDataSealedAgain = await seal(plaintext, 58);
    const otherName = await seal(plaintext, 59, 'other.bin');
    // [label, file, code from the whole file, code from a stream] — a stream's length is known only at its end.
    const cases: [string, Uint8Array, string, string][] = [
      ['swap 0 and 1', withChunks(file, [c1, c0, c2]), 'ERR_DECRYPTION_FAILED', 'ERR_DECRYPTION_FAILED'],
      ['chunk 0 in place of 1', withChunks(file, [c0, c0, c2]), 'ERR_DECRYPTION_FAILED', 'ERR_DECRYPTION_FAILED'],
      ['chunk 1 twice', withChunks(file, [c0, c1, c1, c2]), 'ERR_MALFORMED', 'ERR_DECRYPTION_FAILED'],
      ['middle dropped', withChunks(file, [c0, c2]), 'ERR_MALFORMED', 'ERR_MALFORMED'],
      ['last dropped', withChunks(file, [c0, c1]), 'ERR_MALFORMED', 'ERR_MALFORMED'],
      ['chunk 1 of another file, same key and name', withChunks(file, [c0, sameNameOtherData[1]!, c2]), 'ERR_DECRYPTION_FAILED', 'ERR_DECRYPTION_FAILED'],
      ['last chunk of another file, same key and name', withChunks(file, [c0, c1, sameNameOtherData[2]!]), 'ERR_DECRYPTION_FAILED', 'ERR_DECRYPTION_FAILED'],
      ['chunk 1 of the same data sealed again', withChunks(file, [c0, chunksOf(sameDataSealedAgain)[1]!, c2]), 'ERR_DECRYPTION_FAILED', 'ERR_DECRYPTION_FAILED'],
      ['header of the same data sealed again', withChunks(sameDataSealedAgain, [c0, c1, c2]), 'ERR_DECRYPTION_FAILED', 'ERR_DECRYPTION_FAILED'],
      ['chunk 0 of another name', withChunks(file, [chunksOf(otherName)[0]!, c1, c2]), 'ERR_DECRYPTION_FAILED', 'ERR_DECRYPTION_FAILED'],
    ];
    for (const [label, altered, wholeCode, streamCode] of cases) {
      for (const [source, code] of [[() => altered, wholeCode], [() => piecesOf(altered, [C, C + 1, 3 * C]), streamCode]] as const) {
        const into = new Uint8Array(PLAIN).fill(0xaa);
        expect(await typedFailure(() => openSealed(source(), KEY, { name: NAME, into }), label), label).toBe(code);
        expect(isZero(into), label).toBe(true);
      }
    }
  });

  it('renamed, re-headed, wrong key', async () => {
    const plaintext = seededBytes(60)(PLAIN);
    const file = await seal(plaintext, 61);
    // Opened as another file of the bundle: refused from the public header.
    expect(await codeOf(() => openSealed(file, KEY, { name: 'other.bin' }))).toBe('ERR_MALFORMED');
    // The header rewritten to the other name: the name is in the key and the aad.
    expect(await codeOf(() => openSealed(withHeader(file, { ...headerOf(file), name: 'other.bin' }), KEY, { name: 'other.bin' }))).toBe('ERR_DECRYPTION_FAILED');
    // The same JSON spelt differently (the aad is the bytes as stored).
    const spaced = JSON.stringify(headerOf(file), null, 1);
    expect(await codeOf(() => openSealed(withHeader(file, spaced), KEY, { name: NAME }))).toBe('ERR_DECRYPTION_FAILED');
    const into = new Uint8Array(PLAIN).fill(1);
    expect(await codeOf(() => openSealed(file, OTHER_KEY, { name: NAME, into }))).toBe('ERR_DECRYPTION_FAILED');
    expect(isZero(into)).toBe(true);
  });

  it('header fields: wrong types, ranges, unknown versions — before any decryption', async () => {
    const file = await seal(seededBytes(62)(100), 63);
    const header = headerOf(file);
    const cases: [unknown, string][] = [
      [{ ...header, version: 2 }, 'ERR_UNSUPPORTED_VERSION'],
      [{ ...header, version: '1' }, 'ERR_MALFORMED'],
      [{ ...header, version: 0 }, 'ERR_MALFORMED'],
      [{ ...header, format: 'edgepro-password' }, 'ERR_MALFORMED'],
      [{ ...header, cipher: 'AES-128-GCM' }, 'ERR_MALFORMED'],
      [{ ...header, kdf: 'HKDF-SHA512' }, 'ERR_MALFORMED'],
      [{ ...header, salt: 'ab'.repeat(16) }, 'ERR_MALFORMED'],
      [{ ...header, salt: 'AB'.repeat(32) }, 'ERR_MALFORMED'],
      [{ ...header, name: '..' }, 'ERR_MALFORMED'],
      [{ ...header, name: '' }, 'ERR_MALFORMED'],
      [{ ...header, name: 'a/b' }, 'ERR_MALFORMED'],
      [{ ...header, name: 'a'.repeat(256) }, 'ERR_MALFORMED'],
      [{ ...header, chunkBytes: 4097 }, 'ERR_MALFORMED'],
      [{ ...header, chunkBytes: 2048 }, 'ERR_MALFORMED'],
      [{ ...header, chunkBytes: 2 ** 25 }, 'ERR_MALFORMED'],
      [{ ...header, chunkBytes: '4096' }, 'ERR_MALFORMED'],
      [{ ...header, plaintextBytes: -1 }, 'ERR_MALFORMED'],
      [{ ...header, plaintextBytes: 1.5 }, 'ERR_MALFORMED'],
      [{ ...header, plaintextBytes: 2 ** 32 + 1 }, 'ERR_MALFORMED'],
      [{ ...header, extra: 1 }, 'ERR_MALFORMED'],
      [{ ...header, salt: undefined }, 'ERR_MALFORMED'],
      [[header], 'ERR_MALFORMED'],
      ['{"format":', 'ERR_MALFORMED'],
    ];
    for (const [altered, code] of cases) {
      const bytes = withHeader(file, altered);
      expect(await codeOf(() => openSealed(bytes, KEY, { name: NAME })), JSON.stringify(altered)).toBe(code);
      expect(await codeOf(() => openSealed(piecesOf(bytes), KEY, { name: NAME })), JSON.stringify(altered)).toBe(code);
      expect(() => inspectSealed(bytes), JSON.stringify(altered)).toThrow(expect.objectContaining({ code }));
    }
    // A header that parses but claims a byte more than the file holds.
    const claimsMore = withHeader(file, { ...header, plaintextBytes: 101 });
    expect(inspectSealed(claimsMore).fileBytes).toBe(claimsMore.length + 1);
    expect(await codeOf(() => openSealed(claimsMore, KEY, { name: NAME }))).toBe('ERR_MALFORMED');
    expect(await codeOf(() => openSealed(piecesOf(claimsMore), KEY, { name: NAME }))).toBe('ERR_MALFORMED');
    for (const length of [0, 1, 4097, 0xffffffff]) {
      const bytes = file.slice();
      new DataView(bytes.buffer).setUint32(8, length, false);
      expect(await codeOf(() => openSealed(piecesOf(bytes), KEY, { name: NAME })), `length ${length}`).toBe('ERR_MALFORMED');
    }
    // A 4 GiB claim from a stream: refused at the first chunk (the buffer is sized only once a chunk authenticates).
    const huge = withHeader(file, { ...header, plaintextBytes: 2 ** 32 });
    expect(await codeOf(() => openSealed(piecesOf(huge), KEY, { name: NAME }))).toBe('ERR_MALFORMED');
    expect(await codeOf(() => openSealed(piecesOf(Buffer.concat([huge, new Uint8Array(C)])), KEY, { name: NAME }))).toBe('ERR_DECRYPTION_FAILED');
  });

  it('stops reading at the first bad chunk and cancels the source', async () => {
    const file = await seal(seededBytes(64)(PLAIN), 65);
    const altered = file.slice();
    altered[12 + headerLength(file) + 5]! ^= 1; // in chunk 0
    let pulled = 0;
    let stopped = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let at = 0; at < altered.length; at += 512) {
          pulled += 512;
          yield altered.subarray(at, at + 512);
        }
      } finally {
        stopped = true;
      }
    }
    expect(await codeOf(() => openSealed(source(), KEY, { name: NAME, concurrency: 1 }))).toBe('ERR_DECRYPTION_FAILED');
    expect(pulled).toBeLessThanOrEqual(12 + headerLength(file) + C + TAG + 512);
    expect(stopped).toBe(true);
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(altered.slice(0, 1024)), cancel: () => void (cancelled = true) });
    expect(await codeOf(() => openSealed(stream, KEY, { name: NAME }))).toBe('ERR_DECRYPTION_FAILED');
    expect(cancelled).toBe(true);
  });

  it('a source that fails while read: MalformedError with the cause, `into` zeroed', async () => {
    const file = await seal(seededBytes(66)(PLAIN), 67);
    const failure = new TypeError('network went away');
    async function* source(): AsyncGenerator<Uint8Array> {
      yield file.subarray(0, 2 * C);
      throw failure;
    }
    const into = new Uint8Array(PLAIN).fill(3);
    const error = await openSealed(source(), KEY, { name: NAME, into }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MALFORMED', cause: failure });
    expect(isZero(into)).toBe(true);
  });
});

describe('sealed weights: caller misuse is an InvalidArgumentError', () => {
  it('keys, names, chunk sizes, `into`, concurrency, sources', async () => {
    const plaintext = seededBytes(70)(100);
    const file = await seal(plaintext, 71);
    const misuse: [string, () => Promise<unknown>][] = [
      ['31-byte key (seal)', () => sealWeights(plaintext, KEY.subarray(1), { name: NAME })],
      ['31-byte key (open)', () => openSealed(file, KEY.subarray(1), { name: NAME })],
      ['name ..', () => sealWeights(plaintext, KEY, { name: '..' })],
      ['name with a slash', () => sealWeights(plaintext, KEY, { name: 'a/b' })],
      ['open with an invalid name', () => openSealed(file, KEY, { name: '' })],
      ['chunkBytes 1000', () => sealWeights(plaintext, KEY, { name: NAME, chunkBytes: 1000 })],
      ['chunkBytes 2048', () => sealWeights(plaintext, KEY, { name: NAME, chunkBytes: 2048 })],
      ['chunkBytes 4097', () => sealWeights(plaintext, KEY, { name: NAME, chunkBytes: 4097 })],
      ['chunkBytes 2^25', () => sealWeights(plaintext, KEY, { name: NAME, chunkBytes: 2 ** 25 })],
      ['randomBytes too short', () => sealWeights(plaintext, KEY, { name: NAME, randomBytes: (n) => new Uint8Array(n - 1) })],
      ['concurrency 0', () => openSealed(file, KEY, { name: NAME, concurrency: 0 })],
      ['source of the wrong type', () => openSealed('bytes' as unknown as Uint8Array, KEY, { name: NAME })],
      ['a piece that is not bytes', () => openSealed((async function* () { yield 'text' as unknown as Uint8Array; })(), KEY, { name: NAME })],
      ['sealedBodyBytes(-1, 4096)', async () => sealedBodyBytes(-1, 4096)],
      ['sealedBodyBytes(1, 3000)', async () => sealedBodyBytes(1, 3000)],
    ];
    for (const [label, run] of misuse) expect(await codeOf(run), label).toBe('ERR_INVALID_ARGUMENT');
    for (const length of [99, 101]) {
      const into = new Uint8Array(length).fill(5);
      expect(await codeOf(() => openSealed(file, KEY, { name: NAME, into })), `into of ${length}`).toBe('ERR_INVALID_ARGUMENT');
      expect(isZero(into)).toBe(true);
    }
  });
});

describe('sealed weights: pinned version-1 vectors', () => {
  const v = JSON.parse(readFileSync(new URL('./stream_vectors.json', import.meta.url), 'utf8')) as {
    contentKey: string;
    cases: { name: string; chunkBytes: number; saltSeed: number; plaintext: string; sealed: string }[];
  };
  const bytes = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

  it('open with their key, and are reproduced byte for byte from the same randomness', async () => {
    expect(v.cases.length).toBeGreaterThanOrEqual(4);
    for (const c of v.cases) {
      const plaintext = bytes(c.plaintext);
      expect(inspectSealed(bytes(c.sealed)).header).toMatchObject({ name: c.name, chunkBytes: c.chunkBytes, plaintextBytes: plaintext.length });
      expect(await openSealed(bytes(c.sealed), bytes(v.contentKey), { name: c.name })).toEqual(plaintext);
      const resealed = await sealWeights(plaintext, bytes(v.contentKey), { name: c.name, chunkBytes: c.chunkBytes, randomBytes: seededBytes(c.saltSeed) });
      expect(hex(resealed)).toBe(c.sealed);
    }
  });
});

describe('sealed weights: the spec, checked independently', () => {
  const subtle = globalThis.crypto.subtle;
  const nonce = (i: number, last: boolean) => {
    const n = new Uint8Array(12);
    n[7] = (i >>> 24) & 0xff;
    n[8] = (i >>> 16) & 0xff;
    n[9] = (i >>> 8) & 0xff;
    n[10] = i & 0xff;
    n[11] = last ? 1 : 0;
    return n;
  };
  async function fileKey(name: string, saltBytes: Uint8Array): Promise<CryptoKey> {
    const salt = new Uint8Array(saltBytes);
    const info = new TextEncoder().encode(`edgepro-sealed/1 ${name}`);
    const base = await subtle.importKey('raw', new Uint8Array(KEY), 'HKDF', false, ['deriveKey', 'deriveBits']);
    const bits = new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, base, 256));
    expect(hex(bits)).toBe(hex(hkdf(sha256, KEY, salt, info, 32))); // WebCrypto's HKDF against @noble/hashes'
    const key = await subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info }, base, { name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
    expect(hex(new Uint8Array(await subtle.exportKey('raw', key)))).toBe(hex(bits));
    return key;
  }
  const gcm = async (op: 'encrypt' | 'decrypt', key: CryptoKey, iv: Uint8Array, aad: Uint8Array, data: Uint8Array) =>
    new Uint8Array(await subtle[op]({ name: 'AES-GCM', iv: new Uint8Array(iv), additionalData: new Uint8Array(aad), tagLength: 128 }, key, new Uint8Array(data)));

  it('chunk i is AES-256-GCM under the HKDF key, nonce = 11-byte counter ‖ last flag, aad = bytes 0..12+H', async () => {
    const plaintext = seededBytes(80)(2 * C + 500);
    const file = await seal(plaintext, 81);
    const H = headerLength(file);
    expect([...file.subarray(0, 8)]).toEqual([0x89, 0x45, 0x50, 0x53, 0x0d, 0x0a, 0x1a, 0x0a]);
    const aad = file.subarray(0, 12 + H);
    const header = headerOf(file);
    expect(Object.keys(header)).toEqual(['format', 'version', 'cipher', 'kdf', 'salt', 'name', 'chunkBytes', 'plaintextBytes']);
    const key = await fileKey(NAME, Buffer.from(header.salt as string, 'hex'));
    const chunks = chunksOf(file);
    expect(chunks.map((c) => c.length)).toEqual([C + TAG, C + TAG, 500 + TAG]);
    for (const [i, chunk] of chunks.entries()) {
      const last = i === chunks.length - 1;
      expect(await gcm('decrypt', key, nonce(i, last), aad, chunk)).toEqual(plaintext.subarray(i * C, (i + 1) * C));
      await expect(gcm('decrypt', key, nonce(i, !last), aad, chunk)).rejects.toThrow(); // the flag is in the nonce
      await expect(gcm('decrypt', key, nonce(i + 1, last), aad, chunk)).rejects.toThrow(); // so is the counter
    }
  });

  it('a file built by hand from the spec equals sealWeights; a final flag out of place is refused', async () => {
    const plaintext = seededBytes(82)(3 * C);
    const salt = seededBytes(83)(32);
    const json = `{"format":"edgepro-sealed","version":1,"cipher":"AES-256-GCM","kdf":"HKDF-SHA256","salt":"${hex(salt)}","name":"${NAME}","chunkBytes":${C},"plaintextBytes":${plaintext.length}}`;
    const head = Buffer.concat([Buffer.from(SEALED_MAGIC), Buffer.from([0, 0, json.length >> 8, json.length & 0xff]), Buffer.from(json)]);
    const key = await fileKey(NAME, salt);
    const build = async (flags: boolean[]) => {
      const chunks = await Promise.all(flags.map((last, i) => gcm('encrypt', key, nonce(i, last), head, plaintext.subarray(i * C, (i + 1) * C))));
      return Uint8Array.from(Buffer.concat([head, ...chunks]));
    };
    const byHand = await build([false, false, true]);
    expect(hex(await seal(plaintext, 83))).toBe(hex(byHand));
    expect(await openSealed(byHand, KEY, { name: NAME })).toEqual(plaintext);
    for (const flags of [[false, false, false], [false, true, true], [true, false, true]]) {
      expect(await codeOf(async () => openSealed(await build(flags), KEY, { name: NAME })), flags.join()).toBe('ERR_DECRYPTION_FAILED');
    }
  });
});
