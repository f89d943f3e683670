/**
 * Node: an unprotected model (a baseline, or your own TF.js LayersModel) as a directory — `train`'s output and
 * `protect --from`'s input — read and written through the bundle layout like every other model directory.
 */
import { serializeModel, deserializeModel } from '../models/serialize.js';
import type { LockableModel } from '../models/types.js';
import { assembleBundle } from '../bundle/assemble.js';
import { openBundle } from '../bundle/open.js';
import { directorySource, writeBundle } from '../bundle/directory.js';
import { ModelFormatError } from '../util/errors.js';
import { initEngine } from '../engine/index.js';

/** Saves a model with its weights in the clear (model.json + weights.bin), atomically. */
export async function saveModelDir(lockable: LockableModel, dir: string): Promise<void> {
  const { bundle } = await assembleBundle(await serializeModel(lockable), { seal: 'none' });
  await writeBundle(bundle, dir);
}

/**
 * Loads a model whose weights are in the clear from a directory or a model.json path. `lockPoints` names the lock
 * layers explicitly (otherwise edgepro's metadata, if the model has it). A sealed bundle needs its owner key
 * (`openOwnedModel`).
 *
 * @example
 * ```ts
 * const baseline = await loadModelDir('models/baseline'); // a TF.js LayersModel directory, Keras-converted ones included
 * ```
 */
export async function loadModelDir(pathOrDir: string, options: { lockPoints?: string[] } = {}): Promise<LockableModel & { declaredLockPoints: boolean }> {
  const opened = await openBundle(directorySource(pathOrDir));
  if (opened.sealed.length > 0) throw new ModelFormatError(`${opened.name}: the weights are sealed; open it with its owner key`);
  if (opened.kind !== 'layers') throw new ModelFormatError(`${opened.name} is a graph model; edgepro trains and locks LayersModels (a graph model can be sealed: edgepro seal)`);
  await initEngine();
  return deserializeModel(opened.modelJson as never, await opened.weights(), { source: opened.name, ...options });
}
