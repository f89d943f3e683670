/**
 * Which data a protection held out for testing, recorded beside the owner key (never in the bundle), so that an
 * evaluation or an audit can refuse a test set that overlaps the model's training data — a silently inflated report.
 */

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
