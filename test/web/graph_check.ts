/**
 * Runs in Chromium, bundled by esbuild for the e2e test (it is no part of the demo page): a real pretrained graph
 * model loaded sealed through `loadProtectedModel` with its device licence, and its original files through
 * `tf.loadGraphModel`, both run on one seeded input; the outputs come back as bytes for the test to compare. Also
 * what the runtime says to sealed bundles opened without a licence.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { decodeKeyFile, EdgeProError, initEngine, loadProtectedModel, type LoadTimings } from '../../src/runtime/index.js';
import { createRng } from '../../src/util/rng.js';

export interface GraphCheckFiles {
  /** The sealed bundle's directory, its device licence, the device key file, the vendor key file. */
  sealed: string;
  deviceLicence: string;
  deviceKey: string;
  vendorKey: string;
  /** The original model.json (faceres.json) beside its weights. */
  original: string;
  inputShape: number[];
  /** Sealed bundles to open with no credentials (each should be refused). */
  unlicensed: string[];
}

export interface GraphCheckResult {
  backend: string;
  /** The runtime's timings of each sealed load. */
  sealedLoads: LoadTimings[];
  /** tf.loadGraphModel of the original files, each round, ms. */
  originalLoadMs: number[];
  outputs: { name: string; shape: number[]; sealed: string; original: string }[];
  /** The error code each unlicensed load gave (or 'loaded'). */
  unlicensed: Record<string, string>;
}

/** A seeded input, the same on every run. */
function seededInput(seed: number, length: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length }, () => rng.next());
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function bytesOf(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Every output of `model` on `x`, in the order of `names`, as raw float32 bytes. */
function run(model: GraphModel, x: tf.Tensor, names: string[]): { shape: number[]; bytes: Uint8Array }[] {
  const outputs = model.execute(x, names) as tf.Tensor[];
  const result = outputs.map((t) => {
    const data = t.dataSync() as Float32Array;
    return { shape: t.shape, bytes: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
  });
  tf.dispose(outputs);
  return result;
}

/** Loads and compares, `rounds` times for the load times; paths in `files` are relative to `base` (the site root). */
export async function checkGraph(base: string, files: GraphCheckFiles, rounds = 5): Promise<GraphCheckResult> {
  const at = (path: string) => new URL(path, base).href;
  const engine = { wasmPaths: at('wasm/') };
  await initEngine(engine);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const credentials = {
    licence: await bytesOf(at(files.deviceLicence)),
    deviceKey: decodeKeyFile(text(await bytesOf(at(files.deviceKey))), 'device-private').key,
    vendorKey: decodeKeyFile(text(await bytesOf(at(files.vendorKey))), 'vendor-public').key,
  };

  const unlicensed: Record<string, string> = {};
  for (const dir of files.unlicensed) {
    try {
      (await loadProtectedModel(at(dir), undefined, { engine })).dispose();
      unlicensed[dir] = 'loaded';
    } catch (error) {
      unlicensed[dir] = error instanceof EdgeProError ? error.code : String(error);
    }
  }

  const x = tf.tensor(seededInput(7, files.inputShape.reduce((a, b) => a * b, 1)), files.inputShape);
  const sealedLoads: LoadTimings[] = [];
  const originalLoadMs: number[] = [];
  let outputs: GraphCheckResult['outputs'] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which loads first, so that neither gets all the warm-up.
    const loadOriginal = async () => {
      const started = performance.now();
      const model = await loadGraphModel(at(files.original));
      originalLoadMs.push(performance.now() - started);
      return model;
    };
    const loadSealed = async () => {
      const session = await loadProtectedModel(at(files.sealed), credentials, { engine });
      sealedLoads.push(session.timings);
      return session;
    };
    let original: GraphModel;
    let session: Awaited<ReturnType<typeof loadSealed>>;
    if (round % 2 === 0) {
      original = await loadOriginal();
      session = await loadSealed();
    } else {
      session = await loadSealed();
      original = await loadOriginal();
    }
    if (round === 0) {
      const names = original.outputNodes;
      const fromOriginal = run(original, x, names);
      const fromSealed = run(session.model as GraphModel, x, names);
      outputs = names.map((name, i) => ({ name, shape: fromOriginal[i]!.shape, original: base64(fromOriginal[i]!.bytes), sealed: base64(fromSealed[i]!.bytes) }));
    }
    original.dispose();
    session.dispose();
  }
  x.dispose();
  return { backend: tf.getBackend(), sealedLoads, originalLoadMs, outputs, unlicensed };
}

(globalThis as { checkGraph?: typeof checkGraph }).checkGraph = checkGraph;
