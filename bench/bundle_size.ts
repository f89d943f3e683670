/**
 * What `edgepro/runtime` adds to a browser app's bundle: esbuild (minified, browser, ESM) bundles TF.js alone — the
 * peers the runtime uses: tfjs-core, tfjs-layers, tfjs-converter, tfjs-backend-wasm, every export kept — then the
 * same with the runtime, and prints both, raw and gzip, and the difference (edgepro's share). `test/runtime/bundle.test.ts`
 * holds the share to its budget with the same function.
 *
 *     npx tsx bench/bundle_size.ts
 */
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
export const TFJS_PEERS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-wasm'];

export interface BundleSize {
  raw: number;
  gzip: number;
  /** The files that went in (paths relative to the repository). */
  inputs: string[];
}

/** A minified browser bundle of `code` (resolved from the repository root). */
export async function bundleSize(code: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: code, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0]!.contents;
  return { raw: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength, inputs: Object.keys(result.metafile.inputs) };
}

const keepAll = (modules: string[]) => modules.map((m, i) => `import * as m${i} from '${m}';`).join('\n') + `\nexport { ${modules.map((_, i) => `m${i}`).join(', ')} };\n`;

/** TF.js alone, and TF.js with the runtime (every export of each kept). */
export async function measureRuntimeShare(entry = './src/runtime/index.ts'): Promise<{ tfjs: BundleSize; withRuntime: BundleSize; share: { raw: number; gzip: number } }> {
  const tfjs = await bundleSize(keepAll(TFJS_PEERS));
  const withRuntime = await bundleSize(keepAll([...TFJS_PEERS, entry]));
  return { tfjs, withRuntime, share: { raw: withRuntime.raw - tfjs.raw, gzip: withRuntime.gzip - tfjs.gzip } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const { tfjs, withRuntime, share } = await measureRuntimeShare();
  console.log(`TF.js alone (${TFJS_PEERS.join(', ')}): ${kib(tfjs.raw)} raw, ${kib(tfjs.gzip)} gzip`);
  console.log(`with edgepro/runtime: ${kib(withRuntime.raw)} raw, ${kib(withRuntime.gzip)} gzip`);
  console.log(`edgepro's share: ${kib(share.raw)} raw, ${kib(share.gzip)} gzip`);
  const cpu = withRuntime.inputs.filter((p) => p.includes('tfjs-backend-cpu')).length;
  console.log(`tfjs-backend-cpu files in the runtime bundle: ${cpu} (in TF.js alone: ${tfjs.inputs.filter((p) => p.includes('tfjs-backend-cpu')).length})`);
}
