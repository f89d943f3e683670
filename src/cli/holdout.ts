/**
 * Which data `protect` held out, recorded beside the owner key (never in the shipped directory), so that `eval` and
 * `attack` measure a model on the split protect held out by default, and refuse data flags that would overlap its
 * training data — a silently inflated report — instead of trusting the user to repeat protect's data flags.
 */
import { resolve } from 'node:path';
import { MissingFileError, UsageError } from './errors.js';
import { readRequired } from './files.js';
import type { DataFlags } from './data.js';
import { heldOutDifferences, parseHoldoutRecord, type HoldoutRecord, type HoldoutSource } from '../owner/holdout.js';

/** Where the record of the model whose owner key is `keyPath` lives: beside the key. */
export function holdoutRecordPath(keyPath: string): string {
  return `${keyPath}.holdout.json`;
}

/** The split the data flags give, as a record would hold it. */
export function holdoutSourceOf(flags: DataFlags): HoldoutSource {
  return { idx: flags.idx !== undefined ? resolve(flags.idx) : null, csv: flags.csv !== undefined ? resolve(flags.csv) : null, label: flags.label ?? null, seed: flags.seed };
}

/** The flags that reproduce a recorded split, as a user would type them. */
function asFlags(r: HoldoutRecord): string {
  if (r.idx !== null) return `--idx ${r.idx}`;
  return `${r.csv !== null ? `--csv ${r.csv} --label ${r.label} ` : ''}--test-size ${r.testSamples} --seed ${r.seed}`;
}

/**
 * The record beside the owner key `keyPath`, or undefined when there is none. A file there that is not a record is a
 * usage error (move it away to measure anyway).
 */
export async function readHoldoutRecord(keyPath: string): Promise<HoldoutRecord | undefined> {
  const path = holdoutRecordPath(keyPath);
  let bytes: Uint8Array;
  try {
    bytes = await readRequired(path, 'held-out record');
  } catch (error) {
    if (error instanceof MissingFileError) return undefined;
    throw error;
  }
  const record = parseHoldoutRecord(new TextDecoder().decode(bytes));
  if (record === undefined) throw new UsageError(`${path} is not a held-out record written by edgepro protect; move it away to measure anyway`);
  return record;
}

/**
 * The data flags to measure with: when the user typed none of the split flags (`splitGiven` empty) and the model has
 * a record of its own weights, the recorded split (idx / csv + label / test size / seed), with a note saying so;
 * otherwise the flags as given (defaults included), for {@link checkHoldout} to check once the data is loaded.
 * `splitGiven` undefined (a caller that cannot tell a typed flag from a default) counts as flags given.
 */
export async function holdoutDefaults<T extends DataFlags>(keyPath: string, flags: T, modelFingerprint: string): Promise<{ flags: T; note?: string }> {
  if (flags.splitGiven === undefined || flags.splitGiven.length > 0) return { flags };
  const record = await readHoldoutRecord(keyPath);
  if (record === undefined || record.modelFingerprint !== modelFingerprint) return { flags };
  const recorded: T = { ...flags, idx: record.idx ?? undefined, csv: record.csv ?? undefined, label: record.label ?? undefined, testSize: record.idx === null ? record.testSamples : undefined, seed: record.seed };
  for (const name of ['idx', 'csv', 'label', 'testSize'] as const) if (recorded[name] === undefined) delete recorded[name];
  return { flags: recorded, note: `held-out split as protect recorded it in ${holdoutRecordPath(keyPath)}: ${asFlags(record)}${record.idx !== null ? ` --seed ${record.seed}` : ''} (no data flag given)` };
}

/**
 * The library's held-out check (owner/holdout.ts), run before any work so that a refusal comes first and names the
 * flags to use: refuses data flags that hold out other samples than protect did for this model. Returns false when
 * there is nothing to check against — no record (a model protected before records existed, or its record moved
 * away) or a record of other weights — so that the caller can say the split was not checked.
 */
export async function checkHoldout(keyPath: string, flags: DataFlags, testSamples: number, modelFingerprint: string): Promise<boolean> {
  const path = holdoutRecordPath(keyPath);
  const record = await readHoldoutRecord(keyPath);
  const differs = heldOutDifferences({ record, modelFingerprint, source: holdoutSourceOf(flags) }, testSamples);
  if (differs === undefined) return false;
  if (differs.length > 0) {
    throw new UsageError(
      `these data flags hold out other samples than protect did for this model (${differs.join(', ')} differ), so the test set would overlap its training data; use ${asFlags(record!)} (recorded in ${path}), or no data flag at all to take the recorded split`,
    );
  }
  return true;
}
