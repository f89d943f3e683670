import type { Command } from 'commander';
import { addCommonOptions, nonNegativeInt, oneOf, positiveInt } from '../options.js';
import { PASSWORD_STRATEGIES, type PasswordStrategy } from '../../util/names.js';

export interface PipelineFlags {
  epochs: number;
  lockEpochs: number;
  strategy: PasswordStrategy;
  trials: number;
  /** `--no-audit` sets it false. */
  audit: boolean;
  json?: boolean | string;
  quiet?: boolean;
  seed: number;
}

export function registerPipeline(program: Command): void {
  const cmd = program
    .command('pipeline')
    .summary('the whole job on the embedded MNIST, as `npm start` runs it')
    .description('the whole job on the embedded MNIST with LeNet-5: train a baseline, rank, choose a password, lock-train, report (what `npm start` runs)')
    .option('--epochs <n>', 'baseline training epochs', nonNegativeInt('--epochs'), 10)
    .option('--lock-epochs <n>', 'lock-training epochs (from the baseline)', nonNegativeInt('--lock-epochs'), 12)
    .option('--strategy <name>', `password strategy: ${PASSWORD_STRATEGIES.join(', ')}`, oneOf('--strategy', PASSWORD_STRATEGIES), 'hardened')
    .option('--trials <n>', 'wrong and near-miss passwords tried in the report', positiveInt('--trials'), 100)
    .option('--no-audit', 'skip the lock audit (short attacks on 600 held-out training samples; on by default, as in protect)');
  addCommonOptions(cmd);
  cmd.addHelpText('after', '\nExample:\n  edgepro pipeline --json report.json\n  edgepro pipeline --strategy reference   # the paper\'s public code, for comparison');
  cmd.action(async (flags: PipelineFlags) => {
    const { runPipeline } = await import('./pipeline_run.js');
    await runPipeline(flags);
  });
}
