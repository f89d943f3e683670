/**
 * Where a passphrase comes from: `--passphrase` (visible in shell history and `ps`), `--passphrase-file FILE`, or
 * the EDGEPRO_PASSPHRASE environment variable; at most one of the two flags.
 */
import type { Command } from 'commander';
import { UsageError } from './errors.js';
import { readRequired } from './files.js';

export const PASSPHRASE_ENV = 'EDGEPRO_PASSPHRASE';

export interface PassphraseFlags {
  passphrase?: string;
  passphraseFile?: string;
}

export function addPassphraseOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--passphrase <text>', `${what} (shows in shell history; prefer --passphrase-file or ${PASSPHRASE_ENV})`)
    .option('--passphrase-file <file>', `read the passphrase from the first line of FILE`);
}

/** The passphrase the flags (or the environment) name, or undefined when none does. */
export async function resolvePassphrase(flags: PassphraseFlags): Promise<string | undefined> {
  if (flags.passphrase !== undefined && flags.passphraseFile !== undefined) throw new UsageError('choose one of --passphrase and --passphrase-file, not both');
  let value: string | undefined;
  let from: string;
  if (flags.passphrase !== undefined) {
    value = flags.passphrase;
    from = '--passphrase';
  } else if (flags.passphraseFile !== undefined) {
    const text = new TextDecoder().decode(await readRequired(flags.passphraseFile, 'passphrase file'));
    value = text.split(/\r?\n/)[0];
    from = flags.passphraseFile;
  } else {
    value = process.env[PASSPHRASE_ENV];
    from = PASSPHRASE_ENV;
    if (value === undefined) return undefined;
  }
  if (value === undefined || value === '') throw new UsageError(`the passphrase from ${from} is empty`);
  return value;
}
