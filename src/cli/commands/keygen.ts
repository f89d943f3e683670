import type { Command } from 'commander';
import { addCommonOptions, addExamples, oneOf } from '../options.js';

export const KEY_PAIR_KINDS = ['device', 'vendor'] as const;

export interface KeygenFlags {
  out: string;
  force?: boolean;
  json?: boolean | string;
  quiet?: boolean;
}

export function registerKeygen(program: Command): void {
  const cmd = program
    .command('keygen')
    .summary('make a device (X25519) or vendor (Ed25519) key pair')
    .argument('<kind>', 'device (X25519: licences are encrypted to it) or vendor (Ed25519: licences are signed with it)', oneOf('kind', KEY_PAIR_KINDS))
    .description('make a key pair: NAME.key (private, mode 0600, keep it where it belongs) and NAME.pub (public, hand it out)')
    .requiredOption('--out <name>', 'file name stem: writes NAME.key and NAME.pub')
    .option('--force', 'replace existing key files (the old private key is lost)');
  addCommonOptions(cmd, { seed: false });
  addExamples(cmd, [
    'edgepro keygen device --out keys/device1      # on the device; send keys/device1.pub to the model owner',
    'edgepro keygen vendor --out keys/vendor       # the owner signs licences with keys/vendor.key',
  ]);
  cmd.action(async (kind: (typeof KEY_PAIR_KINDS)[number], flags: KeygenFlags) => {
    const { runKeygen } = await import('./keygen_run.js');
    await runKeygen(kind, flags);
  });
}
