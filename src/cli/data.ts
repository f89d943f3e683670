import type { Dataset } from '../data/types.js';
import { loadEmbeddedMnist } from '../data/mnist.js';
import { sampleStratified, stratifiedSplit } from '../data/split.js';
import { loadCsvFile, loadIdxDir } from '../data/files.js';
import type { Command } from 'commander';
import { UsageError } from './errors.js';

export interface DataFlags {
  idx?: string;
  csv?: string;
  label?: string;
  testSize?: number;
  limit?: number;
  seed: number;
  /**
   * Which of the split flags ({@link SPLIT_FLAGS}) the user typed, as typed (`--seed`), to tell them from commander's
   * defaults: `eval` and `attack` take the held-out record's split when none was typed. Undefined: unknown (as if
   * all were typed).
   */
  splitGiven?: readonly string[];
}

/** The flags that decide the held-out split (and, for `--seed`, the randomness of the measurement), by option name. */
export const SPLIT_FLAGS = { idx: '--idx', csv: '--csv', label: '--label', testSize: '--test-size', seed: '--seed' } as const;

/** The split flags typed on the command line of `cmd` (a value from commander's default does not count). */
export function splitFlagsGiven(cmd: Command): string[] {
  return Object.entries(SPLIT_FLAGS)
    .filter(([name]) => cmd.getOptionValue(name) !== undefined && cmd.getOptionValueSource(name) !== 'default')
    .map(([, flag]) => flag);
}

export interface LoadedData {
  train: Dataset;
  test: Dataset;
  /** Short name for reports: `mnist-embedded`, the IDX directory, or the CSV file. */
  name: string;
}

/** Reads the dataset the flags name: the embedded MNIST by default, `--idx DIR` or `--csv FILE --label COL`. */
export async function loadDataFromFlags(flags: DataFlags): Promise<LoadedData> {
  if (flags.idx !== undefined && flags.csv !== undefined) throw new UsageError('choose one of --idx and --csv, not both');
  if (flags.csv !== undefined && flags.label === undefined) throw new UsageError('--csv needs --label COLUMN (the name of the label column)');
  if (flags.label !== undefined && flags.csv === undefined) throw new UsageError('--label goes with --csv');
  let train: Dataset;
  let test: Dataset;
  let name: string;
  if (flags.idx !== undefined) {
    train = await loadIdxDir(flags.idx, { split: 'train' });
    test = await loadIdxDir(flags.idx, { split: 'test' });
    name = train.name;
  } else if (flags.csv !== undefined) {
    const all = await loadCsvFile(flags.csv, { label: flags.label! });
    const testSize = flags.testSize ?? Math.max(1, Math.round(all.y.length * 0.2));
    ({ train, test } = stratifiedSplit(all, { testSize, seed: flags.seed }));
    name = all.name;
  } else {
    const all = loadEmbeddedMnist();
    ({ train, test } = stratifiedSplit(all, { testSize: flags.testSize ?? 2000, seed: flags.seed }));
    name = all.name;
  }
  if (flags.limit !== undefined && flags.limit < train.y.length) train = sampleStratified(train, flags.limit, flags.seed);
  return { train, test, name };
}
