/**
 * The attack suite as one call: what `edgepro attack` and `npm run bench:attacks` both run. A target is what a thief
 * holds (the architecture and the clear weights, sealed ones drawn afresh: {@link thiefView}), with the owner's
 * password to score what the attacks find. {@link selfContainedTarget} makes one from scratch: a baseline trained
 * here, protected twice (a second model for the transfer attack) with seeded passwords, so that the audit repeats.
 */
import type { Dataset } from '../data/types.js';
import type { Password } from '../lock/password.js';
import { STRATEGY_SELECTION, type PasswordStrategy } from '../lock/generate.js';
import { buildArchitecture } from '../models/registry.js';
import type { LockableModel } from '../models/types.js';
import { protect } from '../owner/protect.js';
import type { ProtectSealSelection } from '../owner/auto_seal.js';
import type { HeldOutSplit } from '../owner/holdout.js';
import { trainClassifier } from '../train/train.js';
import type { TrainEventHandler } from '../train/events.js';
import { InvalidArgumentError } from '../util/errors.js';
import { fineTuneAttack, type FineTuneOptions, type FineTuneResult } from './finetune.js';
import { pruneAttack, type PruneAttackOptions, type PruneAttackResult } from './prune.js';
import { reverseAttack, type ReverseOptions, type ReverseResult } from './reverse.js';
import { substituteAttack, type SubstituteOptions, type SubstituteResult } from './substitute.js';
import { thiefView } from './thief.js';
import { transferAttack, type TransferResult } from './transfer.js';

/** The attacks `edgepro attack all` runs. */
export const ATTACK_NAMES = ['finetune', 'prune', 'reverse', 'transfer'] as const;
/**
 * Every attack of the suite: those of {@link ATTACK_NAMES}, and `substitute` (sealed layers filled by substitutes the
 * thief trains, then fine-tuned), asked for by name: it trains a substitute per budget and a control of its own.
 */
export const SUITE_ATTACK_NAMES = [...ATTACK_NAMES, 'substitute'] as const;
export type AttackName = (typeof SUITE_ATTACK_NAMES)[number];
export type AttackResult = FineTuneResult | PruneAttackResult | ReverseResult | TransferResult | SubstituteResult;

/** What the attacks run against. */
export interface SuiteTarget {
  /** What the thief holds: the architecture and the clear weights (sealed ones freshly drawn). */
  protected: LockableModel;
  /** The lock's password (absent for a bundle sealed without a lock: only fine-tuning applies to it). */
  password: Password | undefined;
  /** How many weights ship sealed, and their share of the weights' bytes. */
  sealed: { weights: number; share: number };
  /** The manifest names of the sealed weights (the substitute attack fills them); default none. */
  sealedWeights?: readonly string[];
  /** The unprotected model, for fine-tuning's third arm. */
  baseline?: LockableModel;
  /** A second protected model (as a thief holds it) for the transfer attack, with its own password if known. */
  other?: LockableModel;
  otherPassword?: Password;
  /** Share of the ranking the password's neurons were drawn from, for the key space. */
  topFraction: number;
}

export interface SuiteOptions {
  attacks: readonly AttackName[];
  seed?: number;
  /** The test set's provenance: with it, a test set that is not the split protect held out is refused first. */
  heldOut?: HeldOutSplit;
  finetune?: Omit<FineTuneOptions, 'seed' | 'baseline' | 'heldOut'>;
  prune?: Omit<PruneAttackOptions, 'seed'>;
  reverse?: Omit<ReverseOptions, 'seed' | 'topFraction' | 'heldOut'>;
  /** The substitute attack's options (the sealed weights come from the target). */
  substitute?: Omit<SubstituteOptions, 'seed' | 'sealed' | 'heldOut'>;
}

export interface SuiteResult {
  results: AttackResult[];
  /** Every judged row holds. */
  holds: boolean;
  /** Seconds per attack run. */
  seconds: Partial<Record<AttackName, number>>;
}

/**
 * Runs the attacks asked for against `target`, in the suite's order, on the thief's `train` share and the owner's
 * `test` split. Refuses an attack the target cannot take (reverse or transfer without a lock, transfer without a
 * second model) before any work starts.
 *
 * @example
 * ```ts
 * const target = await selfContainedTarget(train, { architecture: 'lenet5', transfer: true });
 * const { holds, results } = await runAttackSuite(target, train, test, { attacks: ['finetune', 'prune', 'reverse', 'transfer'] });
 * ```
 */
export async function runAttackSuite(target: SuiteTarget, train: Dataset, test: Dataset, options: SuiteOptions): Promise<SuiteResult> {
  const wants = new Set(options.attacks);
  const seed = options.seed ?? 0;
  for (const name of ['reverse', 'transfer'] as const) {
    if (wants.has(name) && target.password === undefined) throw new InvalidArgumentError(`the ${name} attack needs a locked model (a password); of the suite only finetune applies to a model without a lock`);
  }
  if (wants.has('transfer') && target.other === undefined) throw new InvalidArgumentError('the transfer attack needs a second protected model (target.other)');
  const heldOut = options.heldOut ? { heldOut: options.heldOut } : {};
  const results: AttackResult[] = [];
  const seconds: Partial<Record<AttackName, number>> = {};
  const timed = async (name: AttackName, run: () => AttackResult | Promise<AttackResult>) => {
    const started = performance.now();
    results.push(await run());
    seconds[name] = (performance.now() - started) / 1000;
  };
  if (wants.has('finetune')) {
    await timed('finetune', () => fineTuneAttack(target.protected, train, test, { ...options.finetune, ...heldOut, seed, ...(target.baseline ? { baseline: target.baseline } : {}) }));
  }
  if (wants.has('prune')) await timed('prune', () => pruneAttack(target.protected, train, test, { ...options.prune, ...heldOut, seed }));
  if (wants.has('reverse')) {
    await timed('reverse', () => reverseAttack(target.protected, target.password!, train, test, { ...options.reverse, ...heldOut, seed, topFraction: target.topFraction }));
  }
  if (wants.has('transfer')) {
    await timed('transfer', () => transferAttack(target.other!, target.password!, test, { ...heldOut, ...(target.otherPassword ? { passwordB: target.otherPassword } : {}) }));
  }
  if (wants.has('substitute')) {
    // A thief who knows the scheme knows its shape (the lock points and how many neurons each locks): the search
    // runs on top of their substitute layers whenever the adaptive thief does.
    const search = target.password && options.substitute?.adaptive !== false ? { search: { shape: target.password } } : {};
    await timed('substitute', () => substituteAttack(target.protected, train, test, { ...search, ...options.substitute, ...heldOut, seed, sealed: target.sealedWeights ?? [] }));
  }
  return { results, holds: results.every((r) => r.holds), seconds };
}

export interface SelfContainedOptions {
  /** One of edgepro's architectures. Default `lenet5`. */
  architecture?: string;
  /** Baseline training epochs. Default 10. */
  epochs?: number;
  /** Lock-training epochs. Default 12, as `edgepro protect`. */
  lockEpochs?: number;
  strategy?: PasswordStrategy;
  /** What to seal, as protect takes it (`auto` included). Default `all`, protect's default. */
  seal?: ProtectSealSelection;
  /** Protect a second model for the transfer attack. */
  transfer?: boolean;
  seed?: number;
  /** Progress of the baseline's training and of each lock training (`phase` names which). */
  onEvent?: (phase: string, ...event: Parameters<TrainEventHandler>) => void;
}

/**
 * A target made from scratch: a baseline trained on `train`, protected (and, for the transfer attack, protected
 * again with the next seed), each seen as its thief sees it. Passwords come from the seeds, so the audit repeats
 * exactly; nothing is kept (the content keys are wiped).
 */
export async function selfContainedTarget(train: Dataset, options: SelfContainedOptions = {}): Promise<SuiteTarget> {
  const seed = options.seed ?? 0;
  const strategy = options.strategy ?? 'hardened';
  const baseline = buildArchitecture(options.architecture ?? 'lenet5', { inputShape: train.sampleShape, numClasses: train.numClasses, seed });
  trainClassifier(baseline.model, train, { epochs: options.epochs ?? 10, seed, ...(options.onEvent ? { onEvent: (e) => options.onEvent!('baseline', e) } : {}) });
  const protectOnce = async (s: number) => {
    const made = await protect(baseline, train, {
      seal: options.seal ?? 'all',
      epochs: options.lockEpochs ?? 12,
      seed: s,
      passwordRandomness: 'seed',
      password: { strategy },
      // The suite measures lock training itself: protect's own audit would retrain the draws it attacks.
      audit: false,
      ...(options.onEvent ? { onEvent: (e) => options.onEvent!(`lock-train (${strategy}, seed ${s})`, e) } : {}),
    });
    made.contentKey.fill(0);
    const stolen = await thiefView(made.lock.protected, made.sealedWeights, s);
    made.lock.protected.model.dispose();
    return { stolen, password: made.lock.password, sealedWeights: made.sealedWeights, sealed: { weights: made.sealedWeights.length, share: made.weightBytes === 0 ? 0 : made.sealedBytes / made.weightBytes } };
  };
  const a = await protectOnce(seed);
  const target: SuiteTarget = { protected: a.stolen, password: a.password, sealed: a.sealed, sealedWeights: a.sealedWeights, baseline, topFraction: STRATEGY_SELECTION[strategy].topFraction };
  if (options.transfer) {
    const b = await protectOnce(seed + 1);
    target.other = b.stolen;
    target.otherPassword = b.password;
  }
  return target;
}
