import type { Command } from 'commander';
import { splitFlagsGiven, type DataFlags } from '../data.js';
import { addCommonOptions, addDataOptions, type CommonFlags, addExamples, nonNegativeInt, positiveInt } from '../options.js';

export interface EvalFlags extends DataFlags, CommonFlags {
  key?: string;
  baseline?: string;
  trials: number;
  trialSamples: number;
  /** Also write the report as one self-contained HTML page to this file. */
  html?: string;
}

export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .summary('the protection report of a protected model (needs the owner key)')
    .argument('<dir>', 'protected model directory (from edgepro protect)')
    .description(
      'the protection report of a protected model: accuracy with its password (opened with the owner key), without, ' +
        'with random wrong passwords and with near misses. Without data flags it measures on the split protect held out ' +
        '(recorded beside the owner key, <key>.holdout.json); data flags that are given must hold out the same samples',
    )
    .option('--key <file>', 'the owner key (default: <dir>.owner.key, where protect puts it)')
    .option('--baseline <dir>', 'the unprotected baseline, to report its accuracy beside')
    .option('--trials <n>', 'wrong and near-miss passwords tried', nonNegativeInt('--trials'), 100)
    .option('--trial-samples <n>', 'test samples each wrong or near-miss password is scored on', positiveInt('--trial-samples'), 500)
    .option('--html <file>', 'also write the report as one self-contained HTML page (inline SVG charts, no scripts or URLs)');
  addDataOptions(cmd);
  addCommonOptions(cmd);
  addExamples(cmd, [
    'edgepro eval models/protected --baseline models/baseline',
    'edgepro eval models/protected --key ~/secrets/protected.key --trials 500 --json report.json',
    'edgepro eval models/protected --html report.html',
  ]);
  cmd.action(async (dir: string, flags: EvalFlags, command: Command) => {
    const { runEval } = await import('./eval_run.js');
    await runEval(dir, { ...flags, splitGiven: splitFlagsGiven(command) });
  });
}
