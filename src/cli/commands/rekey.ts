import type { Command } from 'commander';
import { addCommonOptions, addExamples, type CommonFlags } from '../options.js';
import { UsageError } from '../errors.js';
import { defaultOwnerKeyPath, isInside } from '../files.js';

export interface RekeyFlags extends CommonFlags {
  key?: string;
  out?: string;
  keyOut?: string;
  force?: boolean;
}

/** Where rekey reads and writes: the model, its current owner key, and where the new bundle and key go. */
export interface RekeyPaths {
  dir: string;
  key: string;
  out: string;
  keyOut: string;
}

export function registerRekey(program: Command): void {
  const cmd = program
    .command('rekey')
    .summary('re-seal a protected model under a fresh owner key (after a leak): no training; old licences stop working')
    .description(
      'rotate the owner key of a protected or sealed model: the same weights and the same password, re-sealed under a ' +
        'fresh content key, without lock training. The model gets a new fingerprint, so every licence issued before is ' +
        'refused; issue new ones with the new owner key (edgepro licence issue). In place by default: the new model ' +
        'and its new owner key replace the old ones together',
    )
    .argument('<dir>', 'protected model directory (from edgepro protect or edgepro seal)')
    .option('--key <file>', 'its current owner key (default: <dir>.owner.key)')
    .option('--out <dir>', 'write the re-keyed model there instead of replacing <dir>')
    .option('--key-out <file>', 'where to write the new owner key (default: the current key file in place, <out>.owner.key with --out)')
    .option('--force', 'replace an existing file at --key-out that is not the current owner key');
  addCommonOptions(cmd, { seed: false });
  addExamples(cmd, [
    'edgepro rekey models/protected      # models/protected.owner.key replaced; reissue the licences',
    'edgepro licence issue models/protected --device-key keys/device1.pub --out device1.licence',
    'edgepro rekey models/protected --out models/protected-v2   # new key: models/protected-v2.owner.key',
  ]);
  cmd.action(async (dir: string, flags: RekeyFlags) => {
    const paths = rekeyPaths(dir, flags);
    const { runRekey } = await import('./rekey_run.js');
    await runRekey(paths, flags);
  });
}

/** The paths, checked before anything is read: a new key inside the shipped directory is refused. */
export function rekeyPaths(dir: string, flags: RekeyFlags): RekeyPaths {
  const key = flags.key ?? defaultOwnerKeyPath(dir);
  const out = flags.out ?? dir;
  const keyOut = flags.keyOut ?? (flags.out !== undefined ? defaultOwnerKeyPath(flags.out) : key);
  if (isInside(keyOut, out)) throw new UsageError(`--key-out ${keyOut} is inside the model directory ${out}, so it would ship with the model; put it elsewhere`);
  return { dir, key, out, keyOut };
}
