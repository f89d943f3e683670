/**
 * The device runtime on bundles, at every protection level and from every source, with licences: what opens, and
 * what is refused (with which code) when a file is swapped, altered or missing.
 */
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { generateDeviceKeyPair, generateVendorKeyPair, issueLicence } from '../../src/crypto/index.js';
import { loadProtectedModel, urlSource, type Credentials } from '../../src/runtime/index.js';
import { Bundle } from '../../src/bundle/source.js';
import { directorySource, writeBundle } from '../../src/bundle/directory.js';
import { CHEAP_KDF, INPUTS, MLP_PASSWORD, protectedMlp } from './fixtures.js';

let reference: Float32Array;
let dir: string;

beforeAll(async () => {
  await initEngine();
  // What the password gives: the lock-only bundle opened with the password itself.
  const lockOnly = await protectedMlp(1, 'none');
  const owner = await loadProtectedModel(lockOnly.bundle, { password: MLP_PASSWORD });
  reference = (await owner.predict(INPUTS)).probabilities;
  owner.dispose();
  dir = await mkdtemp(join(tmpdir(), 'edgepro-runtime-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const passphraseLicence = (contentKey: Uint8Array, modelFingerprint: string, passphrase = 'pw') =>
  issueLicence(contentKey, { passphrase, kdf: CHEAP_KDF }, { modelFingerprint });

describe('runtime with licences, at every level', () => {
  for (const seal of ['all', 'none', ['fc1']] as const) {
    it(`seal ${JSON.stringify(seal)}: a device licence from a directory, the owner key and a passphrase from bytes, all give what the password gives`, async () => {
      const made = await protectedMlp(1, seal);
      const where = join(dir, `level-${JSON.stringify(seal).replace(/\W/g, '')}`);
      await writeBundle(made.bundle, where);
      const device = await generateDeviceKeyPair();
      const vendor = await generateVendorKeyPair();
      const licence = await issueLicence(made.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: made.fingerprint, vendorPrivateKey: vendor.privateKey });
      const fromDisk = await loadProtectedModel(directorySource(where), { licence, deviceKey: device.privateKey, vendorKey: vendor.publicKey });
      expect(fromDisk.isUnlocked).toBe(true);
      expect(fromDisk.isSealed).toBe(seal !== 'none');
      expect((await fromDisk.predict(INPUTS)).probabilities).toEqual(reference);
      expect(fromDisk.timings.total).toBeGreaterThan(0);
      fromDisk.dispose();
      const owner = await loadProtectedModel(made.bundle, { contentKey: made.contentKey });
      expect((await owner.predict(INPUTS)).probabilities).toEqual(reference);
      owner.dispose();
      const byPassphrase = await loadProtectedModel(made.bundle, { licence: await passphraseLicence(made.contentKey, made.fingerprint), passphrase: 'pw', allowUnsigned: true });
      expect((await byPassphrase.predict(INPUTS)).probabilities).toEqual(reference);
      byPassphrase.dispose();

      const unsigned = await issueLicence(made.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: made.fingerprint });
      await expect(loadProtectedModel(made.bundle, { licence: unsigned, deviceKey: device.privateKey, vendorKey: vendor.publicKey })).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
      const other = await generateDeviceKeyPair();
      await expect(loadProtectedModel(made.bundle, { licence, deviceKey: other.privateKey, allowUnsigned: true })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
    });
  }

  it('a sealed bundle without credentials, or with a bare password, refuses to load: there is nothing to run', async () => {
    const made = await protectedMlp(1, 'all');
    await expect(loadProtectedModel(made.bundle)).rejects.toMatchObject({ code: 'ERR_SEALED' });
    await expect(loadProtectedModel(made.bundle, { password: MLP_PASSWORD })).rejects.toMatchObject({ code: 'ERR_SEALED' });
    // The lock alone loads locked: it runs, and its answers are not the password's.
    const lockOnly = await protectedMlp(1, 'none');
    const locked = await loadProtectedModel(lockOnly.bundle);
    expect(locked.isUnlocked).toBe(false);
    expect((await locked.predict(INPUTS)).probabilities).not.toEqual(reference);
    await locked.unlock({ licence: await passphraseLicence(lockOnly.contentKey, lockOnly.fingerprint), passphrase: 'pw', allowUnsigned: true });
    expect((await locked.predict(INPUTS)).probabilities).toEqual(reference);
    locked.dispose();
  });

  it('URL source: fetches only the files the bundle names, from its directory; a string URL uses the global fetch', async () => {
    const made = await protectedMlp(1, 'all');
    const files = new Map(made.bundle.fileNames().map((name) => [`https://models.example/mlp/${name}`, made.bundle.get(name)!] as const));
    const fetched: string[] = [];
    const fakeFetch = (async (url: string) => {
      fetched.push(String(url));
      const body = files.get(String(url));
      return body === undefined ? new Response(null, { status: 404 }) : new Response(body.slice());
    }) as typeof fetch;
    const licence = await passphraseLicence(made.contentKey, made.fingerprint);
    const model = await loadProtectedModel(urlSource('https://models.example/mlp/model.json', { fetch: fakeFetch }), { licence, passphrase: 'pw', allowUnsigned: true });
    expect((await model.predict(INPUTS)).probabilities).toEqual(reference);
    expect([...new Set(fetched)].sort()).toEqual([...files.keys()].sort());
    model.dispose();
    vi.stubGlobal('fetch', fakeFetch);
    try {
      const viaString = await loadProtectedModel('https://models.example/mlp', { contentKey: made.contentKey });
      expect((await viaString.predict(INPUTS)).probabilities).toEqual(reference);
      viaString.dispose();
      await expect(loadProtectedModel('https://models.example/other/')).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('model.json is bound: an activation changed from relu to linear is refused by the licence and the container', async () => {
    const made = await protectedMlp(1, 'none');
    const doc = JSON.parse(new TextDecoder().decode(made.bundle.get('model.json')!));
    const text = JSON.stringify(doc);
    expect(text).toContain('"activation":"relu"');
    const altered = made.bundle.with('model.json', new TextEncoder().encode(text.replace('"activation":"relu"', '"activation":"linear"')));
    const licence = await passphraseLicence(made.contentKey, made.fingerprint);
    await expect(loadProtectedModel(altered, { licence, passphrase: 'pw', allowUnsigned: true })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
    await expect(loadProtectedModel(altered, { contentKey: made.contentKey })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
    // White space and key order are not the document: a re-serialised model.json still matches.
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    const reformatted = made.bundle.with('model.json', new TextEncoder().encode(JSON.stringify(reversed(doc), null, 2)));
    const same = await loadProtectedModel(reformatted, { licence, passphrase: 'pw', allowUnsigned: true });
    expect((await same.predict(INPUTS)).probabilities).toEqual(reference);
    same.dispose();
  });

  it("another model's weights, a re-sealed file, or another bundle's licence: ModelMismatchError", async () => {
    const made = await protectedMlp(1, 'none');
    const other = await protectedMlp(2, 'none');
    const licence = await passphraseLicence(made.contentKey, made.fingerprint);
    const swapped = made.bundle.with('weights.bin', other.bundle.get('weights.bin')!);
    await expect(loadProtectedModel(swapped, { licence, passphrase: 'pw', allowUnsigned: true })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
    await expect(loadProtectedModel(swapped, { contentKey: made.contentKey })).rejects.toMatchObject({ code: 'ERR_MODEL_MISMATCH' });
    // The same weights sealed twice under one key are two bundles: a licence opens only its own.
    const sealedA = await protectedMlp(1, 'all');
    const resealed = sealedA.bundle.with('weights.sealed', (await protectedMlp(1, 'all')).bundle.get('weights.sealed')!);
    await expect(loadProtectedModel(resealed, { licence: await passphraseLicence(sealedA.contentKey, sealedA.fingerprint), passphrase: 'pw', allowUnsigned: true })).rejects.toMatchObject({
      code: 'ERR_MODEL_MISMATCH',
    });
  });

  it('altered sealed weights are refused as a decryption failure, and nothing is built from them', async () => {
    const made = await protectedMlp(1, 'all');
    const sealed = made.bundle.get('weights.sealed')!.slice();
    sealed[sealed.length - 5]! ^= 1;
    await expect(loadProtectedModel(made.bundle.with('weights.sealed', sealed), { contentKey: made.contentKey })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' });
    await expect(loadProtectedModel(made.bundle.with('weights.sealed', made.bundle.get('weights.sealed')!.subarray(0, sealed.length - 1)), { contentKey: made.contentKey })).rejects.toMatchObject({
      code: 'ERR_MALFORMED',
    });
    await expect(loadProtectedModel(made.bundle.with('weights.sealed', undefined), { contentKey: made.contentKey })).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });

  it('weight-manifest paths are plain names inside the bundle: ../outside.bin is refused before anything is read', async () => {
    const made = await protectedMlp(1, 'none');
    await mkdir(join(dir, 'escape', 'model'), { recursive: true });
    await writeFile(join(dir, 'escape', 'outside.bin'), made.bundle.get('weights.bin')!);
    const doc = JSON.parse(new TextDecoder().decode(made.bundle.get('model.json')!));
    doc.weightsManifest[0].paths = ['../outside.bin'];
    await writeFile(join(dir, 'escape', 'model', 'model.json'), JSON.stringify(doc));
    const read: string[] = [];
    const source = directorySource(join(dir, 'escape', 'model'));
    const spy = { name: source.name, read: async (f: string) => (read.push(f), source.read(f)) };
    await expect(loadProtectedModel(spy)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    expect(read).toEqual(['model.json']);
    const fetched: string[] = [];
    const fakeFetch = (async (url: string) => {
      fetched.push(String(url));
      return new Response(String(url).endsWith('model.json') ? JSON.stringify(doc) : made.bundle.get('weights.bin')!.slice());
    }) as typeof fetch;
    await expect(loadProtectedModel(urlSource('https://cdn.example/m/', { fetch: fakeFetch }))).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    expect(fetched).toEqual(['https://cdn.example/m/model.json']);
    for (const path of ['https://evil.example/w.bin', '/etc/passwd', 'sub/w.bin', '..', 'a\\b']) {
      doc.weightsManifest[0].paths = [path];
      await expect(loadProtectedModel(Bundle.fromFiles({ 'model.json': JSON.stringify(doc) }))).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    }
  });

  it('the manifest is checked before anything is allocated: bad dims, dtypes, element counts and sizes are typed errors', async () => {
    const made = await protectedMlp(1, 'none');
    const base = JSON.parse(new TextDecoder().decode(made.bundle.get('model.json')!));
    const cases: [string, (spec: Record<string, unknown>) => void][] = [
      ['negative dim', (s) => (s.shape = [-1, 8])],
      ['fractional dim', (s) => (s.shape = [1.5, 8])],
      ['NaN dim', (s) => (s.shape = ['x', 8])],
      ['huge', (s) => (s.shape = [2 ** 20, 2 ** 20])],
      ['dtype', (s) => (s.dtype = 'string')],
      ['quantization', (s) => (s.quantization = { dtype: 'int4' })],
      ['one more element', (s) => (s.shape = [4, 9])],
    ];
    for (const [label, spoil] of cases) {
      const doc = structuredClone(base);
      spoil(doc.weightsManifest[0].weights[0]);
      const bundle = made.bundle.with('model.json', new TextEncoder().encode(JSON.stringify(doc)));
      await expect(loadProtectedModel(bundle), label).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    }
    await expect(loadProtectedModel(made.bundle.with('model.json', new TextEncoder().encode('{not json')))).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    await expect(loadProtectedModel(made.bundle, undefined, { maxWeightBytes: 16 })).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });

  it('refuses credential mix-ups with typed errors, before any I/O', async () => {
    const made = await protectedMlp(1, 'none');
    const licence = await passphraseLicence(made.contentKey, made.fingerprint);
    const bad: unknown[] = [{ licence }, { licence, passphrase: 'pw', deviceKey: new Uint8Array(32) }, { licence, passphrase: 'pw', password: MLP_PASSWORD }, { passphrase: 'pw', allowUnsigned: true }, {}, null, { contentKey: new Uint8Array(31) }];
    for (const credentials of bad) {
      await expect(loadProtectedModel(made.bundle, credentials as Credentials)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    await expect(loadProtectedModel({} as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(loadProtectedModel(directorySource(join(dir, 'missing')))).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });

  it('a bundle in the previous format (a version-1 password container) is refused with the command that re-protects it', async () => {
    const made = await protectedMlp(1, 'none');
    const vectors = JSON.parse(await readFile(new URL('../crypto/vectors.json', import.meta.url), 'utf8')) as Record<string, string>;
    const old = made.bundle.with('password.edgepro', Uint8Array.from(Buffer.from(vectors.container!, 'hex')));
    const error = await loadProtectedModel(old, { contentKey: Uint8Array.from(Buffer.from(vectors.contentKey!, 'hex')) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_UNSUPPORTED_VERSION' });
    expect((error as Error).message).toMatch(/edgepro protect/);
    const oldLicence = Uint8Array.from(Buffer.from(vectors.passphraseLicence!, 'hex'));
    const refused = await loadProtectedModel(made.bundle, { licence: oldLicence, passphrase: vectors.passphrase!, allowUnsigned: true }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ERR_UNSUPPORTED_VERSION' });
    expect((refused as Error).message).toMatch(/licence issue/);
  });

  it('writeBundle replaces a bundle atomically and removes the files the new one does not have', async () => {
    const where = join(dir, 'rewrite');
    const lockOnly = await protectedMlp(1, 'none');
    await writeBundle(lockOnly.bundle, where);
    expect((await readdir(where)).sort()).toEqual(['model.json', 'password.edgepro', 'weights.bin']);
    const sealed = await protectedMlp(1, 'all');
    await writeBundle(sealed.bundle, where);
    // The clear weights of the earlier bundle must not outlive it beside the sealed ones.
    expect((await readdir(where)).sort()).toEqual(['model.json', 'password.edgepro', 'weights.sealed']);
    const model = await loadProtectedModel(directorySource(where), { contentKey: sealed.contentKey });
    expect((await model.predict(INPUTS)).probabilities).toEqual(reference);
    model.dispose();
  });
});

describe('sealed files as hostile streams', () => {
  it('a header length of 4 GiB in a streamed sealed file is refused at once, without buffering the stream', async () => {
    const made = await protectedMlp(1, 'all');
    const sealed = made.bundle.get('weights.sealed')!.slice();
    new DataView(sealed.buffer).setUint32(8, 0xffffffff, false);
    let pulled = 0;
    const source = {
      name: 'stream',
      read: (f: string) => made.bundle.read(f),
      async stream(f: string) {
        if (f !== 'weights.sealed') return undefined;
        return (async function* () {
          // The file, then an endless run of 1 MiB pieces: a reader that trusted H would never stop.
          yield sealed;
          for (;;) {
            pulled++;
            yield new Uint8Array(1 << 20);
          }
        })();
      },
    };
    await expect(loadProtectedModel(source, { contentKey: made.contentKey })).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
    expect(pulled).toBe(0);
  });
});
