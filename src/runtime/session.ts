/**
 * The device's face: load a protected model from a bundle source, unseal its weights and unlock its lock with one
 * set of credentials, predict. Isomorphic — it runs in Node and in the browser and imports nothing Node-only
 * (checked by tsconfig.runtime.json and a browser bundle test).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import { useBackend, type EngineOptions } from '../engine/backend.js';
import { deserializeModel, readClassNames } from '../models/serialize.js';
import type { LockableModel } from '../models/types.js';
import { outputsProbabilities, toProbabilities } from '../models/outputs.js';
import { unlockModel } from '../lock/fold.js';
import type { Password } from '../lock/password.js';
import { InputShapeError, InvalidArgumentError, ModelFormatError, SealedModelError } from '../util/errors.js';
import { openBundle, type OpenedBundle } from '../bundle/open.js';
import { urlSource, type BundleSource } from '../bundle/source.js';
import { checkContainerVersion, checkCredentials, contentKeyFrom, currentTime, passwordFrom, type CredentialOptions, type Credentials } from './credentials.js';
import { inspectContainer } from '../crypto/container.js';
import { ExpiredError } from '../crypto/errors.js';

/** A bundle source, or the URL of a bundle's directory (fetched with `urlSource`). */
export type ModelSource = BundleSource | string | URL;

export interface LoadOptions extends CredentialOptions {
  /**
   * The TF.js backend. By default the model runs on the backend the app set (`tf.setBackend`: webgl, webgpu, wasm,
   * cpu) and the runtime starts WebAssembly only when none is set; `backend` names one to start instead. `wasmPaths`
   * says where the browser finds the .wasm files.
   */
  engine?: EngineOptions;
  /**
   * Keep the locked model once unlocked, so that `unlock` can be called again (with another licence, say). Default
   * true. `false` frees its weights after the unlock: one copy of the weights in memory instead of two.
   */
  keepLocked?: boolean;
  /** Refuse a model whose weights need more bytes than this (default and ceiling: 2 GiB). */
  maxWeightBytes?: number;
}

/** One of a sample's most probable classes. */
export interface ScoredClass {
  class: number;
  /** The class name the model stores (model.json `userDefinedMetadata.edgepro.classNames`), when it stores them. */
  label?: string;
  /** Its probability. */
  score: number;
}

export interface Prediction {
  /** Most probable class per sample. */
  classes: Int32Array;
  /** Class probabilities, [samples x classes] row-major. */
  probabilities: Float32Array;
  numClasses: number;
  /** The name of each sample's most probable class, when the model stores class names. */
  labels?: string[];
  /** Each sample's `topK` most probable classes (default 1), best first. */
  top: ScoredClass[][];
}

/** Samples to predict: a tensor `[n, ...sampleShape]` (or one sample, `sampleShape`), or their values row-major. */
export type PredictInput = tf.Tensor | Float32Array | Float64Array | Int32Array | Uint8Array | Uint8ClampedArray | readonly number[];

export interface PredictOptions {
  /** How many samples a flat array holds (default: its length over the sample's size). */
  count?: number;
  /** How many of each sample's most probable classes `top` lists (default 1). */
  topK?: number;
}

/** Where the load's time went, in milliseconds (the demo shows it; benchmarks read it). */
export interface LoadTimings {
  /** model.json, the clear weights and the sealed headers read, the fingerprint computed. */
  read: number;
  /** The licence opened (signature, key derivation, unwrapping) or the owner key taken. */
  licence: number;
  /** The weights put into one buffer: the sealed ones read and decrypted into it (near 0 when nothing is sealed). */
  unseal: number;
  /** The numeric engine started (the first load's cost; near 0 after). */
  engine: number;
  /** The TF.js model built from the buffer. */
  build: number;
  /** password.edgepro decrypted and the password folded into the weights (0 when not unlocked). */
  unlock: number;
  total: number;
}

export interface UnlockTimings {
  licence: number;
  container: number;
  fold: number;
  total: number;
}

const now = () => globalThis.performance?.now() ?? Date.now();

/** A loaded model on the device: locked (if it has a lock) until its password is applied. */
export class ProtectedModel {
  private active: LayersModel | GraphModel;
  private unlocked = false;
  private lockedReleased = false;
  /** Filled in by {@link loadProtectedModel}. */
  timings: LoadTimings = { read: 0, licence: 0, unseal: 0, engine: 0, build: 0, unlock: 0, total: 0 };
  /** When the licence this session was opened with expires (ms since 1970), or null. */
  private expiry: number | null = null;

  private constructor(
    private readonly lockable: LockableModel | undefined,
    private readonly graph: GraphModel | undefined,
    private readonly bundle: Pick<OpenedBundle, 'fingerprint' | 'container' | 'sealed' | 'name'>,
    private readonly options: LoadOptions,
    /** Per-sample input shape. */
    readonly sampleShape: number[],
    readonly numClasses: number | undefined,
    private readonly names: readonly string[] | undefined,
  ) {
    this.active = (lockable?.model ?? graph)!;
  }

  /** @internal use {@link loadProtectedModel}. */
  static create(
    model: LockableModel | GraphModel,
    bundle: Pick<OpenedBundle, 'fingerprint' | 'container' | 'sealed' | 'name'>,
    options: LoadOptions,
    classNames?: readonly string[],
  ): ProtectedModel {
    const lockable = 'lockPoints' in model ? model : undefined;
    const graph = lockable === undefined ? (model as GraphModel) : undefined;
    const input = lockable ? lockable.model.inputs[0]!.shape.slice(1) : graph!.inputs[0]?.shape?.slice(1);
    const output = lockable ? lockable.model.outputs[0]!.shape.at(-1) : graph!.outputs.length === 1 ? graph!.outputs[0]!.shape?.at(-1) : undefined;
    if (input === undefined || input.some((d) => d === null || d === -1)) {
      throw new ModelFormatError(`${bundle.name}: the model needs a fixed per-sample input shape`);
    }
    const numClasses = typeof output === 'number' && output > 0 ? output : undefined;
    if (classNames !== undefined && classNames.length !== numClasses) {
      throw new ModelFormatError(`${bundle.name}: model.json names ${classNames.length} classes, the model has ${numClasses ?? 'no single'} output${numClasses === 1 ? '' : 's'}`);
    }
    return new ProtectedModel(lockable, graph, bundle, options, input as number[], numClasses, classNames);
  }

  /**
   * The TF.js model, for apps that already have inference code: the unlocked model once unlocked (a
   * `tf.LayersModel`, or the `tf.GraphModel` of a sealed graph model). Owned by this session: `dispose` frees it.
   */
  get model(): LayersModel | GraphModel {
    return this.active;
  }

  /** True when the model has a lock (password.edgepro), whether or not it is unlocked. */
  get isLocked(): boolean {
    return this.bundle.container !== undefined;
  }

  /** True once the password has been applied, or when there is no lock to apply. */
  get isUnlocked(): boolean {
    return this.unlocked || !this.isLocked;
  }

  /** True when the model's weights came sealed. */
  get isSealed(): boolean {
    return this.bundle.sealed.length > 0;
  }

  /**
   * When the licence (or container) this session was opened with expires, in ms since 1970, or null. `predict`
   * refuses from then on (ExpiredError); an app that runs {@link ProtectedModel.model} itself checks this, or calls
   * {@link ProtectedModel.checkLicence}, before each use.
   */
  get expiresAt(): number | null {
    return this.expiry;
  }

  /** @internal */
  limitTo(expiresAt: number | null): void {
    if (expiresAt !== null) this.expiry = this.expiry === null ? expiresAt : Math.min(this.expiry, expiresAt);
  }

  /** Throws ExpiredError (or ClockError, for a clock that went back) once the licence has expired. */
  checkLicence(): void {
    if (this.expiry === null) return;
    const now = currentTime(this.options);
    if (now >= this.expiry) throw new ExpiredError(`the licence of ${this.bundle.name} expired at ${new Date(this.expiry).toISOString()}`);
  }

  /** @internal applies a password (the fold). */
  applyPassword(password: Password, keepLocked: boolean): void {
    if (this.lockedReleased) {
      throw new InvalidArgumentError('this session freed its locked model after unlocking (keepLocked: false): load the model again to apply another password');
    }
    if (this.lockable === undefined) throw new ModelFormatError(`${this.bundle.name}: a graph model has no lock to unlock`);
    const { model } = unlockModel(this.lockable, password);
    if (this.unlocked) this.active.dispose();
    this.active = model;
    this.unlocked = true;
    if (!keepLocked) {
      this.lockable.model.dispose();
      this.lockedReleased = true;
    }
  }

  /**
   * Applies the password the credentials give — a licence or the owner key opens password.edgepro; a password is
   * applied as it is — by folding it into the weights, so from here on inference costs what the unprotected model's
   * does. With `keepLocked: false` (at load) the locked model's weights are freed, and this session cannot be
   * unlocked again.
   *
   * @example
   * ```ts
   * const timings = await session.unlock({ licence, passphrase, vendorKey });
   * ```
   */
  async unlock(credentials: Credentials): Promise<UnlockTimings> {
    checkCredentials(credentials);
    if (this.lockable === undefined) throw new ModelFormatError(`${this.bundle.name}: a graph model has no lock to unlock`);
    const started = now();
    const { contentKey, expiresAt } = await contentKeyFrom(credentials, this.bundle.fingerprint, this.options);
    const opened = now();
    let password: Password | undefined;
    try {
      password = await passwordFrom(credentials, contentKey, this.bundle.container, this.bundle.fingerprint, this.lockable.lockPoints, this.options);
    } finally {
      contentKey?.fill(0);
    }
    if (password === undefined) throw new ModelFormatError(`${this.bundle.name}: the model has no password.edgepro, so there is no lock to open`);
    const decrypted = now();
    this.applyPassword(password, this.options.keepLocked ?? true);
    this.limitTo(expiresAt);
    this.limitTo(this.bundle.container === undefined ? null : inspectContainer(this.bundle.container).expiresAt);
    const folded = now();
    return { licence: opened - started, container: decrypted - opened, fold: folded - decrypted, total: folded - started };
  }

  /** The class names the model stores (`classNames[k]` for class k), or undefined. */
  get classNames(): readonly string[] | undefined {
    return this.names;
  }

  /**
   * The model's raw output for `input` (a tensor, `[n, ...sampleShape]`), as `tf.LayersModel.predict` gives it: a
   * tensor the caller disposes (or several, for a model with several outputs). Refuses once the licence expired.
   */
  run(input: tf.Tensor): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap {
    this.checkLicence();
    if (!(input instanceof tf.Tensor)) throw new InvalidArgumentError('run takes a tf.Tensor; predict also takes arrays');
    return this.active.predict(input);
  }

  /**
   * Class probabilities of the samples, as a tensor `[n, numClasses]` the caller disposes: softmax of the outputs,
   * unless the model already ends in softmax. Nothing is read back from the backend.
   */
  probabilities(input: PredictInput, options: Pick<PredictOptions, 'count'> = {}): tf.Tensor2D {
    this.checkClassifier();
    this.checkLicence();
    const softmaxed = this.lockable !== undefined && outputsProbabilities(this.lockable.model);
    return tf.tidy(() => {
      const x = this.inputTensor(input, options.count);
      const out = this.active.predict(x) as tf.Tensor;
      return tf.reshape(toProbabilities(out, softmaxed), [x.shape[0]!, this.numClasses!]) as tf.Tensor2D;
    });
  }

  /**
   * Runs a classifier on samples given as a tensor (`[n, ...sampleShape]`, or one sample) or as their values in one
   * flat array (row-major); the caller keeps its tensor. Resolves to the most probable class of each sample, the
   * probabilities, and the `topK` best classes with their names when the model stores them. The values are read
   * back asynchronously (`tensor.data()`), so a webgl or webgpu backend is not stalled. A model with several outputs
   * (a detector, say) is run with {@link ProtectedModel.run} or {@link ProtectedModel.model}.
   *
   * @example
   * ```ts
   * const { classes, labels, top } = await session.predict(pixels, { topK: 3 });
   * const probs = session.probabilities(tf.browser.fromPixels(canvas, 1).div(255).expandDims()); // a tensor
   * ```
   */
  async predict(input: PredictInput, options: PredictOptions = {}): Promise<Prediction> {
    const probabilities = this.probabilities(input, options);
    try {
      return this.describe((await probabilities.data()) as Float32Array, options.topK);
    } finally {
      probabilities.dispose();
    }
  }

  /**
   * {@link ProtectedModel.predict} for code that cannot await: it waits for the backend (`dataSync`), which on webgl
   * or webgpu blocks the page. Prefer `predict`.
   */
  predictSync(input: PredictInput, options: PredictOptions = {}): Prediction {
    const probabilities = this.probabilities(input, options);
    try {
      return this.describe(probabilities.dataSync() as Float32Array, options.topK);
    } finally {
      probabilities.dispose();
    }
  }

  /** The most probable class of each sample. */
  async predictClass(input: PredictInput, options: Pick<PredictOptions, 'count'> = {}): Promise<Int32Array> {
    return (await this.predict(input, options)).classes;
  }

  // --- predict's pieces ---

  private checkClassifier(): void {
    if (this.numClasses === undefined) throw new InvalidArgumentError(`${this.bundle.name}: not a classifier with one output; run session.run or session.model directly`);
  }

  /** The input as a float32 tensor `[n, ...sampleShape]` (inside a tidy: a new tensor, or the caller's reshaped). */
  private inputTensor(input: PredictInput, count: number | undefined): tf.Tensor {
    const shape = this.sampleShape;
    const per = shape.reduce((a, b) => a * b, 1);
    const where = `samples of shape [${shape.join(', ')}]`;
    if (input instanceof tf.Tensor) {
      if (input.isDisposed) throw new InvalidArgumentError('the input tensor is disposed');
      const single = input.rank === shape.length;
      const dims = single ? input.shape : input.shape.slice(1);
      if (dims.length !== shape.length || dims.some((d, i) => d !== shape[i]) || (!single && input.rank !== shape.length + 1) || input.size === 0) {
        throw new InputShapeError(`input tensor has shape [${input.shape.join(', ')}]; expected [n, ${shape.join(', ')}] (${where})`);
      }
      if (count !== undefined && count !== (single ? 1 : input.shape[0])) throw new InputShapeError(`count ${count} does not match the input tensor's ${single ? 1 : input.shape[0]} samples`);
      if (input.dtype !== 'float32' && input.dtype !== 'int32' && input.dtype !== 'bool') throw new InputShapeError(`input tensor has dtype ${input.dtype}; expected numbers`);
      const x = input.dtype === 'float32' ? input : tf.cast(input, 'float32');
      return single ? tf.expandDims(x, 0) : x;
    }
    if (!ArrayBuffer.isView(input) && !Array.isArray(input)) {
      throw new InvalidArgumentError('predict takes a tf.Tensor, a typed array or an array of numbers');
    }
    const values = input as ArrayLike<number>;
    const n = count ?? values.length / per;
    if (!Number.isInteger(n) || n < 1 || n * per !== values.length) {
      throw new InputShapeError(`input has ${values.length} values; expected a multiple of ${per} (${where})`);
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) throw new InputShapeError(`input value ${i} is ${values[i]}; inputs must be finite numbers`);
    }
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    return tf.tensor(data, [n, ...shape], 'float32');
  }

  private describe(probabilities: Float32Array, topK = 1): Prediction {
    const k = this.numClasses!;
    if (!Number.isInteger(topK) || topK < 1) throw new InvalidArgumentError(`topK must be a positive integer, got ${topK}`);
    const take = Math.min(topK, k);
    const n = probabilities.length / k;
    const classes = new Int32Array(n);
    const top: ScoredClass[][] = [];
    const names = this.names;
    for (let i = 0; i < n; i++) {
      const row = probabilities.subarray(i * k, (i + 1) * k);
      const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => row[b]! - row[a]! || a - b);
      classes[i] = order[0]!;
      top.push(order.slice(0, take).map((c) => (names === undefined ? { class: c, score: row[c]! } : { class: c, label: names[c]!, score: row[c]! })));
    }
    return {
      classes,
      probabilities,
      numClasses: k,
      top,
      ...(names !== undefined ? { labels: Array.from(classes, (c) => names[c]!) } : {}),
    };
  }

  /** Releases the model's tensors. */
  dispose(): void {
    if (this.graph !== undefined) {
      this.graph.dispose();
      return;
    }
    if (this.unlocked) this.active.dispose();
    if (!this.lockedReleased) this.lockable!.model.dispose();
  }
}

function toSource(source: ModelSource): BundleSource {
  if (typeof source === 'string' || source instanceof URL) return urlSource(source);
  if (typeof source !== 'object' || source === null || typeof (source as BundleSource).read !== 'function') {
    throw new InvalidArgumentError('source must be a bundle source (Bundle, urlSource(...), directorySource(...) from edgepro/node) or a URL');
  }
  return source;
}

/** A graph model's artifacts, its weights the (decrypted) buffer. */
function graphArtifacts(opened: OpenedBundle, weights: ArrayBuffer): tf.io.ModelArtifacts {
  const doc = opened.modelJson;
  return {
    modelTopology: doc.modelTopology,
    weightSpecs: opened.weightSpecs as tf.io.WeightsManifestEntry[],
    weightData: weights,
    format: doc.format,
    generatedBy: doc.generatedBy,
    convertedBy: doc.convertedBy ?? undefined,
    ...(doc.signature !== undefined ? { signature: doc.signature } : {}),
    ...(doc.userDefinedMetadata !== undefined ? { userDefinedMetadata: doc.userDefinedMetadata as Record<string, object> } : {}),
    ...(doc.modelInitializer !== undefined ? { modelInitializer: doc.modelInitializer } : {}),
  } as tf.io.ModelArtifacts;
}

async function buildModel(opened: OpenedBundle, weights: ArrayBuffer): Promise<LockableModel | GraphModel> {
  if (opened.kind === 'layers') return deserializeModel(opened.modelJson as never, new Uint8Array(weights), { source: opened.name });
  try {
    return await loadGraphModel(tf.io.fromMemory(graphArtifacts(opened, weights)));
  } catch (cause) {
    throw new ModelFormatError(`${opened.name}: the graph model could not be loaded: ${(cause as Error).message}`, { cause });
  }
}

function disposeBuilt(model: LockableModel | GraphModel | tf.io.ModelArtifacts): void {
  if ('lockPoints' in model) model.model.dispose();
  else if (model instanceof GraphModel) model.dispose();
}

/** What a load opened: the model built (locked, if it has a lock), and the password the credentials gave. */
export interface OpenedModel {
  /** The model built; for a graph model opened with `graph: 'artifacts'`, its artifacts instead. */
  model: LockableModel | GraphModel | tf.io.ModelArtifacts;
  bundle: Pick<OpenedBundle, 'fingerprint' | 'container' | 'sealed' | 'name' | 'kind' | 'modelJson' | 'weightSpecs'>;
  /** The password to fold in, or undefined (no credentials, or no lock). */
  password: Password | undefined;
  /** The earliest expiry of the licence and the container, or null. */
  expiresAt: number | null;
  classNames: string[] | undefined;
  timings: Omit<LoadTimings, 'unlock' | 'total'>;
  /** When the load started and when the model was built (before the password was decrypted), for the timings. */
  startedAt: number;
  builtAt: number;
}

/**
 * The steps a load shares with {@link protectedModelHandler}: the bundle read and checked, the licence opened, the
 * weights unsealed, the model built on the backend the app chose (or wasm), the password taken from the container.
 * The content key is zeroed before this returns.
 *
 * @internal
 */
export async function openProtectedModel(
  source: ModelSource,
  credentials: Credentials | undefined,
  options: LoadOptions,
  graph: 'model' | 'artifacts' = 'model',
): Promise<OpenedModel> {
  if (credentials !== undefined) checkCredentials(credentials);
  const started = now();
  const opened = await openBundle(toSource(source), options.maxWeightBytes === undefined ? {} : { maxWeightBytes: options.maxWeightBytes });
  let contentKey: Uint8Array | undefined;
  let expiresAt: number | null = null;
  let model: LockableModel | GraphModel | tf.io.ModelArtifacts;
  let classNames: string[] | undefined;
  let read: number, licensed: number, unsealed: number, engineReady: number;
  try {
    if (opened.container !== undefined) checkContainerVersion(opened.container);
    if (opened.sealed.length > 0 && (credentials === undefined || 'password' in credentials)) {
      throw new SealedModelError(`${opened.name}: the weights are sealed; loading needs a licence (with its passphrase or device key) or the owner key`);
    }
    classNames = readClassNames(opened.modelJson, opened.name);
    read = now();
    if (credentials !== undefined) ({ contentKey, expiresAt } = await contentKeyFrom(credentials, opened.fingerprint, options));
    licensed = now();
    const weights = await opened.weights(opened.sealed.length > 0 ? contentKey : undefined);
    unsealed = now();
    await useBackend(options.engine);
    engineReady = now();
    model = graph === 'artifacts' && opened.kind === 'graph' ? graphArtifacts(opened, weights) : await buildModel(opened, weights);
  } catch (error) {
    contentKey?.fill(0);
    // A refused load stops reading: no download of sealed weights is left running.
    await opened.close();
    throw error;
  }
  const built = now();
  let password: Password | undefined;
  try {
    if (credentials !== undefined && (opened.container !== undefined || 'password' in credentials)) {
      if (!('lockPoints' in model)) throw new ModelFormatError(`${opened.name}: a graph model carries no lock`);
      if (model.lockPoints.length === 0) throw new ModelFormatError(`${opened.name} names no lock points (edgepro metadata missing): it was not locked by edgepro`);
      password = await passwordFrom(credentials, contentKey, opened.container, opened.fingerprint, model.lockPoints, options);
      if (opened.container !== undefined && contentKey !== undefined) {
        const until = inspectContainer(opened.container).expiresAt;
        if (until !== null) expiresAt = expiresAt === null ? until : Math.min(expiresAt, until);
      }
    }
  } catch (error) {
    disposeBuilt(model);
    throw error;
  } finally {
    contentKey?.fill(0);
  }
  const { fingerprint, container, sealed, name, kind, modelJson, weightSpecs } = opened;
  return {
    model,
    // Only what unlocking needs: holding `opened` itself would keep the file bytes alive as long as the session.
    bundle: { fingerprint, container, sealed, name, kind, modelJson, weightSpecs },
    password,
    expiresAt,
    classNames,
    timings: { read: read - started, licence: licensed - read, unseal: unsealed - licensed, engine: engineReady - unsealed, build: built - engineReady },
    startedAt: started,
    builtAt: built,
  };
}

/**
 * Loads a protected model, at any protection level, with the credentials that open it:
 * - sealed weights need a licence or the owner key (without them: `SealedModelError`, there is nothing to run);
 * - a lock (password.edgepro) is opened by the same licence or key and folded into the weights; without
 *   credentials a model whose weights are in the clear loads locked (it runs, uselessly).
 *
 * Everything the credentials are checked against — model.json and the weight files as shipped — is bound into the
 * bundle fingerprint that licences and the container carry. Failures are typed: ModelFormatError (files, manifest),
 * SealedModelError, MalformedError / UnsupportedVersionError (container or licence structure), ModelMismatchError
 * (a licence or container of another bundle), SignatureError, DecryptionFailedError (wrong passphrase or device key,
 * or altered bytes: one error), ExpiredError (also from `predict` once the licence has expired), ClockError (a clock
 * before the licence's issue time, or set back past the clock adapter's `lastSeen`), InvalidArgumentError (a licence
 * without `vendorKey` or `allowUnsigned: true`, among others).
 *
 * @example
 * ```ts
 * import { loadProtectedModel, urlSource } from 'edgepro/runtime';
 * const session = await loadProtectedModel(urlSource('/models/lenet5/'), { licence, passphrase, vendorKey });
 * const { classes, labels } = await session.predict(pixels); // 784 values per digit, 0..1
 * ```
 */
export async function loadProtectedModel(source: ModelSource, credentials?: Credentials, options: LoadOptions = {}): Promise<ProtectedModel> {
  const { model, bundle, password, expiresAt, classNames, timings, startedAt, builtAt } = await openProtectedModel(source, credentials, options);
  let session: ProtectedModel;
  try {
    session = ProtectedModel.create(model as LockableModel | GraphModel, { fingerprint: bundle.fingerprint, container: bundle.container, sealed: bundle.sealed, name: bundle.name }, options, classNames);
  } catch (error) {
    disposeBuilt(model);
    throw error;
  }
  try {
    if (password !== undefined) session.applyPassword(password, options.keepLocked ?? true);
    session.limitTo(expiresAt);
  } catch (error) {
    session.dispose();
    throw error;
  }
  const done = now();
  session.timings = { ...timings, unlock: done - builtAt, total: done - startedAt };
  return session;
}
