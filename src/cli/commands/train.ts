import type { Command } from 'commander';
import type { DataFlags } from '../data.js';
import { addCommonOptions, addDataOptions, type CommonFlags, type TrainOptionFlags, addTrainOptions, oneOf } from '../options.js';
import { ARCHITECTURE_NAMES } from '../../util/names.js';

export interface TrainFlags extends DataFlags, TrainOptionFlags, CommonFlags {
  out?: string;
  arch?: string;
  model?: string;
  lockLayers?: string;
  classNames?: string;
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .summary('train an unprotected baseline (a TF.js LayersModel)')
    .description('train an unprotected baseline model and save it as a TensorFlow.js LayersModel')
    .option('--out <dir>', 'directory to write model.json + weights.bin to')
    .option('--arch <name>', `built-in architecture: ${ARCHITECTURE_NAMES.join(', ')} (default lenet5)`, oneOf('--arch', ARCHITECTURE_NAMES))
    .option('--model <path>', "start from a user's TF.js LayersModel (model.json)")
    .option('--lock-layers <names>', 'comma-separated layer names to record as lock points');
  cmd.option('--class-names <names>', 'comma-separated class names, output 0 first, stored in model.json (default: the CSV label column\'s names, or the --from model\'s)');
  addDataOptions(cmd);
  addTrainOptions(cmd, { epochs: 10 });
  addCommonOptions(cmd);
  cmd.addHelpText('after', '\nExample:\n  edgepro train --out models/baseline --epochs 10\n  edgepro train --idx /usr/share/datasets/fashion-mnist --out models/fashion');
  cmd.action(async (flags: TrainFlags) => {
    const { runTrain } = await import('./train_run.js');
    await runTrain(flags);
  });
}
