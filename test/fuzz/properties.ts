/**
 * The fuzz properties, shared by the vitest suite (fixed seeds and run counts) and test/fuzz/long.ts (random seeds,
 * for as long as asked). Each property ends in a typed EdgeProError with an expected code, or a correct result;
 * altered authenticated bytes never give a result.
 */
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { deflateSync, crc32, gzipSync } from 'node:zlib';
import { CRYPTO_ERROR_CODES } from '../../src/crypto/errors.js';
import { sealPassword, openContainer } from '../../src/crypto/container.js';
import { issueLicence, openLicence } from '../../src/crypto/licence.js';
import { generateDeviceKeyPair, generateVendorKeyPair } from '../../src/crypto/keys.js';
import { sealWeights, openSealed } from '../../src/crypto/stream.js';
import { encodePassword } from '../../src/lock/password.js';
import { openBundle } from '../../src/bundle/open.js';
import { Bundle } from '../../src/bundle/source.js';
import { parseIdx, parseIdxAsync } from '../../src/data/idx.js';
import { parseCsv, parseCsvFeatures } from '../../src/data/csv.js';
import { imageToSample } from '../../src/data/image.js';
import { pngFromBytes } from '../../src/data/files.js';
import { validateDataset } from '../../src/data/types.js';
import { CHEAP_KDF, MLP_PASSWORD, protectedMlp } from '../runtime/fixtures.js';
import { headerChangeArb, mutationArb, rewriteHeader, sameBytes, typedOrResult } from './mutate.js';

/** A property over whatever its arbitraries generate (fast-check's types are invariant in it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAsyncProperty = fc.IAsyncProperty<any>;

export interface FuzzProperty {
  name: string;
  /** Runs in the vitest suite. */
  runs: number;
  build(): Promise<AnyAsyncProperty>;
}

const CRYPTO = CRYPTO_ERROR_CODES as readonly string[];
const FINGERPRINT = 'ab'.repeat(32);
/** Keeps a rewritten KDF header from asking for more than 2 MiB of scrypt (the cheap one needs 1 MiB). */
const KDF_LIMITS = { maxScryptMemory: 2 ** 21 };

function fail(message: string): never {
  throw new Error(message);
}

/** Outcome of opening `mutated`: the correct result iff the bytes are the original ones, else a typed error. */
async function authenticated<T>(original: Uint8Array, mutated: Uint8Array, open: () => Promise<T>, expected: (value: T) => boolean): Promise<void> {
  const outcome = await typedOrResult(open, CRYPTO);
  const unchanged = sameBytes(original, mutated);
  if (outcome.ok && !unchanged) fail('altered authenticated bytes gave a result');
  if (outcome.ok && !expected(outcome.value)) fail('unaltered bytes gave a wrong result');
  if (!outcome.ok && unchanged) fail(`unaltered bytes were refused (${outcome.code})`);
}

// --- crypto: container, licences, sealed stream ---

type Opened = { original: Uint8Array; open: (bytes: Uint8Array) => Promise<unknown>; expected: (value: unknown) => boolean };

async function containerFixture(): Promise<Opened> {
  const { container, contentKey } = await sealPassword(MLP_PASSWORD, { modelFingerprint: FINGERPRINT, expiresAt: Date.now() + 3_600_000 });
  const want = encodePassword(MLP_PASSWORD);
  return {
    original: container,
    open: (bytes) => openContainer(bytes, contentKey, { modelFingerprint: FINGERPRINT }),
    expected: (p) => sameBytes(encodePassword(p as never), want),
  };
}

async function licenceFixtures(): Promise<Opened[]> {
  const contentKey = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const device = await generateDeviceKeyPair();
  const vendor = await generateVendorKeyPair();
  const isKey = (k: unknown) => k instanceof Uint8Array && sameBytes(k, contentKey);
  const passphrase = await issueLicence(contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT, expiresAt: Date.now() + 3_600_000 });
  const signedDevice = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: FINGERPRINT, vendorPrivateKey: vendor.privateKey });
  const signedPassphrase = await issueLicence(contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: FINGERPRINT, vendorPrivateKey: vendor.privateKey });
  return [
    { original: passphrase, open: (b) => openLicence(b, { passphrase: 'pw' }, { modelFingerprint: FINGERPRINT, kdfLimits: KDF_LIMITS }), expected: isKey },
    { original: signedDevice, open: (b) => openLicence(b, { devicePrivateKey: device.privateKey }, { modelFingerprint: FINGERPRINT, vendorPublicKey: vendor.publicKey }), expected: isKey },
    // Signed, opened without a vendor key: the signature named in the header is still checked.
    { original: signedPassphrase, open: (b) => openLicence(b, { passphrase: 'pw' }, { modelFingerprint: FINGERPRINT, kdfLimits: KDF_LIMITS }), expected: isKey },
  ];
}

async function sealedFixtures(): Promise<Opened[]> {
  const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const out: Opened[] = [];
  for (const length of [0, 4096, 10_000]) {
    const plain = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
    const sealed = await sealWeights(plain, key, { name: 'weights.sealed', chunkBytes: 4096 });
    out.push({ original: sealed, open: (b) => openSealed(b, key, { name: 'weights.sealed' }), expected: (v) => v instanceof Uint8Array && sameBytes(v, plain) });
  }
  return out;
}

/** The same bytes as a stream of pieces of the given sizes (cycled). */
async function* piecesOf(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield bytes.slice(at, at + n);
    at += n;
  }
}

function mutationProperty(name: string, runs: number, fixtures: () => Promise<Opened[]>): FuzzProperty {
  return {
    name: `${name}: random multi-byte edits and splices give a typed error, never a result`,
    runs,
    async build() {
      const fx = await fixtures();
      return fc.asyncProperty(fc.nat(), mutationArb, async (pick, mutate) => {
        const f = fx[pick % fx.length]!;
        const mutated = mutate(f.original);
        await authenticated(f.original, mutated, () => f.open(mutated), f.expected);
      });
    },
  };
}

function headerProperty(name: string, runs: number, fixtures: () => Promise<Opened[]>): FuzzProperty {
  return {
    name: `${name}: header JSON re-serialised with a field changed to arbitrary JSON gives a typed error`,
    runs,
    async build() {
      const fx = await fixtures();
      return fc.asyncProperty(fc.nat(), headerChangeArb, async (pick, change) => {
        const f = fx[pick % fx.length]!;
        const mutated = rewriteHeader(f.original, change);
        await authenticated(f.original, mutated, () => f.open(mutated), f.expected);
      });
    },
  };
}

function randomBytesProperty(name: string, runs: number, fixtures: () => Promise<Opened[]>): FuzzProperty {
  return {
    name: `${name}: random bytes behind the right magic give a typed error`,
    runs,
    async build() {
      const fx = await fixtures();
      return fc.asyncProperty(fc.nat(), fc.uint8Array({ maxLength: 600 }), fc.option(fc.integer({ min: 0, max: 700 })), async (pick, tail, length) => {
        const f = fx[pick % fx.length]!;
        const bytes = new Uint8Array(12 + tail.length);
        bytes.set(f.original.subarray(0, 8));
        if (length !== null) new DataView(bytes.buffer).setUint32(8, length, false);
        else bytes.set(tail.subarray(0, 4), 8);
        bytes.set(tail, 12);
        await authenticated(f.original, bytes, () => f.open(bytes), f.expected);
      });
    },
  };
}

const containerOnly = async () => [await containerFixture()];

export const cryptoProperties: FuzzProperty[] = [
  mutationProperty('password container', 3200, containerOnly),
  headerProperty('password container', 3200, containerOnly),
  randomBytesProperty('password container', 1600, containerOnly),
  mutationProperty('licence', 2000, licenceFixtures),
  headerProperty('licence', 2000, licenceFixtures),
  randomBytesProperty('licence', 1200, licenceFixtures),
  mutationProperty('sealed weights', 3200, sealedFixtures),
  headerProperty('sealed weights', 3200, sealedFixtures),
  randomBytesProperty('sealed weights', 1600, sealedFixtures),
  {
    name: 'sealed weights streamed in pieces of any size: an altered file never gives a result',
    runs: 2000,
    async build() {
      const fx = await sealedFixtures();
      return fc.asyncProperty(fc.nat(), mutationArb, fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 6 }), async (pick, mutate, sizes) => {
        const f = fx[pick % fx.length]!;
        const mutated = mutate(f.original);
        // open() takes a Uint8Array; a stream of its pieces goes through the same function via a cast.
        await authenticated(f.original, mutated, () => f.open(piecesOf(mutated, sizes) as never), f.expected);
      });
    },
  },
];

// --- bundle: model.json and its manifest ---

const BUNDLE_CODES = ['ERR_MODEL_FORMAT', ...CRYPTO];

const dimArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, 2 ** 31, 2 ** 53, 1e300, Number.NaN, -0) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const specArb = fc.record(
  {
    name: fc.oneof(fc.constantFrom('dense/kernel', 'dense/bias', ''), fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })),
    shape: fc.oneof({ weight: 6, arbitrary: fc.array(dimArb, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: fc.array(fc.constant(1), { minLength: 9, maxLength: 12 }) }),
    dtype: fc.oneof(fc.constantFrom('float32', 'int32', 'bool', 'complex64', 'string', 'float16', 'uint8'), fc.jsonValue({ maxDepth: 1 })),
    quantization: fc.oneof(fc.record({ dtype: fc.constantFrom('uint8', 'uint16', 'float16', 'int4') }), fc.jsonValue({ maxDepth: 2 })),
  },
  { requiredKeys: [] },
);
const pathArb = fc.oneof(fc.constantFrom('w.bin', 'x.bin', 'weights.sealed', '../w.bin', 'a/b', '', '.', '..', 'model.json'), fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }));
const groupArb = fc.oneof(
  { weight: 8, arbitrary: fc.record({ paths: fc.array(pathArb, { maxLength: 3 }), weights: fc.array(fc.oneof({ weight: 8, arbitrary: specArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
const docArb = fc.record(
  {
    format: fc.oneof(fc.constantFrom('layers-model', 'graph-model', undefined), fc.jsonValue({ maxDepth: 1 })),
    modelTopology: fc.oneof({ weight: 6, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.constant({ node: [] }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
    weightsManifest: fc.oneof({ weight: 8, arbitrary: fc.array(groupArb, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
    userDefinedMetadata: fc.oneof(
      fc.constant(undefined),
      fc.record({ edgepro: fc.record({ bundle: fc.record({ version: fc.constantFrom(1, 2), sealed: fc.array(pathArb, { maxLength: 2 }) }, { requiredKeys: [] }) }) }),
      fc.jsonValue({ maxDepth: 3 }),
    ),
  },
  { requiredKeys: ['modelTopology'] },
);

/** Opens the bundle and, if that works, takes its weights; checks sizes add up on success. */
async function openAndTake(bundle: Bundle, contentKey: Uint8Array | undefined): Promise<void> {
  const outcome = await typedOrResult(() => openBundle(bundle), BUNDLE_CODES);
  if (!outcome.ok) return;
  const opened = outcome.value;
  let sum = 0;
  for (const spec of opened.weightSpecs) {
    const per = spec.quantization ? { uint8: 1, uint16: 2, float16: 2 }[spec.quantization.dtype] : { float32: 4, int32: 4, bool: 1, complex64: 8 }[spec.dtype ?? 'float32'];
    if (per === undefined || !Array.isArray(spec.shape)) fail(`accepted spec ${JSON.stringify(spec)}`);
    sum += spec.shape.reduce((a, b) => a * b, 1) * per;
  }
  if (sum !== opened.weightBytes) fail(`weightBytes ${opened.weightBytes} but the specs need ${sum}`);
  if (opened.sealed.length > 0 && contentKey === undefined) {
    await typedOrResult(() => opened.weights(globalThis.crypto.getRandomValues(new Uint8Array(32))), [...BUNDLE_CODES, 'ERR_INVALID_ARGUMENT']).then((o) => {
      if (o.ok) fail('sealed weights opened under a random key');
    });
    return;
  }
  const taken = await typedOrResult(() => opened.weights(contentKey), BUNDLE_CODES);
  if (taken.ok && taken.value.byteLength !== opened.weightBytes) fail(`weights buffer of ${taken.value.byteLength} bytes for ${opened.weightBytes}`);
}

export const bundleProperties: FuzzProperty[] = [
  {
    name: 'openBundle: arbitrary model.json structures (manifest, shapes, dtypes, paths, sizes) give ERR_MODEL_FORMAT or consistent sizes',
    runs: 6000,
    async build() {
      return fc.asyncProperty(docArb, fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), async (doc, w, x) => {
        const bundle = Bundle.fromFiles({ 'model.json': JSON.stringify(doc), 'w.bin': w, 'x.bin': x, 'weights.sealed': w });
        await openAndTake(bundle, undefined);
      });
    },
  },
  {
    name: 'openBundle: a real model.json with its bytes mutated, or a manifest field rewritten, gives a typed error or consistent sizes',
    runs: 4000,
    async build() {
      const made = [await protectedMlp(1, 'all', { chunkBytes: 4096 }), await protectedMlp(1, 'none')];
      return fc.asyncProperty(fc.nat(), fc.oneof(mutationArb, fc.constant(undefined)), headerLikeChangeArb, async (pick, mutate, change) => {
        const m = made[pick % made.length]!;
        const json = m.bundle.get('model.json')!;
        const altered = mutate !== undefined ? mutate(json) : changeManifest(json, change);
        await openAndTake(m.bundle.with('model.json', altered), m.contentKey);
      });
    },
  },
  {
    name: 'openBundle + weights: a mutated weights.sealed never gives weights',
    runs: 3200,
    async build() {
      const m = await protectedMlp(1, 'all', { chunkBytes: 4096 });
      const sealed = m.bundle.get('weights.sealed')!;
      return fc.asyncProperty(mutationArb, async (mutate) => {
        const altered = mutate(sealed);
        const outcome = await typedOrResult(async () => (await openBundle(m.bundle.with('weights.sealed', altered))).weights(m.contentKey), BUNDLE_CODES);
        if (outcome.ok !== sameBytes(altered, sealed)) fail(outcome.ok ? 'altered sealed weights opened' : `intact sealed weights refused (${outcome.code})`);
      });
    },
  },
];

const headerLikeChangeArb = fc.record({ pick: fc.nat(), value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), dimArb, fc.array(dimArb, { maxLength: 4 })) });

/** model.json with one value inside weightsManifest (a path, a shape, a dim, a dtype…) replaced. */
function changeManifest(json: Uint8Array, change: { pick: number; value: unknown }): Uint8Array {
  const doc = JSON.parse(new TextDecoder().decode(json)) as Record<string, unknown>;
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((c, i) => (slots.push({ parent: v, key: i }), walk(c)));
    else if (typeof v === 'object' && v !== null) for (const [k, c] of Object.entries(v)) slots.push({ parent: v as Record<string, unknown>, key: k }), walk(c);
  };
  slots.push({ parent: doc, key: 'weightsManifest' });
  walk(doc.weightsManifest);
  const slot = slots[change.pick % slots.length]!;
  (slot.parent as Record<string | number, unknown>)[slot.key] = change.value;
  return new TextEncoder().encode(JSON.stringify(doc));
}

// --- data: IDX, CSV, PNG, pixels ---

const DATA = ['ERR_DATA_FORMAT'];

function idxFile(dtype: number, dims: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  out.set([0, 0, dtype, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d >>> 0, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}
const DTYPE_BYTES: Record<number, number> = { 8: 1, 9: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };
const VALID_IDX = idxFile(0x08, [3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20));

function checkIdx(bytes: Uint8Array): Promise<void> {
  return typedOrResult(() => parseIdx(bytes, 'fuzz.idx'), DATA).then((o) => {
    if (!o.ok) return;
    const count = o.value.dims.reduce((a, b) => a * b, 1);
    if (o.value.data.length !== count) fail(`dims [${o.value.dims}] but ${o.value.data.length} values`);
    const body = bytes.length - 4 - 4 * o.value.dims.length;
    if (body !== count * DTYPE_BYTES[bytes[2]!]!) fail('accepted an IDX file whose size does not match its dimensions');
  });
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}
export function pngWithHeader(width: number, height: number, bitDepth: number, colorType: number, interlace: number, idat: Uint8Array): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width >>> 0, 0);
  ihdr.writeUInt32BE(height >>> 0, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  ihdr[12] = interlace;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]));
}
function validPng(): Uint8Array {
  const png = new PNG({ width: 5, height: 7 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) & 0xff;
  return new Uint8Array(PNG.sync.write(png));
}
/** Declared pixels of a PNG's IHDR (0 when the bytes are too short). */
function declaredPixels(bytes: Uint8Array): number {
  if (bytes.length < 24) return 0;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return v.getUint32(16, false) * v.getUint32(20, false);
}
/** Bounds the fuzzing away from the decompression-bomb case, which test/fuzz/caps.test.ts covers on its own. */
const MAX_FUZZ_PIXELS = 1 << 20;

function checkPng(bytes: Uint8Array): Promise<void> {
  return typedOrResult(() => pngFromBytes(bytes, 'fuzz.png'), DATA).then((o) => {
    if (o.ok && o.value.data.length !== o.value.width * o.value.height * 4) fail(`${o.value.width}x${o.value.height} image with ${o.value.data.length} bytes`);
  });
}

const csvText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.array(fc.array(fc.oneof(fc.constantFrom('y', 'a', '', '"', '""', '"a,b"', '1', '-2.5', '1e3', 'NaN', 'Infinity', '0x10', ' 3 ', '\r'), fc.double().map(String), fc.string({ maxLength: 4 })), { maxLength: 5 }).map((r) => r.join(',')), { maxLength: 8 }).map((rows) => rows.join('\n')),
  fc.array(fc.tuple(fc.double({ noNaN: true }), fc.integer({ min: -1, max: 4 })), { maxLength: 8 }).map((rows) => ['a,y', ...rows.map(([a, y]) => `${a},${y}`)].join('\n')),
);

export const dataProperties: FuzzProperty[] = [
  {
    name: 'parseIdx: random bytes give ERR_DATA_FORMAT or a result whose size matches its dimensions',
    runs: 12000,
    async build() {
      return fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 60 }).map((b) => Uint8Array.of(0, 0, 8, 1, ...b))), checkIdx);
    },
  },
  {
    name: 'parseIdx: lying headers (any dtype byte, 0–6 dims of any uint32, body of any length) are refused or consistent',
    runs: 12000,
    async build() {
      const dim = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(2 ** 32 - 1, 2 ** 31, 65536, 60000), fc.nat());
      return fc.asyncProperty(fc.integer({ min: 0, max: 255 }), fc.array(dim, { maxLength: 6 }), fc.uint8Array({ maxLength: 300 }), (dtype, dims, body) => checkIdx(idxFile(dtype, dims, body)));
    },
  },
  {
    name: 'parseIdx / parseIdxAsync: mutated valid files, raw and gzipped, are refused or consistent',
    runs: 4000,
    async build() {
      const gz = new Uint8Array(gzipSync(VALID_IDX));
      return fc.asyncProperty(mutationArb, fc.boolean(), async (mutate, zipped) => {
        if (!zipped) return checkIdx(mutate(VALID_IDX));
        const o = await typedOrResult(() => parseIdxAsync(mutate(gz), 'fuzz.idx.gz'), DATA);
        if (o.ok && o.value.data.length !== o.value.dims.reduce((a, b) => a * b, 1)) fail('inconsistent gunzipped IDX');
      });
    },
  },
  {
    name: 'parseCsv / parseCsvFeatures: arbitrary text gives ERR_DATA_FORMAT or a dataset that validates',
    runs: 8000,
    async build() {
      return fc.asyncProperty(csvText, fc.constantFrom(',', ';', '\t'), async (text, delimiter) => {
        const o = await typedOrResult(() => parseCsv(text, { label: 'y', source: 'fuzz.csv', delimiter }), DATA);
        if (o.ok) {
          validateDataset(o.value);
          if (!o.value.x.every(Number.isFinite)) fail('non-finite feature accepted');
        }
        const f = await typedOrResult(() => parseCsvFeatures(text, { source: 'fuzz.csv', delimiter }), DATA);
        if (f.ok && f.value.x.length !== f.value.rows * f.value.featureNames.length) fail('features of the wrong length');
      });
    },
  },
  {
    name: 'pngFromBytes: random bytes and mutated valid PNGs give ERR_DATA_FORMAT or consistent pixels',
    runs: 8000,
    async build() {
      const valid = validPng();
      const sig = valid.subarray(0, 8);
      return fc.asyncProperty(
        fc.oneof(mutationArb.map((m) => m(valid)), fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }).map((b) => Uint8Array.of(...sig, ...b))),
        async (bytes) => {
          fc.pre(declaredPixels(bytes) <= MAX_FUZZ_PIXELS);
          await checkPng(bytes);
        },
      );
    },
  },
  {
    name: 'pngFromBytes: lying IHDR (size, depth, colour type, interlace) with valid CRCs gives ERR_DATA_FORMAT or consistent pixels',
    runs: 1200,
    async build() {
      return fc.asyncProperty(
        fc.integer({ min: 0, max: 1024 }),
        fc.integer({ min: 0, max: 1024 }),
        fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 16, 32),
        fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7),
        fc.constantFrom(0, 1, 2),
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 5000 }).map((n) => new Uint8Array(deflateSync(Buffer.alloc(n, 1))))),
        async (w, h, depth, colour, interlace, idat) => {
          fc.pre(w * h <= MAX_FUZZ_PIXELS);
          await checkPng(pngWithHeader(w, h, depth, colour, interlace, idat));
        },
      );
    },
  },
  {
    name: 'imageToSample: arbitrary RGBA images and sample shapes give ERR_INPUT_SHAPE or finite values of the model shape',
    runs: 3200,
    async build() {
      return fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: -8, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 4 }),
        fc.constantFrom<'auto' | boolean>('auto', true, false),
        fc.boolean(),
        async (w, h, extra, shape, invert, resize) => {
          const length = Math.max(0, w * h * 4 + extra);
          const data = Uint8Array.from({ length }, (_, i) => (i * 13) & 0xff);
          const o = await typedOrResult(() => imageToSample({ width: w, height: h, data, source: 'fuzz.png' }, shape, { invert, resize }), ['ERR_INPUT_SHAPE']);
          if (!o.ok) return;
          const want = shape.reduce((a, b) => a * b, 1);
          if (o.value.values.length !== want) fail(`${o.value.values.length} values for shape [${shape}]`);
          if (!o.value.values.every(Number.isFinite)) fail(`non-finite values for ${w}x${h} → [${shape}]`);
        },
      );
    },
  },
];

export const allProperties = { crypto: cryptoProperties, bundle: bundleProperties, data: dataProperties };
