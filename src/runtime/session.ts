/**
 * The device's face: load a protected model from a bundle source, unseal its weights and unlock its lock with one
 * set of credentials, predict. Isomorphic — it runs in Node and in the browser and imports nothing Node-only
 * (checked by tsconfig.runtime.json and a browser bundle test).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { initEngine, type EngineOptions } from '../engine/index.js';
import { deserializeModel } from '../models/serialize.js';
import type { LockableModel } from '../models/types.js';
import { outputsProbabilities, toProbabilities } from '../train/loss.js';
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
  /** Engine set-up (backend, where the browser finds the .wasm files). */
  engine?: EngineOptions;
  /**
   * Keep the locked model once unlocked, so that `unlock` can be called again (with another licence, say). Default
   * true. `false` frees its weights after the unlock: one copy of the weights in memory instead of two.
   */
  keepLocked?: boolean;
  /** Refuse a model whose weights need more bytes than this (default and ceiling: 2 GiB). */
  maxWeightBytes?: number;
}

export interface Prediction {
  /** Most probable class per sample. */
  classes: Int32Array;
  /** Class probabilities, [samples x classes] row-major. */
  probabilities: Float32Array;
  numClasses: number;
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
  ) {
    this.active = (lockable?.model ?? graph)!;
  }

  /** @internal use {@link loadProtectedModel}. */
  static create(model: LockableModel | GraphModel, bundle: Pick<OpenedBundle, 'fingerprint' | 'container' | 'sealed' | 'name'>, options: LoadOptions): ProtectedModel {
    const lockable = 'lockPoints' in model ? model : undefined;
    const graph = lockable === undefined ? (model as GraphModel) : undefined;
    const input = lockable ? lockable.model.inputs[0]!.shape.slice(1) : graph!.inputs[0]?.shape?.slice(1);
    const output = lockable ? lockable.model.outputs[0]!.shape.at(-1) : graph!.outputs.length === 1 ? graph!.outputs[0]!.shape?.at(-1) : undefined;
    if (input === undefined || input.some((d) => d === null || d === -1)) {
      throw new ModelFormatError(`${bundle.name}: the model needs a fixed per-sample input shape`);
    }
    return new ProtectedModel(lockable, graph, bundle, options, input as number[], typeof output === 'number' && output > 0 ? output : undefined);
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

  /**
   * Runs a classifier on `count` samples given as one flat array (row-major, each of `sampleShape`). Probabilities
   * are softmax of the outputs unless the model already ends in softmax. A model with several outputs (a detector,
   * say) is run through {@link ProtectedModel.model} instead.
   */
  predict(input: Float32Array | number[], count?: number): Prediction {
    if (this.numClasses === undefined) throw new InvalidArgumentError(`${this.bundle.name}: not a classifier with one output; run session.model directly`);
    this.checkLicence();
    const per = this.sampleShape.reduce((a, b) => a * b, 1);
    const n = count ?? input.length / per;
    if (!Number.isInteger(n) || n < 1 || n * per !== input.length) {
      throw new InputShapeError(`input has ${input.length} values; expected a multiple of ${per} (samples of shape [${this.sampleShape.join(', ')}])`);
    }
    for (let i = 0; i < input.length; i++) {
      if (!Number.isFinite(input[i]!)) throw new InputShapeError(`input value ${i} is ${input[i]}; inputs must be finite numbers`);
    }
    const softmaxed = this.lockable !== undefined && outputsProbabilities(this.lockable.model);
    const probabilities = tf.tidy(() => {
      const x = tf.tensor(input instanceof Float32Array ? input : Float32Array.from(input), [n, ...this.sampleShape]);
      const out = this.active.predict(x) as tf.Tensor;
      return toProbabilities(out, softmaxed);
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

async function buildModel(opened: OpenedBundle, weights: ArrayBuffer): Promise<LockableModel | GraphModel> {
  if (opened.kind === 'layers') return deserializeModel(opened.modelJson as never, new Uint8Array(weights), { source: opened.name });
  const doc = opened.modelJson;
  try {
    return await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: doc.modelTopology,
        weightSpecs: opened.weightSpecs as tf.io.WeightsManifestEntry[],
        weightData: weights,
        format: doc.format,
        generatedBy: doc.generatedBy,
        convertedBy: doc.convertedBy ?? undefined,
        ...(doc.signature !== undefined ? { signature: doc.signature } : {}),
        ...(doc.userDefinedMetadata !== undefined ? { userDefinedMetadata: doc.userDefinedMetadata as Record<string, object> } : {}),
        ...(doc.modelInitializer !== undefined ? { modelInitializer: doc.modelInitializer } : {}),
      } as tf.io.ModelArtifacts),
    );
  } catch (cause) {
    throw new ModelFormatError(`${opened.name}: the graph model could not be loaded: ${(cause as Error).message}`, { cause });
  }
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
 * const { classes } = session.predict(pixels); // 784 values per digit, 0..1
 * ```
 */
export async function loadProtectedModel(source: ModelSource, credentials?: Credentials, options: LoadOptions = {}): Promise<ProtectedModel> {
  if (credentials !== undefined) checkCredentials(credentials);
  const started = now();
  const opened = await openBundle(toSource(source), options.maxWeightBytes === undefined ? {} : { maxWeightBytes: options.maxWeightBytes });
  let contentKey: Uint8Array | undefined;
  let expiresAt: number | null = null;
  let model: LockableModel | GraphModel;
  let read: number, licensed: number, unsealed: number, engineReady: number;
  try {
    if (opened.container !== undefined) checkContainerVersion(opened.container);
    if (opened.sealed.length > 0 && (credentials === undefined || 'password' in credentials)) {
      throw new SealedModelError(`${opened.name}: the weights are sealed; loading needs a licence (with its passphrase or device key) or the owner key`);
    }
    read = now();
    if (credentials !== undefined) ({ contentKey, expiresAt } = await contentKeyFrom(credentials, opened.fingerprint, options));
    licensed = now();
    const weights = await opened.weights(opened.sealed.length > 0 ? contentKey : undefined);
    unsealed = now();
    await initEngine(options.engine);
    engineReady = now();
    model = await buildModel(opened, weights);
  } catch (error) {
    contentKey?.fill(0);
    // A refused load stops reading: no download of sealed weights is left running.
    await opened.close();
    throw error;
  }
  const built = now();
  // Only what unlocking needs: holding `opened` itself would keep the file bytes alive as long as the session.
  const session = ProtectedModel.create(model, { fingerprint: opened.fingerprint, container: opened.container, sealed: opened.sealed, name: opened.name }, options);
  try {
    if (credentials !== undefined && (opened.container !== undefined || 'password' in credentials)) {
      if (!('lockPoints' in model)) throw new ModelFormatError(`${opened.name}: a graph model carries no lock`);
      if (model.lockPoints.length === 0) throw new ModelFormatError(`${opened.name} names no lock points (edgepro metadata missing): it was not locked by edgepro`);
      const password = await passwordFrom(credentials, contentKey, opened.container, opened.fingerprint, model.lockPoints, options);
      if (password !== undefined) session.applyPassword(password, options.keepLocked ?? true);
      if (opened.container !== undefined && contentKey !== undefined) session.limitTo(inspectContainer(opened.container).expiresAt);
    }
    session.limitTo(expiresAt);
  } catch (error) {
    session.dispose();
    throw error;
  } finally {
    contentKey?.fill(0);
  }
  const done = now();
  session.timings = {
    read: read - started,
    licence: licensed - read,
    unseal: unsealed - licensed,
    engine: engineReady - unsealed,
    build: built - engineReady,
    unlock: done - built,
    total: done - started,
  };
  return session;
}
