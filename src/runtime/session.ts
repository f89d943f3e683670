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
import { InputShapeError, InvalidArgumentError, ModelFormatError } from '../util/errors.js';
import { fingerprintWeights } from '../crypto/fingerprint.js';
import { openContainer } from '../crypto/container.js';
import { openLicence, type LicenceKey, type OpenLicenceOptions } from '../crypto/licence.js';
import type { KdfLimits } from '../crypto/kdf.js';
import { readSource, type ModelSource, type SourceBytes } from './source.js';

export interface LoadOptions {
  /**
   * The owner's own use: the password itself (object or its encoded bytes), no container involved. Devices use a
   * licence instead. Without any of password, licence or contentKey the model stays locked: it runs, uselessly.
   */
  password?: Password | Uint8Array;
  /** A licence (the content key of password.edgepro, wrapped for this device or passphrase). */
  licence?: Uint8Array | ArrayBuffer;
  /** Opens a passphrase licence. */
  passphrase?: string;
  /** Opens a device licence: this device's X25519 private key, 32 bytes (`decodeKeyFile(text, 'device-private').key`). */
  deviceKey?: Uint8Array;
  /** The vendor's Ed25519 public key: with it, unsigned or forged licences are refused (SignatureError). */
  vendorKey?: Uint8Array;
  /** The owner key (`owner.key`): opens password.edgepro directly, without a licence. */
  contentKey?: Uint8Array;
  /** Clock for expiry checks (default: now). */
  now?: Date | number;
  /** Tighter caps on a passphrase licence's KDF parameters. */
  kdfLimits?: Partial<KdfLimits>;
  /** Engine set-up (backend, where the browser finds the .wasm files). */
  engine?: EngineOptions;
  /**
   * Keep the locked model once unlocked, so that `unlock` can be called again (with another licence's password, say).
   * Default true. `false` frees its weights after the unlock: the session then holds one copy of the weights instead
   * of two, which is what a memory-bound device wants.
   */
  keepLocked?: boolean;
}

export interface Prediction {
  /** Most probable class per sample. */
  classes: Int32Array;
  /** Class probabilities, [samples x classes] row-major. */
  probabilities: Float32Array;
  numClasses: number;
}

/** A loaded model on the device: locked until a valid password is applied. */
export class ProtectedModel {
  private active: LayersModel;
  private readonly probabilitiesOut: boolean;
  private unlocked = false;
  private lockedReleased = false;

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
   * from here on inference costs what the unprotected model's does. With `keepLocked: false` the locked model's
   * weights are freed afterwards, and this session cannot be unlocked again.
   */
  unlock(password: Password | Uint8Array, options: { keepLocked?: boolean } = {}): void {
    if (this.lockedReleased) {
      throw new InvalidArgumentError('this session freed its locked model after unlocking (keepLocked: false): load the model again to apply another password');
    }
    const checked = password instanceof Uint8Array ? decodePassword(password, this.lockable.lockPoints) : validatePassword(password, this.lockable.lockPoints);
    const { model } = unlockModel(this.lockable, checked);
    if (this.unlocked) this.active.dispose();
    this.active = model;
    this.unlocked = true;
    if (options.keepLocked === false) {
      this.lockable.model.dispose();
      this.lockedReleased = true;
    }
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
    if (!this.lockedReleased) this.lockable.model.dispose();
  }
}

/** Checks the combination of unlocking options before any I/O. */
function checkOptions(options: LoadOptions): void {
  const ways = [options.password, options.licence, options.contentKey].filter((v) => v !== undefined).length;
  if (ways > 1) throw new InvalidArgumentError('give one of password, licence or contentKey');
  if (options.licence !== undefined && (options.passphrase === undefined) === (options.deviceKey === undefined)) {
    throw new InvalidArgumentError('a licence needs exactly one of passphrase or deviceKey');
  }
  if (options.licence === undefined && (options.passphrase !== undefined || options.deviceKey !== undefined || options.vendorKey !== undefined)) {
    throw new InvalidArgumentError('passphrase, deviceKey and vendorKey open a licence: give the licence too');
  }
}

/**
 * The password from the container, via a licence or the owner key: the weights' fingerprint must match both files,
 * the licence is opened (signature checked first if a vendor key is given), then the container.
 */
async function passwordFromContainer(bytes: SourceBytes, options: LoadOptions): Promise<Password> {
  const container = await bytes.container();
  const modelFingerprint = await fingerprintWeights(bytes.weights);
  let contentKey: Uint8Array;
  if (options.licence !== undefined) {
    const key: LicenceKey = options.passphrase !== undefined ? { passphrase: options.passphrase } : { devicePrivateKey: options.deviceKey! };
    const openOptions: OpenLicenceOptions = { modelFingerprint };
    if (options.vendorKey !== undefined) openOptions.vendorPublicKey = options.vendorKey;
    if (options.now !== undefined) openOptions.now = options.now;
    if (options.kdfLimits !== undefined) openOptions.kdfLimits = options.kdfLimits;
    contentKey = await openLicence(options.licence, key, openOptions);
  } else {
    contentKey = options.contentKey!.slice();
  }
  try {
    return await openContainer(container, contentKey, options.now === undefined ? { modelFingerprint } : { modelFingerprint, now: options.now });
  } finally {
    contentKey.fill(0);
  }
}

/**
 * Loads a protected model and unlocks it — by licence (a device), by the owner key, or with the password itself (the
 * owner) — or leaves it locked. Unlocking folds the password into the weights, so inference then costs what the
 * unprotected model's does.
 *
 * Failures are typed: ModelFormatError (files), MalformedError / UnsupportedVersionError (container or licence
 * structure), ModelMismatchError (weights not those the container or licence was made for), SignatureError,
 * DecryptionFailedError (wrong passphrase or device key, or altered bytes), ExpiredError, InvalidArgumentError.
 *
 * @example
 * ```ts
 * import { loadProtectedModel } from 'edgepro/runtime';
 * // Node: a directory holding model.json, weights.bin, password.edgepro
 * const model = await loadProtectedModel('models/lenet5', { licence, deviceKey, vendorKey });
 * // browser: the same directory served over HTTP
 * const web = await loadProtectedModel('/models/lenet5/', { licence, passphrase });
 * const { classes } = model.predict(pixels); // 784 values per digit, 0..1
 * ```
 */
export async function loadProtectedModel(source: ModelSource, options: LoadOptions = {}): Promise<ProtectedModel> {
  checkOptions(options);
  const bytes = await readSource(source);
  const password = options.licence !== undefined || options.contentKey !== undefined ? await passwordFromContainer(bytes, options) : options.password;
  await initEngine(options.engine);
  const lockable = await deserializeModel(parseModelJson(bytes.modelJson, bytes.name), bytes.weights, { source: bytes.name });
  const session = ProtectedModel.create(lockable);
  try {
    if (password !== undefined) {
      if (lockable.lockPoints.length === 0) {
        throw new ModelFormatError(`${bytes.name} names no lock points (edgepro metadata missing): it was not protected by edgepro`);
      }
      session.unlock(password, { keepLocked: options.keepLocked ?? true });
    }
  } catch (error) {
    session.dispose();
    throw error;
  }
  return session;
}
