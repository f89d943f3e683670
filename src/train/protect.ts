import type { Dataset } from '../data/types.js';
import { sampleStratified } from '../data/split.js';
import { deserializeModel, serializeModel } from '../models/serialize.js';
import type { LockableModel } from '../models/types.js';
import { generatePassword, type GeneratePasswordOptions, type PasswordStrategy } from '../lock/generate.js';
import type { Password } from '../lock/password.js';
import { rankNeurons, type NeuronRanking } from '../lock/rank.js';
import { ALL_DECOYS } from '../lock/decoys.js';
import { InvalidArgumentError } from '../util/errors.js';
import { createRng, cryptoRng } from '../util/rng.js';
import { lockTrain, type LockTrainOptions, type LockTrainResult } from './lock_train.js';

/**
 * Lock-training defaults per password strategy. The paper's strategies train as the reference code does (SGD 0.01,
 * no decoys); `hardened` needs Adam (its non-zero locking values diverge under SGD 0.01) and decoys on 80% of the
 * released samples (what stops pruning and near misses; see docs/PROTECTION.md). `mirror` was measured only with the
 * same, plus sparse guesses drawn twice as often: half of its sparse guesses are of its own kind, and constants (what
 * opens it) must stay as frequent as for `hardened`.
 */
export function lockTrainingDefaults(strategy: PasswordStrategy): Partial<LockTrainOptions> {
  if (strategy === 'mirror') return { optimizer: 'adam', learningRate: 1e-3, decoyShare: 0.8, decoys: [...ALL_DECOYS, 'sparseGuess'] };
  return strategy === 'hardened' ? { optimizer: 'adam', learningRate: 1e-3, decoyShare: 0.8 } : { optimizer: 'sgd', learningRate: 0.01, decoyShare: 0 };
}

export interface ProtectOptions extends LockTrainOptions {
  /** How the password is made; default `hardened`. */
  password?: Omit<GeneratePasswordOptions, 'seed' | 'rng'>;
  /**
   * Where the password's randomness comes from. `crypto` (the default): WebCrypto's generator, so the password is
   * secret even though `seed` (splits, shuffles, lock training) is known or left at its default. `seed`: derived from
   * `seed`, for experiments that must repeat exactly (benchmarks, tests, the `npm start` demo) — such a password is
   * only as secret as the seed: whoever can retrain the baseline with it regenerates the password exactly.
   */
  passwordRandomness?: 'crypto' | 'seed';
  /** Samples the neurons are ranked on (a stratified sample of the training set). Default 200. */
  rankingSamples?: number;
}

export interface ProtectResult {
  /** The protected model: the same architecture, new weights. Useless without `password`. */
  protected: LockableModel;
  /** The secret. Store it only encrypted. */
  password: Password;
  ranking: NeuronRanking[];
  training: LockTrainResult;
}

/** An independent copy of a model (weights included), through the LayersModel format. */
export async function cloneLockable(lockable: LockableModel): Promise<LockableModel> {
  const { modelJson, weights } = await serializeModel(lockable);
  const copy = await deserializeModel(modelJson, weights);
  return { architecture: lockable.architecture, model: copy.model, lockPoints: lockable.lockPoints, ...(lockable.classNames !== undefined ? { classNames: [...lockable.classNames] } : {}) };
}

/**
 * EdgePro end to end: rank the neurons of `base` (a trained baseline, or a fresh model to lock-train from scratch),
 * choose the password, and lock-train a copy. `base` itself is left untouched.
 *
 * @example
 * ```ts
 * const { protected: model, password } = await protectModel(baseline, train, { epochs: 6, seed: 1 }); // a secret password
 * ```
 */
export async function protectModel(base: LockableModel, train: Dataset, options: ProtectOptions): Promise<ProtectResult> {
  const seed = options.seed ?? 0;
  const lockable = await cloneLockable(base);
  const rankingSet = sampleStratified(train, Math.min(options.rankingSamples ?? 200, train.y.length), seed);
  const ranking = rankNeurons(lockable, rankingSet, { samples: rankingSet.y.length });
  const randomness = options.passwordRandomness ?? 'crypto';
  if (randomness !== 'crypto' && randomness !== 'seed') throw new InvalidArgumentError(`passwordRandomness must be crypto or seed, got ${String(randomness)}`);
  const password = generatePassword(lockable, ranking, { ...options.password, rng: randomness === 'seed' ? createRng(seed + 7919) : cryptoRng() });
  const defaults = lockTrainingDefaults(options.password?.strategy ?? 'hardened');
  const training = lockTrain(lockable, password, train, { ...defaults, ...definedOnly(options), epochs: options.epochs });
  return { protected: lockable, password, ranking, training };
}

/** Drops keys whose value is undefined, so they do not override defaults in a spread. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
