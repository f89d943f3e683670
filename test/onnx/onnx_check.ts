/**
 * Runs in Chromium, bundled by esbuild for chromium.test.ts: an app that brings its own onnxruntime-web loads sealed
 * ONNX bundles over HTTP with `loadProtectedOnnx` and a passphrase licence, and the original files with
 * `InferenceSession.create` (external data fetched and passed as onnxruntime-web requires), and runs both on one
 * input. Also what the runtime says to a wrong passphrase and to no licence.
 */
import * as ort from 'onnxruntime-web';
import { EdgeProError, loadProtectedOnnx, urlSource, type OnnxLoadTimings } from '../../src/onnx.js';

export interface OnnxCheckRequest {
  /** Per model: the sealed bundle's directory URL, the original .onnx URL and its external data files' names. */
  models: { name: string; sealed: string; original: string; externalData: string[] }[];
  licence: string;
  passphrase: string;
  input: number[];
  dims: number[];
}

export interface OnnxCheckResult {
  results: { name: string; sealed: number[]; original: number[]; timings: OnnxLoadTimings }[];
  wrongPassphrase: string;
  noLicence: string;
}

async function bytesOf(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function codeOf(load: () => Promise<unknown>): Promise<string> {
  try {
    await load();
    return 'loaded';
  } catch (error) {
    return error instanceof EdgeProError ? error.code : `untyped: ${(error as Error).message}`;
  }
}

async function check(request: OnnxCheckRequest): Promise<OnnxCheckResult> {
  ort.env.wasm.wasmPaths = new URL('/ort/', location.href).toString();
  ort.env.wasm.numThreads = 1;
  const licence = await bytesOf(request.licence);
  const feeds = () => ({ x: new ort.Tensor('float32', Float32Array.from(request.input), request.dims) });
  const results: OnnxCheckResult['results'] = [];
  for (const m of request.models) {
    const model = await loadProtectedOnnx(urlSource(m.sealed), { licence, passphrase: request.passphrase, allowUnsigned: true }, { ort });
    const sealed = await model.run(feeds());
    const base = new URL('.', new URL(m.original, location.href));
    const externalData = await Promise.all(m.externalData.map(async (path) => ({ path, data: await bytesOf(new URL(path, base).toString()) })));
    const original = await ort.InferenceSession.create(await bytesOf(m.original), { externalData });
    const plain = await original.run(feeds());
    results.push({ name: m.name, sealed: Array.from(sealed.probs!.data as Float32Array), original: Array.from(plain.probs!.data as Float32Array), timings: model.timings });
    await model.release();
    await original.release();
  }
  const first = request.models[0]!;
  return {
    results,
    wrongPassphrase: await codeOf(() => loadProtectedOnnx(urlSource(first.sealed), { licence, passphrase: `${request.passphrase}!`, allowUnsigned: true }, { ort })),
    noLicence: await codeOf(() => loadProtectedOnnx(urlSource(first.sealed), undefined, { ort })),
  };
}

(globalThis as { onnxCheck?: typeof check }).onnxCheck = check;
document.title = 'ready';
