/**
 * The bundle module: how a model is laid out by level, the fingerprint (recomputed here from its documented text
 * with node:crypto, independently of the code), and model.json as hostile input (a property test: any value in any
 * manifest field is a typed error or a clean load, never another exception).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { buildLeNet5, serializeModel } from '../../src/models/index.js';
import { assembleBundle, sealableNames } from '../../src/bundle/assemble.js';
import { canonicalJson } from '../../src/bundle/fingerprint.js';
import { openBundle } from '../../src/bundle/open.js';
import { Bundle } from '../../src/bundle/source.js';
import { inspectSealed } from '../../src/crypto/stream.js';
import { inspectContainer, openContainer } from '../../src/crypto/container.js';
import { EdgeProError } from '../../src/util/errors.js';
import { MLP_PASSWORD, protectedMlp } from '../runtime/fixtures.js';

beforeAll(async () => {
  await initEngine();
});

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const json = (bundle: Bundle) => JSON.parse(new TextDecoder().decode(bundle.get('model.json')!)) as {
  weightsManifest: { paths: string[]; weights: { name: string }[] }[];
  userDefinedMetadata: { edgepro: { bundle: { version: number; sealed: string[] } } };
};

describe('bundle layout', () => {
  it('puts each level into the files it names: clear weights.bin, sealed weights.sealed, password.edgepro for a lock', async () => {
    const lenet = buildLeNet5({ seed: 1 });
    const serialized = await serializeModel(lenet);
    const all = await assembleBundle(serialized, { seal: 'all', password: MLP_PASSWORD });
    const none = await assembleBundle(serialized, { seal: 'none' });
    const partial = await assembleBundle(serialized, { seal: ['conv1', 'conv2'], password: MLP_PASSWORD });
    expect(all.bundle.fileNames()).toEqual(['password.edgepro', 'weights.sealed', 'model.json']);
    expect(none.bundle.fileNames()).toEqual(['weights.bin', 'model.json']);
    expect(partial.bundle.fileNames()).toEqual(['password.edgepro', 'weights.bin', 'weights.sealed', 'model.json']);
    expect(json(all.bundle).userDefinedMetadata.edgepro.bundle).toEqual({ version: 1, sealed: ['weights.sealed'], keyId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(json(none.bundle).userDefinedMetadata.edgepro.bundle).toEqual({ version: 1, sealed: [] });
    const groups = json(partial.bundle).weightsManifest;
    expect(groups.map((g) => g.paths)).toEqual([['weights.bin'], ['weights.sealed']]);
    expect(groups[1]!.weights.map((w) => w.name)).toEqual(['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias']);
    expect(partial.sealedWeights).toEqual(['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias']);
    expect(all.sealedBytes).toBe(all.weightBytes);
    expect(partial.sealedBytes).toBe((5 * 5 * 1 * 6 + 6 + 5 * 5 * 6 * 16 + 16) * 4);
    expect(inspectSealed(partial.bundle.get('weights.sealed')!).header.plaintextBytes).toBe(partial.sealedBytes);
    // The container is sealed under the same content key, for this bundle's fingerprint.
    expect(inspectContainer(all.bundle.get('password.edgepro')!)).toMatchObject({ version: 2, modelFingerprint: all.fingerprint });
    expect(await openContainer(all.bundle.get('password.edgepro')!, all.contentKey, { modelFingerprint: all.fingerprint })).toEqual(MLP_PASSWORD);
    expect(sealableNames(serialized.modelJson.weightsManifest[0]!.weights as never)).toContain('conv1');
    await expect(assembleBundle(serialized, { seal: ['conv9'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/conv1.*conv2/) });
    await expect(assembleBundle(serialized, { seal: [] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    lenet.model.dispose();
  });

  it('the fingerprint is the SHA-256 of its documented text: canonical model.json, clear files whole, sealed headers', async () => {
    const made = await protectedMlp(1, ['fc1']);
    const doc = json(made.bundle);
    const canonical = (v: unknown): string =>
      Array.isArray(v)
        ? `[${v.map(canonical).join(',')}]`
        : typeof v === 'object' && v !== null
          ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
          : JSON.stringify(v);
    expect(canonicalJson(doc)).toBe(canonical(doc));
    const sealed = made.bundle.get('weights.sealed')!;
    const headerEnd = 12 + new DataView(sealed.buffer, sealed.byteOffset).getUint32(8, false);
    const text = [
      'edgepro-bundle-fingerprint/1',
      `model.json ${sha(canonical(doc))}`,
      `weights.bin clear ${sha(made.bundle.get('weights.bin')!)}`,
      `weights.sealed sealed ${sha(sealed.subarray(0, headerEnd))}`,
      '',
    ].join('\n');
    expect(made.fingerprint).toBe(sha(text));
    expect((await openBundle(made.bundle)).fingerprint).toBe(made.fingerprint);
  });

  it('keeps a model that came in several shards loadable, and says which weights are sealed', async () => {
    const lenet = buildLeNet5({ seed: 2 });
    const { modelJson, weights } = await serializeModel(lenet);
    // A model as tfjs-converter shards it: two groups of files.
    const specs = modelJson.weightsManifest[0]!.weights;
    const split = 4;
    const bytesOf = (s: (typeof specs)[number]) => s.shape.reduce((a, b) => a * b, 1) * 4;
    const cut = specs.slice(0, split).reduce((n, s) => n + bytesOf(s), 0);
    const sharded = { ...modelJson, weightsManifest: [{ paths: ['a.bin'], weights: specs.slice(0, split) }, { paths: ['b1.bin', 'b2.bin'], weights: specs.slice(split) }] };
    const rest = weights.subarray(cut);
    const source = Bundle.fromFiles({ 'model.json': JSON.stringify(sharded), 'a.bin': weights.subarray(0, cut), 'b1.bin': rest.subarray(0, 100), 'b2.bin': rest.subarray(100) });
    const opened = await openBundle(source);
    expect(opened.sealed).toEqual([]);
    expect(new Uint8Array(await opened.weights())).toEqual(weights);
    const short = source.with('b2.bin', rest.subarray(100, rest.length - 4));
    await expect(openBundle(short)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
    lenet.model.dispose();
  });

  it('any value in any manifest field: a typed error or a clean open, never another exception (property)', async () => {
    const made = await protectedMlp(1, 'none');
    const base = json(made.bundle) as unknown as Record<string, unknown>;
    const anyJson = fc.jsonValue({ maxDepth: 2 });
    const field = fc.constantFrom('shape', 'dtype', 'name', 'quantization', 'paths', 'weights', 'weightsManifest', 'format', 'modelTopology', 'edgepro');
    await fc.assert(
      fc.asyncProperty(field, anyJson, async (where, value) => {
        const doc = structuredClone(base) as Record<string, any>;
        if (where === 'paths' || where === 'weights') doc.weightsManifest[0][where] = value;
        else if (where === 'weightsManifest' || where === 'format' || where === 'modelTopology') doc[where] = value;
        else if (where === 'edgepro') doc.userDefinedMetadata.edgepro.bundle = value;
        else doc.weightsManifest[0].weights[0][where] = value;
        const bundle = made.bundle.with('model.json', new TextEncoder().encode(JSON.stringify(doc)));
        try {
          const opened = await openBundle(bundle);
          await opened.weights();
        } catch (error) {
          expect(error).toBeInstanceOf(EdgeProError);
          expect(['ERR_MODEL_FORMAT', 'ERR_INVALID_ARGUMENT']).toContain((error as EdgeProError).code);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
