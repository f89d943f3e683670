import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { measureRuntimeShare } from '../../bench/bundle_size.js';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe('browser bundle of edgepro/runtime', () => {
  it('bundles for platform browser with no Node built-in anywhere in the graph', async () => {
    const result = await build({
      entryPoints: ['src/runtime/index.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const imported = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    const external = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
    const offending = [...imported, ...external].filter((path) => NODE_BUILTINS.has(path));
    expect(offending).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('src/crypto/licence.ts'))).toBe(true);
    expect(inputs.some((p) => p.includes('src/crypto/stream.ts'))).toBe(true);
    expect(inputs.some((p) => p.includes('@tensorflow/tfjs-converter'))).toBe(true);
    // The Node directory adapter is edgepro/node's; nothing in the runtime reaches it, not even by a dynamic import.
    expect(inputs.some((p) => p.includes('src/bundle/directory.ts') || p.includes('node_fs'))).toBe(false);
    expect(result.outputFiles[0]!.text).not.toMatch(/bundle\/directory\.js|node_fs\.js/);
  }, 60_000);

  it("edgepro's share of an app's bundle stays within 60 KiB gzip on top of TF.js, with no more of the cpu backend than TF.js has", async () => {
    // esbuild, minified: TF.js alone (core, layers, converter, wasm; every export kept) against TF.js + the runtime.
    const { tfjs, withRuntime, share } = await measureRuntimeShare();
    expect(share.gzip).toBeLessThanOrEqual(60 * 1024);
    // tfjs-backend-wasm borrows a few of the cpu backend's shared kernels; the cpu backend itself stays out.
    const cpu = (inputs: string[]) => inputs.filter((p) => p.includes('tfjs-backend-cpu'));
    expect(cpu(withRuntime.inputs).filter((p) => !cpu(tfjs.inputs).includes(p))).toEqual([]);
    expect(withRuntime.inputs.some((p) => p.includes('tfjs-backend-cpu') && /backend_cpu|register_all_kernels/.test(p))).toBe(false);
  }, 120_000);

  it('the same build fails if the runtime imports a Node built-in (the check can fail)', async () => {
    await expect(
      build({ stdin: { contents: "import { readFile } from 'node:fs/promises'; export { readFile };", resolveDir: '.' }, bundle: true, platform: 'browser', write: false, logLevel: 'silent' }),
    ).rejects.toThrow();
  });
});
