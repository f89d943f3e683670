import { buildArchitecture } from '../models/registry.js';
import { autoLockPoints, describeLockPoint } from '../models/lock_points.js';
import { loadModelDir } from '../owner/model_dir.js';
import type { LockableModel } from '../models/types.js';
import type { Dataset } from '../data/types.js';
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
