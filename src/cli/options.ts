import { InvalidArgumentError as CommanderInvalidArgument, type Command } from 'commander';
import type { SealSelection } from '../bundle/assemble.js';
import { MEASURED_PARTIAL_SEALS, type ProtectSealSelection } from '../owner/auto_seal.js';
import { UsageError } from './errors.js';

/**
 * A parser for a numeric flag value: finite, an integer when `integer`, and at least `min` (strictly above it when
 * `exclusive`). A bad value is a usage error naming the flag.
 */
function numberFlag(flag: string, rule: { integer: boolean; min: number; exclusive: boolean; what: string }) {
  return (value: string): number => {
    const n = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(n) && (!rule.integer || Number.isInteger(n)) && (rule.exclusive ? n > rule.min : n >= rule.min);
    if (!ok) throw new CommanderInvalidArgument(`${flag} needs ${rule.what}, got "${value}"`);
    return n;
  };
}

export const positiveInt = (flag: string) => numberFlag(flag, { integer: true, min: 0, exclusive: true, what: 'a positive integer' });
export const nonNegativeInt = (flag: string) => numberFlag(flag, { integer: true, min: 0, exclusive: false, what: 'an integer >= 0' });
export const positiveNumber = (flag: string) => numberFlag(flag, { integer: false, min: 0, exclusive: true, what: 'a number > 0' });
export const nonNegativeNumber = (flag: string) => numberFlag(flag, { integer: false, min: 0, exclusive: false, what: 'a number >= 0' });

export function oneOf<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new CommanderInvalidArgument(`${flag} must be one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

/** --json [FILE], --quiet, --seed: the options every reporting command takes (`seed: false` where nothing is random). */
export function addCommonOptions(cmd: Command, options: { seed?: boolean } = {}): Command {
  cmd.option('--json [file]', 'write the result as JSON (to stdout, or to FILE)').option('--quiet', 'no progress output');
  if (options.seed !== false) cmd.option('--seed <n>', 'random seed (same seed, same result)', nonNegativeInt('--seed'), 0);
  return cmd;
}

/** An example block for --help: `lines` are shell commands, optionally with a `# comment`. */
export function addExamples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

/** Data options shared by commands that read a dataset. */
export function addDataOptions(cmd: Command): Command {
  return cmd
    .option('--idx <dir>', 'read IDX files (MNIST / Fashion-MNIST layout) from DIR instead of the embedded MNIST')
    .option('--csv <file>', 'read a CSV file of numeric features (needs --label)')
    .option('--label <column>', 'name of the label column of --csv')
    .option('--test-size <n>', 'test samples held out of the embedded set or CSV', positiveInt('--test-size'))
    .option('--limit <n>', 'use only the first N training samples (after a stratified shuffle)', positiveInt('--limit'));
}

/** What {@link addCommonOptions} parses. */
export interface CommonFlags {
  json?: boolean | string;
  quiet?: boolean;
  seed: number;
}

/** What {@link addTrainOptions} parses. */
export interface TrainOptionFlags {
  epochs: number;
  batchSize: number;
  optimizer?: 'sgd' | 'adam';
  lr?: number;
  weightDecay?: number;
  schedule?: 'cosine' | 'constant';
}

/** Training options shared by train and protect. */
export function addTrainOptions(cmd: Command, defaults: { epochs: number }): Command {
  return cmd
    .option('--epochs <n>', 'training epochs', nonNegativeInt('--epochs'), defaults.epochs)
    .option('--batch-size <n>', 'mini-batch size', positiveInt('--batch-size'), 64)
    .option('--optimizer <name>', 'sgd or adam', oneOf('--optimizer', ['sgd', 'adam'] as const))
    .option('--lr <rate>', 'learning rate (default 0.01 for sgd, 0.001 for adam)', positiveNumber('--lr'))
    .option('--weight-decay <w>', 'L2 weight decay (default 5e-4 for sgd, 0 for adam)', nonNegativeNumber('--weight-decay'))
    .option('--schedule <name>', 'cosine or constant learning rate', oneOf('--schedule', ['cosine', 'constant'] as const));
}

/**
 * An expiry: a duration from now (`30d`, `12h`, `90m`) or an ISO 8601 date or time (`2027-01-31`,
 * `2027-01-31T12:00:00Z`). It must lie in the future.
 */
export function expiryFlag(flag: string, now: () => number = Date.now) {
  return (value: string): Date => {
    const duration = /^(\d+)([dhm])$/.exec(value.trim());
    let at: number;
    if (duration) {
      const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[duration[2] as 'd' | 'h' | 'm'];
      at = now() + Number(duration[1]) * unit;
    } else if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
      at = Date.parse(value.trim());
    } else {
      at = Number.NaN;
    }
    if (!Number.isFinite(at)) throw new CommanderInvalidArgument(`${flag} needs a date (2027-01-31) or a duration (30d, 12h), got "${value}"`);
    if (at <= now()) throw new CommanderInvalidArgument(`${flag} ${value} is not in the future`);
    return new Date(at);
  };
}

/**
 * `--seal` where only a concrete selection makes sense: all, none, or a comma-separated list of layer names. A list
 * naming `auto` is refused by name (`auto` alone is {@link parseSealOrAuto}'s).
 */
export function parseSeal(value: string): SealSelection {
  const v = value.trim();
  if (v === 'all' || v === 'none') return v;
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('auto')) throw new UsageError(`--seal auto stands alone; to seal more, name the layers (auto's measured partial seals: ${describeMeasuredSeals()})`);
  if (names.length === 0 || names.includes('all') || names.includes('none')) throw new UsageError('--seal takes all, none, or a comma-separated list of layer names');
  return names;
}

/** `--seal` for protect and seal: as {@link parseSeal}, or `auto` (resolved by the owner's `autoSeal`). */
export function parseSealOrAuto(value: string): ProtectSealSelection {
  return value.trim() === 'auto' ? 'auto' : parseSeal(value);
}

/** The measured partial seals auto uses, for help texts and messages: `lenet5: conv1,conv2,logits`, or `none`. */
export function describeMeasuredSeals(): string {
  const entries = Object.entries(MEASURED_PARTIAL_SEALS).map(([arch, layers]) => `${arch}: ${layers.join(',')}`);
  return entries.length > 0 ? entries.join('; ') : 'none';
}
