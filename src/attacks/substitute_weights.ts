/**
 * Filling a thief's sealed weights: copying them from a substitute of the same architecture, trained by the thief on
 * their own share or on another public dataset. The substitute attack (substitute.ts) uses these; so can a study.
 */
import type { Dataset } from '../data/types.js';
import type { LockableModel } from '../models/types.js';
import { InvalidArgumentError, SubstituteMismatchError } from '../util/errors.js';
import { freshCopy, tune } from './tune.js';

/**
 * Writes `from`'s values of the `sealed` weights into `into`, in place; every other weight of `into` is left as it
 * is. Refuses (SubstituteMismatchError) a sealed weight that either model lacks or that differs in shape.
 */
export function copySealedWeights(into: LockableModel, from: LockableModel, sealed: readonly string[]): void {
  const source = new Map(from.model.weights.map((w) => [w.originalName, w]));
  const target = new Map(into.model.weights.map((w) => [w.originalName, w]));
  for (const name of sealed) {
    const a = target.get(name);
    const b = source.get(name);
    if (a === undefined || b === undefined) throw new SubstituteMismatchError(`sealed weight ${name} is not in the ${a === undefined ? 'model' : 'substitute'}`);
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
      throw new SubstituteMismatchError(`sealed weight ${name} has shape [${a.shape.join(', ')}] but the substitute's is [${b.shape.join(', ')}]`);
    }
  }
  for (const name of sealed) target.get(name)!.write(source.get(name)!.read());
}

/** Refuses a public dataset whose samples or classes do not fit the model's input and output. */
export function checkPublicData(model: LockableModel, data: Dataset): void {
  const input = model.model.inputs[0]?.shape.slice(1) ?? [];
  if (input.length !== data.sampleShape.length || input.some((d, i) => d !== null && d !== data.sampleShape[i])) {
    throw new SubstituteMismatchError(`public dataset ${data.name} has samples of shape [${data.sampleShape.join(', ')}] but the model takes [${input.join(', ')}]`);
  }
  const output = model.model.outputs[0]?.shape.at(-1);
  if (typeof output === 'number' && output !== data.numClasses) {
    throw new SubstituteMismatchError(`public dataset ${data.name} has ${data.numClasses} classes but the model has ${output} outputs`);
  }
}

/**
 * A substitute of `model`'s architecture trained from scratch on `data` (Adam 0.001): what a thief trains on another
 * public dataset to fill sealed layers with.
 */
export async function trainSubstitute(model: LockableModel, data: Dataset, options: { epochs?: number; batchSize?: number; seed?: number } = {}): Promise<LockableModel> {
  checkPublicData(model, data);
  const seed = options.seed ?? 0;
  const substitute = await freshCopy(model, seed + 7);
  const { diverged } = tune(substitute, data, { name: 'adam-0.001', optimizer: 'adam', learningRate: 0.001 }, { epochs: options.epochs ?? 5, batchSize: options.batchSize ?? 32, seed });
  if (diverged) throw new InvalidArgumentError(`the substitute trained on ${data.name} diverged`);
  return substitute;
}
