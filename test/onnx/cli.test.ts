/**
 * `edgepro seal model.onnx --out DIR` as a user runs it (the built CLI, `npm run build` first), then a licence for
 * the sealed directory, opened by the runtime into onnxruntime-node: outputs equal to the original's. Hostile
 * models fail with one clear line and a non-zero exit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { runCli } from '../helpers/cli.js';
import { loadProtectedOnnx, type OnnxRuntimeLike, type OnnxSessionLike } from '../../src/onnx.js';
import { directorySource } from '../../src/bundle/directory.js';
import { FIXTURE_DIR, INPUTS } from './make_fixtures.js';
import { onnxProto } from './proto.js';

const X = Float32Array.from({ length: 3 * INPUTS }, (_, i) => Math.cos(i * 0.21));
let work: string;

beforeAll(async () => {
  if (!existsSync('dist/cli/main.js')) throw new Error('build first: npm run build');
  work = await mkdtemp(join(tmpdir(), 'edgepro-onnx-cli-'));
});

async function outputs(session: { run(feeds: never): Promise<unknown> }): Promise<number[]> {
  const out = (await session.run({ x: new ort.Tensor('float32', X, [3, INPUTS]) } as never)) as { probs: { data: Float32Array } };
  return Array.from(out.probs.data);
}

describe('the package', () => {
  it("exports edgepro/onnx (the built entry, through the package's own exports map)", () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('edgepro/onnx'); console.log(typeof m.loadProtectedOnnx, typeof m.urlSource, typeof m.DecryptionFailedError)"], { encoding: 'utf8' });
    expect(out.trim()).toBe('function function function');
  });
});

describe('edgepro seal model.onnx', () => {
  it('seals the model and its external data; a licence opens it in onnxruntime-node', async () => {
    const out = join(work, 'sealed');
    const sealed = await runCli(['seal', join(FIXTURE_DIR, 'mlp_external.onnx'), '--out', out, '--json']);
    expect(sealed.code, sealed.stderr).toBe(0);
    const report = JSON.parse(sealed.stdout) as { format: string; externalData: { location: string; bytes: number }[]; modelFingerprint: string };
    expect(report.format).toBe('onnx');
    expect(report.externalData).toEqual([
      { location: 'mlp_external.onnx.data', bytes: 18944 },
      { location: 'mlp_external.bias.data', bytes: 40 },
    ]);
    expect((await readdir(out)).sort()).toEqual(['external-0.sealed', 'external-1.sealed', 'model.json', 'model.onnx.sealed']);
    expect(existsSync(`${out}.owner.key`)).toBe(true);

    const licencePath = join(work, 'device.licence');
    const issued = await runCli(['licence', 'issue', out, '--kdf', 'pbkdf2', '--out', licencePath], { env: { EDGEPRO_PASSPHRASE: 'correct horse' } });
    expect(issued.code, issued.stderr).toBe(0);
    const inspected = await runCli(['licence', 'inspect', licencePath, '--model', out, '--json']);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect((JSON.parse(inspected.stdout) as { model: { matches: boolean; fingerprint: string } }).model).toMatchObject({ matches: true, fingerprint: report.modelFingerprint });

    const licence = new Uint8Array(await readFile(licencePath));
    const model = await loadProtectedOnnx(directorySource(out), { licence, passphrase: 'correct horse', allowUnsigned: true }, { ort: ort as unknown as OnnxRuntimeLike<OnnxSessionLike> });
    const original = await ort.InferenceSession.create(join(FIXTURE_DIR, 'mlp.onnx'));
    expect(await outputs(model)).toEqual(await outputs(original));
    await model.release();
    await original.release();
  });

  it('refuses hostile external data, and --seal with layer names, in one line', async () => {
    const ModelProto = onnxProto().lookupType('onnx.ModelProto');
    const hostile = join(work, 'hostile.onnx');
    await writeFile(
      hostile,
      ModelProto.encode(
        ModelProto.fromObject({
          irVersion: 8,
          graph: { initializer: [{ name: 'w', dims: [1], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: '../../etc/passwd' }] }] },
        }),
      ).finish(),
    );
    const refused = await runCli(['seal', hostile, '--out', join(work, 'hostile-out')]);
    expect(refused.code).toBe(1);
    const lines = refused.stderr.trim().split('\n').filter((line) => !line.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/plain file names beside the model/);
    expect(existsSync(join(work, 'hostile-out'))).toBe(false);
    expect(existsSync(join(work, 'hostile-out.owner.key'))).toBe(false);

    const layers = await runCli(['seal', join(FIXTURE_DIR, 'mlp.onnx'), '--seal', 'dense1', '--out', join(work, 'layers-out')]);
    expect(layers.code).toBe(2);
    const missing = await runCli(['seal', join(work, 'absent.onnx'), '--out', join(work, 'absent-out')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found/);
  });
});
