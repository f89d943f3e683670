/**
 * Node adapter: a LayersModel as a directory holding model.json and weights.bin. Node-only (node:fs).
 */
import { readFile } from 'node:fs/promises';
import { join, dirname, resolve } from 'node:path';
import { ModelFormatError } from '../util/errors.js';
import { writeFilesAtomic } from '../util/node_fs.js';
import { CONTAINER_FILE, deserializeModel, parseModelJson, manifestPaths, serializeModel, WEIGHTS_FILE } from './serialize.js';
import type { LockableModel } from './types.js';

/** Saves to `dir/model.json` + `dir/weights.bin`, each written atomically. */
export async function saveModelDir(lockable: LockableModel, dir: string): Promise<void> {
  const { modelJson, weights } = await serializeModel(lockable);
  await writeFilesAtomic([
    { path: join(dir, WEIGHTS_FILE), data: weights },
    { path: join(dir, 'model.json'), data: JSON.stringify(modelJson) },
  ]);
}

async function readOrExplain(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
    throw new ModelFormatError(`${what} ${path} ${why}`, { cause });
  }
}

/** The raw files of a model directory (or of a model.json path): the model.json text and its weights, concatenated. */
export interface ModelFiles {
  jsonPath: string;
  modelJson: string;
  weights: Uint8Array;
  /** The password container beside model.json, if there is one. */
  container?: Uint8Array;
}

/**
 * Reads model.json, the weight files it names (from beside it) and, if present, password.edgepro — bytes only, no
 * model is built. The device runtime reaches this through a dynamic import, in Node only.
 */
export async function readModelFiles(pathOrDir: string): Promise<ModelFiles> {
  const jsonPath = pathOrDir.endsWith('.json') ? resolve(pathOrDir) : join(resolve(pathOrDir), 'model.json');
  const modelJson = new TextDecoder().decode(await readOrExplain(jsonPath, 'model file'));
  const parts: Uint8Array[] = [];
  for (const path of manifestPaths(parseModelJson(modelJson, jsonPath))) parts.push(await readOrExplain(join(dirname(jsonPath), path), 'weights file'));
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    weights.set(part, offset);
    offset += part.byteLength;
  }
  let container: Uint8Array | undefined;
  try {
    container = new Uint8Array(await readFile(join(dirname(jsonPath), CONTAINER_FILE)));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw new ModelFormatError(`${join(dirname(jsonPath), CONTAINER_FILE)} cannot be read`, { cause });
  }
  return container === undefined ? { jsonPath, modelJson, weights } : { jsonPath, modelJson, weights, container };
}

/**
 * Loads a model from a model.json path or the directory holding it; weight files are read from beside model.json.
 * `lockPoints` names the lock layers explicitly (otherwise edgepro's metadata, if the model has it).
 */
export async function loadModelDir(
  pathOrDir: string,
  options: { lockPoints?: string[] } = {},
): Promise<LockableModel & { declaredLockPoints: boolean }> {
  const { jsonPath, modelJson, weights } = await readModelFiles(pathOrDir);
  return deserializeModel(parseModelJson(modelJson, jsonPath), weights, { source: jsonPath, ...options });
}
