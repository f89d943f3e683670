/**
 * Node adapter: a LayersModel as a directory holding model.json and weights.bin. Node-only (node:fs).
 */
import { readFile } from 'node:fs/promises';
import { join, dirname, resolve } from 'node:path';
import { ModelFormatError } from '../util/errors.js';
import { writeFilesAtomic } from '../util/node_fs.js';
import { deserializeModel, parseModelJson, manifestPaths, serializeModel, WEIGHTS_FILE } from './serialize.js';
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

/**
 * Loads a model from a model.json path or the directory holding it; weight files are read from beside model.json.
 * `lockPoints` names the lock layers explicitly (otherwise edgepro's metadata, if the model has it).
 */
export async function loadModelDir(
  pathOrDir: string,
  options: { lockPoints?: string[] } = {},
): Promise<LockableModel & { declaredLockPoints: boolean }> {
  const jsonPath = pathOrDir.endsWith('.json') ? resolve(pathOrDir) : join(resolve(pathOrDir), 'model.json');
  const text = new TextDecoder().decode(await readOrExplain(jsonPath, 'model file'));
  const modelJson = parseModelJson(text, jsonPath);
  const parts: Uint8Array[] = [];
  for (const path of manifestPaths(modelJson)) parts.push(await readOrExplain(join(dirname(jsonPath), path), 'weights file'));
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const weights = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    weights.set(part, offset);
    offset += part.byteLength;
  }
  return deserializeModel(modelJson, weights, { source: jsonPath, ...options });
}
