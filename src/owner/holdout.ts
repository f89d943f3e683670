/**
 * Which data a protection held out for testing, recorded beside the owner key (never in the bundle), so that an
 * evaluation or an audit can refuse a test set that overlaps the model's training data — a silently inflated report.
 */
import { InvalidArgumentError } from '../util/errors.js';

/** What decides the held-out split. */
export interface HoldoutSource {
  /** The IDX directory or CSV file (absolute), or null for the embedded MNIST. */
  idx: string | null;
  csv: string | null;
  /** The CSV label column, or null. */
  label: string | null;
  /** The split's seed (irrelevant for IDX, whose test split is its own file). */
  seed: number;
}

/** What protect's lock audit measured, per password drawn (the last one shipped), on samples held out of training. */
export interface LockAuditRecord {
  bar: number;
  /** Training samples held out of lock training for the audit. */
  heldOut: number;
  attempts: { released: number; finetune: number; pruneMax: number; greedy: number; worst: number; passes: boolean; seconds: number }[];
}

export interface HoldoutRecord extends HoldoutSource {
  format: 'edgepro-holdout';
  version: 1;
  /** The bundle fingerprint: the record belongs to this model. */
  modelFingerprint: string;
  testSamples: number;
  /** The lock audit's figures, when protect ran it. */
  lockAudit?: LockAuditRecord;
}

/** The record of the test split `protect` held out for a model: where its data came from, and how it was split. */
export function holdoutRecord(source: HoldoutSource, testSamples: number, modelFingerprint: string, lockAudit?: LockAuditRecord): HoldoutRecord {
  return {
    format: 'edgepro-holdout',
    version: 1,
    modelFingerprint,
    idx: source.idx,
    csv: source.csv,
    label: source.label,
    seed: source.seed,
    testSamples,
    ...(lockAudit ? { lockAudit } : {}),
  };
}

/** The fields of a record that must agree for two splits to hold out the same samples. */
export function holdoutDifferences(recorded: HoldoutRecord, mine: HoldoutRecord): string[] {
  const fields = recorded.idx !== null ? (['idx', 'csv'] as const) : (['idx', 'csv', 'label', 'seed', 'testSamples'] as const);
  return fields.filter((k) => mine[k] !== recorded[k]);
}

/** What an evaluation or an audit is told about its test set, to check it against the model's record. */
export interface HeldOutSplit {
  /** The record protect wrote for the model (beside its owner key: `protect`'s `holdout`), or undefined if none. */
  record: HoldoutRecord | undefined;
  /** The bundle fingerprint of the model measured: a record of other weights is not checked against. */
  modelFingerprint: string;
  /** Where the test set was drawn from. */
  source: HoldoutSource;
}

/**
 * The fields in which a test set of `testSamples` drawn from `split.source` differs from the split protect held out
 * (empty: the same samples), or undefined when there is nothing to check against — no record, or a record of other
 * weights.
 */
export function heldOutDifferences(split: HeldOutSplit, testSamples: number): string[] | undefined {
  const { record } = split;
  if (record === undefined || record.modelFingerprint !== split.modelFingerprint) return undefined;
  return holdoutDifferences(record, holdoutRecord(split.source, testSamples, split.modelFingerprint));
}

/**
 * The held-out check of the evaluation and attack entry points (`protectionReport`, `fineTuneAttack`, `pruneAttack`,
 * `reverseAttack`, `transferAttack` with `heldOut`): refuses, with `InvalidArgumentError`, a test set that holds out
 * other samples than protect did for this model, since it would overlap the model's training data and inflate the
 * figures. Returns whether there was a record to check against.
 *
 * @example
 * ```ts
 * const source = { idx: null, csv: null, label: null, seed: 0 }; // the embedded MNIST, split with seed 0
 * const { lock, holdout, fingerprint } = await protect(baseline, train, { epochs: 12, holdout: { ...source, testSamples: test.y.length } });
 * // Throws if `test` is not the split protect held out (another seed, another size):
 * protectionReport(lock.protected, lock.password, test, { heldOut: { record: holdout, modelFingerprint: fingerprint, source } });
 * ```
 */
export function checkHeldOut(split: HeldOutSplit, testSamples: number): boolean {
  const differs = heldOutDifferences(split, testSamples);
  if (differs === undefined) return false;
  if (differs.length > 0) {
    throw new InvalidArgumentError(
      `the test set holds out other samples than protect did for this model (${differs.join(', ')} differ), so it would overlap its training data`,
    );
  }
  return true;
}

/** A held-out record read back from the JSON protect writes, or undefined when `text` is not one. */
export function parseHoldoutRecord(text: string): HoldoutRecord | undefined {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = record as Partial<HoldoutRecord> | null;
  return r !== null && typeof r === 'object' && r.format === 'edgepro-holdout' && r.version === 1 ? (r as HoldoutRecord) : undefined;
}
