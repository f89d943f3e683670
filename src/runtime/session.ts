/**
 * The device's face: load a protected model, unlock it with its password, predict. Isomorphic — it runs in Node and
 * in the browser and imports nothing Node-only (checked by tsconfig.runtime.json).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type EngineOptions } from '../engine/index.js';
import { deserializeModel, parseModelJson } from '../models/serialize.js';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LockableModel } from '../models/types.js';
import { outputsProbabilities, toProbabilities } from '../train/loss.js';
import { unlockModel } from '../lock/fold.js';
import { decodePassword, validatePassword, type Password } from '../lock/password.js';
import { InputShapeError, ModelFormatError } from '../util/errors.js';

/** Where the model comes from: its two files' contents, or the URL of model.json (weights fetched beside it). */
export type ModelSource =
  | { modelJson: string | object; weights: Uint8Array | ArrayBuffer }
  | { url: string; fetch?: typeof globalThis.fetch };

export interface LoadOptions {
  /** The password (object or its encoded bytes). Without one the model stays locked: it runs, uselessly. */
  password?: Password | Uint8Array;
  /** Engine set-up (backend, where the browser finds the .wasm files). */
  engine?: EngineOptions;
}

export interface Prediction {
  /** Most probable class per sample. */
  classes: Int32Array;
  /** Class probabilities, [samples x classes] row-major. */
  probabilities: Float32Array;
  numClasses: number;
}

async function fetchBytes(url: string, fetchImpl: typeof globalThis.fetch): Promise<Uint8Array> {
  const response = await fetchImpl(url);
  if (!response.ok) throw new ModelFormatError(`could not fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function readSource(source: ModelSource): Promise<{ text: string; weights: Uint8Array; name: string }> {
  if ('url' in source) {
    const fetchImpl = source.fetch ?? globalThis.fetch;
    const text = new TextDecoder().decode(await fetchBytes(source.url, fetchImpl));
    const json = parseModelJson(text, source.url);
    const parts = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => fetchBytes(new URL(p, source.url).toString(), fetchImpl)));
    const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      weights.set(part, offset);
      offset += part.byteLength;
    }
    return { text, weights, name: source.url };
  }
  const text = typeof source.modelJson === 'string' ? source.modelJson : JSON.stringify(source.modelJson);
  return { text, weights: source.weights instanceof Uint8Array ? source.weights : new Uint8Array(source.weights), name: 'model.json' };
}

/** A loaded model on the device: locked until a valid password is applied. */
export class ProtectedModel {
  private active: LayersModel;
  private readonly probabilitiesOut: boolean;
  private unlocked = false;

  private constructor(
    private readonly lockable: LockableModel,
    readonly sampleShape: number[],
    readonly numClasses: number,
  ) {
    this.active = lockable.model;
    this.probabilitiesOut = outputsProbabilities(lockable.model);
  }

  /** @internal use {@link loadProtectedModel}. */
  static create(lockable: LockableModel): ProtectedModel {
    const input = lockable.model.inputs[0]!.shape.slice(1);
    const output = lockable.model.outputs[0]!.shape.at(-1);
    if (input.some((d) => d === null) || typeof output !== 'number') throw new ModelFormatError('the model needs a fixed input shape and number of classes');
    return new ProtectedModel(lockable, input as number[], output);
  }

  /** True once a password has been applied. */
  get isUnlocked(): boolean {
    return this.unlocked;
  }

  /**
   * Applies the password: folds the locks into the next layers (or inserts lock ops where folding is not exact), so
   * from here on inference costs what the unprotected model's does.
   */
  unlock(password: Password | Uint8Array): void {
    const checked = password instanceof Uint8Array ? decodePassword(password, this.lockable.lockPoints) : validatePassword(password, this.lockable.lockPoints);
    const { model } = unlockModel(this.lockable, checked);
    if (this.unlocked) this.active.dispose();
    this.active = model;
    this.unlocked = true;
  }

  /**
   * Runs the model on `count` samples given as one flat array (row-major, each of `sampleShape`).
   * Probabilities are softmax of the outputs unless the model already ends in softmax.
   */
  predict(input: Float32Array | number[], count?: number): Prediction {
    const per = this.sampleShape.reduce((a, b) => a * b, 1);
    const n = count ?? input.length / per;
    if (!Number.isInteger(n) || n < 1 || n * per !== input.length) {
      throw new InputShapeError(`input has ${input.length} values; expected a multiple of ${per} (samples of shape [${this.sampleShape.join(', ')}])`);
    }
    for (let i = 0; i < input.length; i++) {
      if (!Number.isFinite(input[i]!)) throw new InputShapeError(`input value ${i} is ${input[i]}; inputs must be finite numbers`);
    }
    const probabilities = tf.tidy(() => {
      const out = this.active.predict(tf.tensor(input instanceof Float32Array ? input : Float32Array.from(input), [n, ...this.sampleShape])) as tf.Tensor;
      return toProbabilities(out, this.probabilitiesOut);
    });
    const probs = probabilities.dataSync() as Float32Array;
    const classes = tf.tidy(() => tf.argMax(probabilities, -1).dataSync() as Int32Array);
    probabilities.dispose();
    return { classes, probabilities: probs, numClasses: this.numClasses };
  }

  /** The most probable class of each sample. */
  predictClass(input: Float32Array | number[], count?: number): Int32Array {
    return this.predict(input, count).classes;
  }

  /** Releases the model's tensors. */
  dispose(): void {
    if (this.unlocked) this.active.dispose();
    this.lockable.model.dispose();
  }
}

/**
 * Loads a protected model and, given its password, unlocks it.
 *
 * @example
 * ```ts
 * import { loadProtectedModel } from 'edgepro/runtime';
 * const model = await loadProtectedModel({ url: '/models/lenet5/model.json' }, { password });
 * const { classes } = model.predict(pixels); // 784 values per digit, 0..1
 * ```
 */
export async function loadProtectedModel(source: ModelSource, options: LoadOptions = {}): Promise<ProtectedModel> {
  await initEngine(options.engine);
  const { text, weights, name } = await readSource(source);
  const lockable = await deserializeModel(parseModelJson(text, name), weights, { source: name });
  if (lockable.lockPoints.length === 0 && options.password !== undefined) {
    throw new ModelFormatError(`${name} names no lock points (edgepro metadata missing): it was not protected by edgepro`);
  }
  const session = ProtectedModel.create(lockable);
  if (options.password !== undefined) session.unlock(options.password);
  return session;
}
