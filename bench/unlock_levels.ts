/**
 * The protection levels bench/unlock.ts compares, and how each one is loaded — shared by the benchmark and by its
 * peak-memory worker (bench/unlock_worker.ts), so both load a level the same way.
 *
 * A level lives in a directory written by the benchmark; "from bytes" loads it from its files already in memory,
 * "from disk" from the directory (a bundle through `directorySource`, which streams sealed files in 1 MiB pieces).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { Bundle } from '../src/bundle/source.js';
import { directorySource } from '../src/bundle/directory.js';
import { loadProtectedModel, type LoadTimings } from '../src/runtime/index.js';

export const LEVELS = ['unprotected', 'lock', 'lockSeal', 'lockAuto', 'seal', 'aesOneShot'] as const;
export type Level = (typeof LEVELS)[number];
export type Mode = 'bytes' | 'disk';

export const LEVEL_LABELS: Record<Level, string> = {
  unprotected: 'unprotected (plain TF.js)',
  lock: 'lock alone',
  lockSeal: 'lock + seal all',
  lockAuto: 'lock + partial seal',
  seal: 'seal all, no lock',
  aesOneShot: 'one-shot AES-256-GCM',
};

/** The one-shot reference's ciphertext: the whole weights buffer, one AES-256-GCM call. */
export const AES_FILE = 'weights.aes';

/** What opens the levels of one model (hex in keys.json beside the level directories). */
export interface LevelKeys {
  /** Per bundle level: the device licence issued for that bundle. */
  licences: Partial<Record<Level, Uint8Array>>;
  deviceKey: Uint8Array;
  vendorKey: Uint8Array;
  aesKey: Uint8Array;
  aesIv: Uint8Array;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

export function encodeKeys(keys: LevelKeys): string {
  return JSON.stringify({
    licences: Object.fromEntries(Object.entries(keys.licences).map(([level, licence]) => [level, hex(licence)])),
    deviceKey: hex(keys.deviceKey),
    vendorKey: hex(keys.vendorKey),
    aesKey: hex(keys.aesKey),
    aesIv: hex(keys.aesIv),
  });
}

export function decodeKeys(text: string): LevelKeys {
  const doc = JSON.parse(text) as { licences: Record<string, string>; deviceKey: string; vendorKey: string; aesKey: string; aesIv: string };
  return {
    licences: Object.fromEntries(Object.entries(doc.licences).map(([level, licence]) => [level, unhex(licence)])),
    deviceKey: unhex(doc.deviceKey),
    vendorKey: unhex(doc.vendorKey),
    aesKey: unhex(doc.aesKey),
    aesIv: unhex(doc.aesIv),
  };
}

/** Every file of a level's directory, in memory (what "from bytes" loads from). */
export async function readLevelFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readBytes(join(dir, name)));
  return files;
}

async function readBytes(path: string): Promise<Uint8Array> {
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** An ArrayBuffer holding exactly these bytes: the bytes' own buffer when they are all of it (no copy). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer;
}

/** A plain TF.js load: model.json and the concatenated weight files, through tf.io.fromMemory. */
async function plainTfjsLoad(modelJsonBytes: Uint8Array, weights: ArrayBuffer): Promise<tfl.LayersModel | GraphModel> {
  const doc = JSON.parse(new TextDecoder().decode(modelJsonBytes)) as tf.io.ModelJSON;
  const specs = doc.weightsManifest.flatMap((group) => group.weights);
  const handler = tf.io.fromMemory(tf.io.getModelArtifactsForJSONSync(doc, specs, weights));
  return doc.format === 'graph-model' ? loadGraphModel(handler) : tfl.loadLayersModel(handler);
}

function weightPaths(modelJsonBytes: Uint8Array): string[] {
  const doc = JSON.parse(new TextDecoder().decode(modelJsonBytes)) as tf.io.ModelJSON;
  return doc.weightsManifest.flatMap((group) => group.paths);
}

export interface LoadedLevel {
  /** The model ready to run (for a lock level: unlocked, the locked copy freed). */
  model: tfl.LayersModel | GraphModel;
  /** The runtime's own breakdown, for the bundle levels. */
  timings?: LoadTimings;
  dispose(): void;
}

/**
 * Loads one level. `files` given: from those bytes in memory; otherwise from the directory `dir`. Bundle levels go
 * through `loadProtectedModel` with the device's credentials (signed X25519 licence; `keepLocked: false`, so an
 * unlocked session holds one copy of the weights); the unprotected model and the one-shot AES reference through a
 * plain TF.js load.
 */
export async function loadLevel(level: Level, dir: string, keys: LevelKeys, files?: Map<string, Uint8Array>): Promise<LoadedLevel> {
  const get = async (name: string) => files?.get(name) ?? (await readBytes(join(dir, name)));
  if (level === 'unprotected' || level === 'aesOneShot') {
    const modelJson = await get('model.json');
    let weights: ArrayBuffer;
    if (level === 'aesOneShot') {
      const key = await crypto.subtle.importKey('raw', keys.aesKey as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['decrypt']);
      weights = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: keys.aesIv as Uint8Array<ArrayBuffer> }, key, (await get(AES_FILE)) as Uint8Array<ArrayBuffer>);
    } else {
      const paths = weightPaths(modelJson);
      const parts = await Promise.all(paths.map(get));
      weights = parts.length === 1 ? ownBuffer(parts[0]!) : tf.io.concatenateArrayBuffers(parts.map(ownBuffer));
    }
    const model = await plainTfjsLoad(modelJson, weights);
    return { model, dispose: () => model.dispose() };
  }
  const licence = keys.licences[level];
  if (licence === undefined) throw new Error(`no licence for level ${level}`);
  const source = files !== undefined ? Bundle.fromFiles(files, dir) : directorySource(dir);
  const session = await loadProtectedModel(source, { licence, deviceKey: keys.deviceKey, vendorKey: keys.vendorKey }, { keepLocked: false });
  return { model: session.model, timings: session.timings, dispose: () => session.dispose() };
}

/** Runs a model (one output or several) and reads every output back, so the work is done when it returns. */
export function runModel(model: tfl.LayersModel | GraphModel, x: tf.Tensor): void {
  tf.tidy(() => {
    const out = model.predict(x) as tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
    const outputs = out instanceof tf.Tensor ? [out] : Array.isArray(out) ? out : Object.values(out);
    for (const t of outputs) t.dataSync();
  });
}
