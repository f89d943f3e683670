import type { Command } from 'commander';
import type { DataFlags } from '../data.js';
import { addCommonOptions, addDataOptions, type CommonFlags, type TrainOptionFlags, addExamples, addTrainOptions, oneOf, parseSealOrAuto, describeMeasuredSeals } from '../options.js';
import { ARCHITECTURE_NAMES, PASSWORD_STRATEGIES, type PasswordStrategy } from '../../util/names.js';
import { UsageError } from '../errors.js';
import type { ProtectSealSelection } from '../../owner/auto_seal.js';
import { defaultOwnerKeyPath, isInside, refuseOverwrite } from '../files.js';

export interface ProtectFlags extends DataFlags, TrainOptionFlags, CommonFlags {
  out: string;
  keyOut?: string;
  from?: string;
  arch?: string;
  lockLayers?: string;
  classNames?: string;
  strategy: PasswordStrategy;
  force?: boolean;
  reproduciblePassword?: boolean;
  seal: ProtectSealSelection;
  /** `--no-audit` sets it false. */
  audit: boolean;
}

/** `--seal all|none|auto|LAYER,LAYER`: which weights ship sealed. */
export function registerProtect(program: Command): void {
  const cmd = program
    .command('protect')
    .summary('protect a model: lock-train it and seal its weights; writes the model dir and the owner key')
    .description(
      'protect a model: rank its neurons, choose a password, lock-train, and seal its weights; writes a protected model ' +
        'directory (model.json, weights.sealed and/or weights.bin, password.edgepro) and the owner key, which opens them and must never ship',
    )
    .requiredOption('--out <dir>', 'directory for the protected model (model.json, weights.sealed / weights.bin, password.edgepro)')
    .option(
      '--seal <what>',
      'which weights ship sealed (encrypted under the owner key): all (default; a thief holds the architecture only), none (the EdgePro lock alone: weights in the clear, the paper\'s form), ' +
        `auto (the partial seal measured to hold for the architecture, and all for an architecture without one; measured to hold: ${describeMeasuredSeals()}), ` +
        'or comma-separated layer names',
      parseSealOrAuto,
      'all' as ProtectSealSelection,
    )
    .option('--key-out <file>', "where to write the owner key (default: beside the model directory, <dir>.owner.key); keep it secret, never ship it")
    .option('--from <dir>', 'start from a trained baseline (edgepro train --out DIR) or your own TF.js model.json; default: lock-train a fresh model from scratch')
    .option('--arch <name>', `built-in architecture when starting from scratch: ${ARCHITECTURE_NAMES.join(', ')} (default lenet5)`, oneOf('--arch', ARCHITECTURE_NAMES))
    .option('--lock-layers <names>', 'comma-separated layer names to lock (default: the model\'s recorded lock points, or after each activation)')
    .option('--strategy <name>', `password strategy: ${PASSWORD_STRATEGIES.join(', ')}`, oneOf('--strategy', PASSWORD_STRATEGIES), 'hardened')
    .option('--force', 'replace an existing owner key file')
    .option(
      '--reproducible-password',
      'derive the password from --seed instead of WebCrypto, for experiments that must repeat; never for a model you ship: whoever can retrain the baseline regenerates the password',
    )
    .option(
      '--no-audit',
      'skip the lock audit (on by default: 600 training samples are held out, and after lock training a plain fine-tune, pruning 10-70% and a greedy zeroing search on them must leave the released model at or below 20%; a lock that fails is retrained with a fresh password twice, then protect fails)',
    );
  cmd.option('--class-names <names>', 'comma-separated class names, output 0 first, stored in model.json (default: the CSV label column\'s names, or the --from model\'s)');
  addDataOptions(cmd);
  addTrainOptions(cmd, { epochs: 12 });
  addCommonOptions(cmd);
  addExamples(cmd, [
    'edgepro train --out models/baseline --epochs 10',
    'edgepro protect --from models/baseline --out models/protected --epochs 12   # owner key: models/protected.owner.key',
    'edgepro protect --from models/baseline --out models/lock-only --seal none     # the lock alone, weights in the clear',
    'edgepro protect --from models/baseline --out models/partial --seal conv1,conv2,logits',
    'edgepro protect --from models/baseline --out models/auto --seal auto        # the measured partial seal, or all',
    'edgepro protect --out models/scratch --epochs 20 --key-out ~/secrets/scratch.key   # from scratch',
  ]);
  cmd.action(async (flags: ProtectFlags) => {
    const keyPath = await checkProtectFlags(flags);
    const { runProtect } = await import('./protect_run.js');
    await runProtect(flags, keyPath);
  });
}

/** The checks that need no model: run before TF.js is loaded, so a wrong command line fails at once. */
export async function checkProtectFlags(flags: ProtectFlags): Promise<string> {
  const keyPath = flags.keyOut ?? defaultOwnerKeyPath(flags.out);
  if (isInside(keyPath, flags.out)) {
    throw new UsageError(`--key-out ${keyPath} is inside the model directory ${flags.out}, so it would ship with the model; put it elsewhere`);
  }
  if (flags.from !== undefined && flags.arch !== undefined) throw new UsageError('choose one of --from and --arch, not both');
  await refuseOverwrite([keyPath], flags.force);
  return keyPath;
}

