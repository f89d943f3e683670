import { buildArchitecture } from '../models/registry.js';
import { autoLockPoints, describeLockPoint } from '../models/lock_points.js';
import { loadModelDir } from '../owner/model_dir.js';
import type { LockableModel } from '../models/types.js';
import type { Dataset } from '../data/types.js';
import { classNamesProblem } from '../models/serialize.js';
import { UsageError } from './errors.js';

export interface ModelFlags {
  arch?: string;
  model?: string;
  lockLayers?: string;
  seed: number;
}


function parseLayerList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--lock-layers needs a comma-separated list of layer names');
  return names;
}

/**
 * A built-in architecture sized for the data, or a user's model.json (`--model`), with its lock points. `note`
 * hears of the layers automatic placement skipped, and why.
 */
export async function modelFromFlags(flags: ModelFlags, data: Dataset, note: (line: string) => void = () => undefined): Promise<LockableModel> {
  const lockLayers = parseLayerList(flags.lockLayers);
  if (flags.model !== undefined) {
    if (flags.arch !== undefined) throw new UsageError('choose one of --arch and --model, not both');
    const loaded = await loadModelDir(flags.model, lockLayers ? { lockPoints: lockLayers } : {});
    if (!loaded.declaredLockPoints) {
      const auto = autoLockPoints(loaded.model);
      for (const s of auto.skipped) note(`lock points: skipped ${s.layer} (${s.className}): ${s.reason}`);
      loaded.lockPoints = auto;
    }
    return loaded;
  }
  const built = buildArchitecture(flags.arch ?? 'lenet5', { inputShape: data.sampleShape, numClasses: data.numClasses, seed: flags.seed });
  if (lockLayers) built.lockPoints = lockLayers.map((name) => describeLockPoint(built.model, name));
  return built;
}

/**
 * The class names the model will store: `--class-names a,b,c` when given, else the data's (a CSV label column of
 * names), else those the model already stores (a baseline's). Refused: a count that is not the model's output width,
 * names that differ from the ones a baseline stores, duplicates.
 */
export function classNamesFor(lockable: LockableModel, flag: string | undefined, data: Dataset): string[] | undefined {
  const width = lockable.model.outputs[0]?.shape.at(-1);
  const given = flag?.split(',').map((s) => s.trim());
  // Names that only repeat the class indices (MNIST's '0'..'9') say nothing: not stored.
  const fromData = data.classNames?.every((name, k) => name === String(k)) ? undefined : data.classNames;
  const names = given ?? fromData ?? lockable.classNames;
  if (names === undefined) return undefined;
  const where = given !== undefined ? '--class-names' : fromData !== undefined ? `the labels of ${data.name}` : 'the model\'s stored class names';
  const problem = classNamesProblem(names);
  if (problem !== undefined) throw new UsageError(`${where}: ${problem}`);
  if (names.length !== width) throw new UsageError(`${where} name ${names.length} classes; the model has ${width ?? 'no single'} outputs`);
  if (given === undefined && fromData !== undefined && lockable.classNames !== undefined && fromData.join('\n') !== lockable.classNames.join('\n')) {
    throw new UsageError(`the labels of ${data.name} (${fromData.join(', ')}) are not the class names the model stores (${lockable.classNames.join(', ')}): train it on these labels, or give --class-names`);
  }
  return [...names];
}
