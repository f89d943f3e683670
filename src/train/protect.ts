import type { Dataset } from '../data/types.js';
import { sampleStratified, stratifiedSplit } from '../data/split.js';
import { cloneLockable } from '../models/serialize.js';
import type { LockableModel } from '../models/types.js';
import { generatePassword, type GeneratePasswordOptions, type PasswordStrategy } from '../lock/generate.js';
import type { Password } from '../lock/password.js';
import { rankNeurons, type NeuronRanking } from '../lock/rank.js';
import { InvalidArgumentError, LockAuditError } from '../util/errors.js';
import { createRng, cryptoRng } from '../util/rng.js';
import { lockTrain, type LockTrainOptions, type LockTrainResult } from './lock_train.js';
import { auditLock, type AuditOptions, type AuditReport } from './audit.js';

/**
 * Lock-training defaults per password strategy. The paper's strategies train as the reference code does (SGD 0.01,
 * no decoys); `hardened` needs Adam (its non-zero locking values diverge under SGD 0.01) and decoys on 80% of the
 * released samples (what stops pruning and near misses; see docs/PROTECTION.md), and the gate (gate.ts: without it,
 * plain fine-tuning and greedy zeroing revived the released model on 4 of 6 WebCrypto draws, with it on none of 6;
 * research/lock_draws).
 */
export function lockTrainingDefaults(strategy: PasswordStrategy): Partial<LockTrainOptions> {
  return strategy === 'hardened' ? { optimizer: 'adam', learningRate: 1e-3, decoyShare: 0.8, gate: {} } : { optimizer: 'sgd', learningRate: 0.01, decoyShare: 0 };
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
  /**
   * The audit (see audit.ts): `samples` of the training set (default 600, at most 10%; a third scores, the rest attack) are held
   * out of lock training, and after lock training short attacks on the released model must stay at or below the bar.
   * A lock that fails is retrained with a fresh password up to `retries` times (default 2), then protect throws
   * {@link LockAuditError}. Off here (`undefined` or `false`); the owner's `protect` turns it on.
   */
  audit?: (AuditOptions & { samples?: number; retries?: number }) | false;
}

export interface ProtectAudit {
  /** One audit per password drawn, the last one the shipped lock's. */
  attempts: AuditReport[];
  /** Samples held out of lock training for the audit. */
  heldOut: number;
}

export interface ProtectResult {
  /** The protected model: the same architecture, new weights. Useless without `password`. */
  protected: LockableModel;
  /** The secret. Store it only encrypted. */
  password: Password;
  ranking: NeuronRanking[];
  training: LockTrainResult;
  /** The audit, when it ran: the last attempt passed. */
  audit?: ProtectAudit;
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
  const randomness = options.passwordRandomness ?? 'crypto';
  if (randomness !== 'crypto' && randomness !== 'seed') throw new InvalidArgumentError(`passwordRandomness must be crypto or seed, got ${String(randomness)}`);
  const audit = options.audit === false || options.audit === undefined ? undefined : options.audit;
  const retries = audit?.retries ?? 2;
  if (!(Number.isInteger(retries) && retries >= 0)) throw new InvalidArgumentError(`audit retries must be an integer >= 0, got ${retries}`);
  // The audit's samples are held out of everything lock training sees (ranking included).
  let lockData = train;
  let probe: { attack: Dataset; score: Dataset } | undefined;
  if (audit) {
    const samples = audit.samples ?? Math.min(600, Math.floor(train.y.length / 10));
    if (!(Number.isInteger(samples) && samples >= 30 && samples <= train.y.length / 2)) {
      throw new InvalidArgumentError(
        `the lock audit needs 30 to half of the ${train.y.length} training samples held out, got ${samples}${audit.samples === undefined ? ' (10% of a small training set): give more data, or skip the audit' : ''}`,
      );
    }
    const split = stratifiedSplit(train, { testSize: samples, seed: seed + 11 });
    lockData = split.train;
    const held = stratifiedSplit(split.test, { testFraction: 1 / 3, seed: seed + 12 });
    probe = { attack: held.train, score: held.test };
  }
  const attempts: AuditReport[] = [];
  for (let attempt = 0; attempt <= (audit ? retries : 0); attempt++) {
    const lockable = await cloneLockable(base);
    const rankingSet = sampleStratified(lockData, Math.min(options.rankingSamples ?? 200, lockData.y.length), seed);
    const ranking = rankNeurons(lockable, rankingSet, { samples: rankingSet.y.length });
    // A fresh draw per attempt; a seeded one is still reproducible (seed and attempt decide it).
    const rng = randomness === 'seed' ? createRng(seed + 7919 + 104729 * attempt) : cryptoRng();
    const password = generatePassword(lockable, ranking, { ...options.password, rng });
    const defaults = lockTrainingDefaults(options.password?.strategy ?? 'hardened');
    const { audit: _audit, ...trainOptions } = definedOnly(options);
    const training = lockTrain(lockable, password, lockData, { ...defaults, ...trainOptions, epochs: options.epochs });
    if (!audit || !probe) return { protected: lockable, password, ranking, training };
    const report = await auditLock(lockable, probe.attack, probe.score, cloneLockable, { ...audit, seed });
    attempts.push(report);
    if (report.passes) return { protected: lockable, password, ranking, training, audit: { attempts, heldOut: probe.attack.y.length + probe.score.y.length } };
    lockable.model.dispose();
  }
  const worst = attempts.map((a) => `${(100 * a.worst).toFixed(1)}%`).join(', ');
  throw new LockAuditError(
    `lock audit failed on ${attempts.length} password draw(s): short attacks revived the released model to ${worst} (bar ${(100 * attempts[0]!.bar).toFixed(0)}%); train longer or change the lock settings`,
    attempts,
  );
}

/** Drops keys whose value is undefined, so they do not override defaults in a spread. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
