/**
 * Sealed ONNX models in Node: sealed with the owner's verb, loaded with `loadProtectedOnnx` into onnxruntime-node and
 * into onnxruntime-web (its wasm backend runs in Node), outputs equal to the original model's under the same
 * runtime; every failure a typed error with its code; hostile external-data names refused before anything is read.
 */
import { describe, expect, it, vi } from 'vitest';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import fc from 'fast-check';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { loadProtectedOnnx, type OnnxRuntimeLike, type OnnxSessionLike } from '../../src/onnx.js';
import { sealOnnxModel } from '../../src/owner/protect.js';
import { onnxFileReader, directorySource, writeBundle } from '../../src/bundle/directory.js';
import { openOnnxBundle, checkOnnxDocument } from '../../src/bundle/onnx.js';
import { openBundle } from '../../src/bundle/open.js';
import { checkOwnerKey } from '../../src/owner/open.js';
import { rekeyBundle } from '../../src/owner/rekey.js';
import { Bundle } from '../../src/bundle/source.js';
import { generateDeviceKeyPair, generateVendorKeyPair, issueLicence } from '../../src/crypto/index.js';
import { EdgeProError } from '../../src/util/errors.js';
import { FIXTURE_DIR, FIXTURE_MODELS, fixtureFiles, INPUTS, CLASSES } from './make_fixtures.js';
import { onnxProto } from './proto.js';

const CHEAP_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const SAMPLES = 5;
const X = Float32Array.from({ length: SAMPLES * INPUTS }, (_, i) => Math.sin(i * 0.37) * 2);

type Ort = typeof ortNode | typeof ortWeb;
const RUNTIMES: [string, Ort][] = [
  ['onnxruntime-node', ortNode],
  ['onnxruntime-web (wasm, in Node)', ortWeb],
];

async function fixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join(FIXTURE_DIR, name)));
}

async function sealFixture(name: string) {
  return sealOnnxModel(await fixture(name), { readExternal: onnxFileReader(join(FIXTURE_DIR, name)), name, chunkBytes: 4096 });
}

function fixtureModel(name: string) {
  return FIXTURE_MODELS.find((m) => m.name === name)!;
}

/** The original model's outputs, from its files (external data passed as onnxruntime-web needs it). */
async function originalOutputs(ort: Ort, name: string): Promise<Float32Array> {
  const m = fixtureModel(name);
  const externalData = await Promise.all(m.externalData.map(async (path) => ({ path, data: await fixture(path) })));
  const session = await ort.InferenceSession.create(await fixture(name), { externalData });
  const out = await session.run({ x: new ort.Tensor('float32', X, m.dims(SAMPLES)) });
  await session.release();
  return out.probs!.data as Float32Array;
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof EdgeProError)) throw error;
    return error.code;
  }
  throw new Error('expected a typed error');
}

function asRuntime(ort: Ort): OnnxRuntimeLike<OnnxSessionLike> {
  return ort as unknown as OnnxRuntimeLike<OnnxSessionLike>;
}

/** An ONNX model whose tensor `w` keeps its data at `location` (protobufjs over onnx.proto's own fields). */
function modelWithLocation(location: string, extra: Record<string, string> = {}): Uint8Array {
  const ModelProto = onnxProto().lookupType('onnx.ModelProto');
  return ModelProto.encode(
    ModelProto.fromObject({
      irVersion: 8,
      opsetImport: [{ version: 17 }],
      graph: {
        name: 'g',
        node: [{ opType: 'Identity', input: ['w'], output: ['y'] }],
        initializer: [
          {
            name: 'w',
            dims: [4],
            dataType: 1,
            dataLocation: 1,
            externalData: [{ key: 'location', value: location }, ...Object.entries(extra).map(([key, value]) => ({ key, value }))],
          },
        ],
        output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
      },
    }),
  ).finish();
}

describe('fixtures', () => {
  it('are what make_fixtures.ts writes', async () => {
    for (const [name, bytes] of Object.entries(fixtureFiles())) expect(await fixture(name), name).toEqual(new Uint8Array(bytes));
    // Under the 200 KB the repository allows a fixture.
    for (const name of Object.keys(fixtureFiles())) expect((await fixture(name)).byteLength).toBeLessThan(200_000);
  });
});

describe.each(RUNTIMES)('a sealed ONNX model in %s', (_label, ort) => {
  it('gives the original outputs, inline weights and external data alike', async () => {
    // The two MLPs are one function: the external data really loaded.
    expect(Array.from(await originalOutputs(ort, 'mlp_external.onnx'))).toEqual(Array.from(await originalOutputs(ort, 'mlp.onnx')));
    for (const { name, dims } of FIXTURE_MODELS) {
      const expected = await originalOutputs(ort, name);
      expect(expected.length).toBe(SAMPLES * CLASSES);
      const sealed = await sealFixture(name);
      const model = await loadProtectedOnnx(sealed.bundle, { contentKey: sealed.contentKey }, { ort: asRuntime(ort) });
      const out = (await model.run({ x: new ort.Tensor('float32', X, dims(SAMPLES)) } as never)) as { probs: { data: Float32Array } };
      expect(Array.from(out.probs.data), name).toEqual(Array.from(expected));
      expect(model.timings.total).toBeGreaterThan(0);
      await model.release();
    }
  });

  it('opens with a signed licence (passphrase or device key), from a directory', async () => {
    const sealed = await sealFixture('mlp_external.onnx');
    const dir = await mkdtemp(join(tmpdir(), 'edgepro-onnx-'));
    await writeBundle(sealed.bundle, dir);
    const vendor = await generateVendorKeyPair();
    const device = await generateDeviceKeyPair();
    const byPass = await issueLicence(sealed.contentKey, { passphrase: 'correct horse', kdf: CHEAP_KDF }, { modelFingerprint: sealed.fingerprint, vendorPrivateKey: vendor.privateKey, expiresAt: Date.now() + 3_600_000 });
    const byDevice = await issueLicence(sealed.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: sealed.fingerprint, vendorPrivateKey: vendor.privateKey });
    const expected = Array.from(await originalOutputs(ort, 'mlp_external.onnx'));
    for (const credentials of [
      { licence: byPass, passphrase: 'correct horse', vendorKey: vendor.publicKey },
      { licence: byDevice, deviceKey: device.privateKey, vendorKey: vendor.publicKey },
    ]) {
      const model = await loadProtectedOnnx(directorySource(dir), credentials, { ort: asRuntime(ort) });
      const out = (await model.run({ x: new ort.Tensor('float32', X, [SAMPLES, INPUTS]) } as never)) as { probs: { data: Float32Array } };
      expect(Array.from(out.probs.data)).toEqual(expected);
      await model.release();
    }
    const timed = await loadProtectedOnnx(directorySource(dir), { licence: byPass, passphrase: 'correct horse', vendorKey: vendor.publicKey }, { ort: asRuntime(ort) });
    expect(timed.expiresAt).toBeGreaterThan(Date.now());
    await timed.release();
  });
});

describe('refusals at load (typed, with codes)', () => {
  const ort = asRuntime(ortNode);

  it('without credentials, with a bare password, with the wrong key', async () => {
    const sealed = await sealFixture('mlp_external.onnx');
    expect(await code(loadProtectedOnnx(sealed.bundle, undefined, { ort }))).toBe('ERR_SEALED');
    expect(await code(loadProtectedOnnx(sealed.bundle, { password: new Uint8Array(8) }, { ort }))).toBe('ERR_SEALED');
    expect(await code(loadProtectedOnnx(sealed.bundle, { contentKey: new Uint8Array(32).fill(7) }, { ort }))).toBe('ERR_DECRYPTION_FAILED');
    expect(await code(loadProtectedOnnx(sealed.bundle, { contentKey: new Uint8Array(31) }, { ort }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await code(loadProtectedOnnx(sealed.bundle, { contentKey: sealed.contentKey }, { ort: {} as never }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('a tampered or truncated sealed file, or a file in another file\'s place', async () => {
    const sealed = await sealFixture('mlp_external.onnx');
    const key = { contentKey: sealed.contentKey };
    for (const file of ['model.onnx.sealed', 'external-0.sealed', 'external-1.sealed']) {
      const bytes = sealed.bundle.get(file)!;
      // A byte of the body flipped: the chunk no longer authenticates.
      const flipped = bytes.slice();
      flipped[flipped.length - 20]! ^= 1;
      expect(await code(loadProtectedOnnx(sealed.bundle.with(file, flipped), key, { ort })), file).toBe('ERR_DECRYPTION_FAILED');
      // A byte of the header flipped (inside the salt's hex): authenticated too.
      const header = bytes.slice();
      header[60] = header[60] === 0x30 ? 0x31 : 0x30;
      expect(['ERR_DECRYPTION_FAILED', 'ERR_MALFORMED']).toContain(await code(loadProtectedOnnx(sealed.bundle.with(file, header), key, { ort })));
      // Truncated, or missing.
      expect(await code(loadProtectedOnnx(sealed.bundle.with(file, bytes.subarray(0, bytes.length - 1)), key, { ort }))).toBe('ERR_MALFORMED');
      expect(await code(loadProtectedOnnx(sealed.bundle.with(file, bytes.subarray(0, 30)), key, { ort }))).toBe('ERR_MALFORMED');
      expect(await code(loadProtectedOnnx(sealed.bundle.with(file, undefined), key, { ort }))).toBe('ERR_MODEL_FORMAT');
    }
    // external-0 put in external-1's place: its header names another file.
    const swapped = sealed.bundle.with('external-1.sealed', sealed.bundle.get('external-0.sealed'));
    expect(await code(loadProtectedOnnx(swapped, key, { ort }))).toBe('ERR_MODEL_FORMAT');
  });

  it('a licence of another bundle, or for an altered model.json', async () => {
    const a = await sealFixture('mlp_external.onnx');
    const b = await sealFixture('mlp_external.onnx');
    const licence = await issueLicence(b.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: b.fingerprint });
    expect(await code(loadProtectedOnnx(a.bundle, { licence, passphrase: 'pw', allowUnsigned: true }, { ort }))).toBe('ERR_MODEL_MISMATCH');
    const own = await issueLicence(a.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: a.fingerprint });
    const doc = JSON.parse(new TextDecoder().decode(a.bundle.get('model.json'))) as { externalData: { location: string }[] };
    doc.externalData.reverse();
    const altered = a.bundle.with('model.json', new TextEncoder().encode(JSON.stringify(doc)));
    expect(await code(loadProtectedOnnx(altered, { licence: own, passphrase: 'pw', allowUnsigned: true }, { ort }))).toBe('ERR_MODEL_MISMATCH');
    expect(await code(loadProtectedOnnx(a.bundle, { licence: own, passphrase: 'wrong', allowUnsigned: true }, { ort }))).toBe('ERR_DECRYPTION_FAILED');
    expect(await code(loadProtectedOnnx(a.bundle, { licence: own, passphrase: 'pw' }, { ort }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('an expired licence, at load and at run', async () => {
    const sealed = await sealFixture('mlp.onnx');
    const issuedAt = Date.now() - 10_000;
    const licence = await issueLicence(sealed.contentKey, { passphrase: 'pw', kdf: CHEAP_KDF }, { modelFingerprint: sealed.fingerprint, issuedAt, expiresAt: issuedAt + 5_000 });
    expect(await code(loadProtectedOnnx(sealed.bundle, { licence, passphrase: 'pw', allowUnsigned: true }, { ort }))).toBe('ERR_EXPIRED');
    let t = issuedAt + 1_000;
    const model = await loadProtectedOnnx(sealed.bundle, { licence, passphrase: 'pw', allowUnsigned: true }, { ort, clock: { now: () => t } });
    await model.run({ x: new ortNode.Tensor('float32', X, [SAMPLES, INPUTS]) } as never);
    t = issuedAt + 6_000;
    expect(await code(model.run({ x: new ortNode.Tensor('float32', X, [SAMPLES, INPUTS]) } as never))).toBe('ERR_EXPIRED');
    await model.release();
  });

  it('model.json as untrusted input', async () => {
    const sealed = await sealFixture('mlp_external.onnx');
    const doc = JSON.parse(new TextDecoder().decode(sealed.bundle.get('model.json'))) as Record<string, unknown>;
    const variants: unknown[] = [
      { ...doc, version: 2 },
      { ...doc, extra: 1 },
      { ...doc, keyId: 'x' },
      { ...doc, model: { file: '../model.onnx.sealed', bytes: 803 } },
      { ...doc, model: { file: 'model.json', bytes: 803 } },
      { ...doc, model: { file: 'model.onnx.sealed', bytes: -1 } },
      { ...doc, externalData: [{ location: '../x', file: 'external-0.sealed', bytes: 1 }] },
      { ...doc, externalData: [{ location: 'a', file: 'model.onnx.sealed', bytes: 1 }] },
      { ...doc, externalData: 'nope' },
    ];
    for (const variant of variants) {
      const bundle = sealed.bundle.with('model.json', new TextEncoder().encode(JSON.stringify(variant)));
      expect(await code(loadProtectedOnnx(bundle, { contentKey: sealed.contentKey }, { ort })), JSON.stringify(variant).slice(0, 80)).toBe('ERR_MODEL_FORMAT');
    }
    expect(() => checkOnnxDocument(doc, 'model.json', { maxBytes: 1000 })).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT' }));
    // The TF.js reader sends an ONNX bundle to the ONNX loader.
    await expect(openBundle(sealed.bundle)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT', message: expect.stringContaining('edgepro/onnx') });
  });

  it('model.json with arbitrary JSON in any field: ERR_MODEL_FORMAT, nothing else', async () => {
    const sealed = await sealFixture('mlp_external.onnx');
    const doc = JSON.parse(new TextDecoder().decode(sealed.bundle.get('model.json'))) as Record<string, unknown>;
    const paths = [['format'], ['version'], ['keyId'], ['model'], ['model', 'file'], ['model', 'bytes'], ['externalData'], ['externalData', 0], ['externalData', 1, 'location'], ['externalData', 0, 'file'], ['externalData', 1, 'bytes']];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.jsonValue(), async (path, value) => {
        const copy = structuredClone(doc) as Record<string | number, unknown>;
        let at = copy;
        for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
        at[path.at(-1)!] = value;
        const bundle = sealed.bundle.with('model.json', new TextEncoder().encode(JSON.stringify(copy)));
        try {
          const opened = await openOnnxBundle(bundle);
          await opened.close();
        } catch (error) {
          expect(error).toBeInstanceOf(EdgeProError);
          expect(['ERR_MODEL_FORMAT', 'ERR_MALFORMED']).toContain((error as EdgeProError).code);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a sealed model that names external data model.json does not list', async () => {
    // Sealed under the right key, but model.json lists other files: refused once decrypted.
    const sealed = await sealFixture('mlp_external.onnx');
    const doc = JSON.parse(new TextDecoder().decode(sealed.bundle.get('model.json'))) as { externalData: { location: string }[] };
    doc.externalData[1]!.location = 'other.data';
    const bundle = sealed.bundle.with('model.json', new TextEncoder().encode(JSON.stringify(doc)));
    expect(await code(loadProtectedOnnx(bundle, { contentKey: sealed.contentKey }, { ort }))).toBe('ERR_MODEL_FORMAT');
  });

  it('the owner key is checked, and the fingerprint read, as for TF.js bundles', async () => {
    const sealed = await sealFixture('mlp_external.onnx');
    const checked = await checkOwnerKey(sealed.bundle, sealed.contentKey);
    expect(checked).toEqual({ fingerprint: sealed.fingerprint, kind: 'onnx', sealed: true, locked: false });
    expect(await code(checkOwnerKey(sealed.bundle, new Uint8Array(32)))).toBe('ERR_DECRYPTION_FAILED');
    expect((await openOnnxBundle(sealed.bundle)).fingerprint).toBe(sealed.fingerprint);
    // Re-keying an ONNX bundle is sealing the original again: rekey says so.
    await expect(rekeyBundle(sealed.bundle, sealed.contentKey)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT', message: expect.stringContaining('seal the original .onnx again') });
  });
});

describe('sealing refuses hostile external data', () => {
  const HOSTILE = ['../secret.bin', '/etc/passwd', 'sub/w.bin', 'sub\\w.bin', '..', '.', '', 'C:w.bin', 'https://example.com/w', 'a b', '*/_ORT_MEM_ADDR_/*', 'x'.repeat(256), 'w\u0000.bin'];

  it.each(HOSTILE)('location %j: refused before any file is read', async (location) => {
    const readExternal = vi.fn(async () => new Uint8Array(16));
    expect(await code(sealOnnxModel(modelWithLocation(location), { readExternal }))).toBe('ERR_MODEL_FORMAT');
    expect(readExternal).not.toHaveBeenCalled();
  });

  it('offsets and lengths that are not integers or lie outside the file; a missing file', async () => {
    const readExternal = async () => new Uint8Array(16);
    for (const extra of [{ offset: '-1' }, { offset: '1e3' }, { length: '0x10' }, { offset: '17' }, { offset: '8', length: '16' }, { length: '99999999999999999999' }]) {
      expect(await code(sealOnnxModel(modelWithLocation('w.bin', extra), { readExternal })), JSON.stringify(extra)).toBe('ERR_MODEL_FORMAT');
    }
    expect((await sealOnnxModel(modelWithLocation('w.bin', { offset: '0', length: '16' }), { readExternal })).externalData).toEqual([{ location: 'w.bin', bytes: 16 }]);
    expect(await code(sealOnnxModel(modelWithLocation('w.bin'), { readExternal: async () => undefined }))).toBe('ERR_MODEL_FORMAT');
    expect(await code(sealOnnxModel(modelWithLocation('w.bin')))).toBe('ERR_INVALID_ARGUMENT');
    expect(await code(sealOnnxModel(new TextEncoder().encode('{"format":"layers-model"}')))).toBe('ERR_MODEL_FORMAT');
  });

  it('the Node reader: regular files beside the model only, size capped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgepro-onnx-hostile-'));
    const onnx = join(dir, 'model.onnx');
    await writeFile(join(dir, 'w.bin'), new Uint8Array(64));
    await writeFile(join(tmpdir(), 'edgepro-outside.bin'), new Uint8Array(16));
    await symlink(join(tmpdir(), 'edgepro-outside.bin'), join(dir, 'link.bin'));
    const read = onnxFileReader(onnx);
    expect((await read('w.bin', 64))!.byteLength).toBe(64);
    expect(await read('absent.bin', 64)).toBeUndefined();
    expect(await code(read('w.bin', 63))).toBe('ERR_MODEL_FORMAT');
    expect(await code(read('link.bin', 64))).toBe('ERR_MODEL_FORMAT');
    expect(await code(read('../w.bin', 64))).toBe('ERR_MODEL_FORMAT');
    expect(await code(read('.', 64))).toBe('ERR_MODEL_FORMAT');
    await writeFile(onnx, modelWithLocation('link.bin'));
    expect(await code(sealOnnxModel(await readFile(onnx), { readExternal: read }))).toBe('ERR_MODEL_FORMAT');
  });

  it('writes a bundle that replaces an earlier one in the same directory, stale sealed files removed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgepro-onnx-rewrite-'));
    await writeBundle((await sealFixture('mlp_external.onnx')).bundle, dir);
    const inline = await sealFixture('mlp.onnx');
    await writeBundle(inline.bundle, dir);
    const opened = await openOnnxBundle(directorySource(dir));
    expect(opened.document.externalData).toEqual([]);
    await expect(readFile(join(dir, 'external-0.sealed'))).rejects.toMatchObject({ code: 'ENOENT' });
    await opened.close();
  });
});

describe('the bundle in memory', () => {
  it('holds only sealed files and model.json', async () => {
    const sealed = await sealFixture('mlp_external.onnx');
    expect(sealed.bundle.fileNames()).toEqual(['external-0.sealed', 'external-1.sealed', 'model.onnx.sealed', 'model.json']);
    const original = await fixture('mlp_external.onnx.data');
    // No 16 consecutive bytes of the weights appear in the sealed file.
    const sealedData = sealed.bundle.get('external-0.sealed')!;
    const needle = Buffer.from(original.subarray(100, 116));
    expect(Buffer.from(sealedData).indexOf(needle)).toBe(-1);
    expect(Bundle.fromFiles({}).fileNames()).toEqual([]);
  });
});

describe('edgepro/onnx for the browser', () => {
  it('bundles without TensorFlow.js, ONNX Runtime or anything Node-only', async () => {
    const result = await build({ entryPoints: [join(import.meta.dirname, '../../src/onnx.ts')], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => /@tensorflow|onnxruntime|node:/.test(path))).toEqual([]);
    const bytes = result.outputFiles[0]!.contents;
    // edgepro's runtime code plus @noble: small beside onnxruntime-web itself.
    expect(gzipSync(bytes).byteLength).toBeLessThan(60 * 1024);
  });
});
