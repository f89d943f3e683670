import type { Command } from 'commander';
import { addCommonOptions, addExamples, oneOf, positiveInt } from '../options.js';
import { addPassphraseOptions, PASSPHRASE_ENV } from '../secrets.js';

export interface InferFlags {
  licence?: string;
  deviceKey?: string;
  passphrase?: string;
  passphraseFile?: string;
  vendorKey?: string;
  allowUnsigned?: boolean;
  label?: string;
  labels?: string;
  limit?: number;
  invert: 'auto' | 'yes' | 'no';
  resize: boolean;
  json?: boolean | string;
  quiet?: boolean;
}

export function registerInfer(program: Command): void {
  const cmd = program
    .command('infer')
    .summary('run a protected model on PNG, IDX or CSV inputs with a licence')
    .argument('<dir>', 'protected model directory (model.json, weights.bin, password.edgepro)')
    .argument('<inputs...>', 'PNG images, IDX image files (raw or .gz) and CSV files of feature rows, told apart by their contents')
    .description(
      'run a protected model on real inputs, unlocked with a licence; prints the class and its probability per input. ' +
        `A licence opens with the device's private key (--device-key) or its passphrase (--passphrase-file, ${PASSPHRASE_ENV}, --passphrase)`,
    )
    .option('--licence <file>', 'the licence for this model (edgepro licence issue)')
    .option('--device-key <key>', "this device's private key (NAME.key from edgepro keygen device)");
  addPassphraseOptions(cmd, 'the passphrase of the licence');
  cmd
    .option('--vendor-key <pub>', 'the vendor public key the licence must be signed by (NAME.pub from edgepro keygen vendor); needed unless --allow-unsigned')
    .option('--allow-unsigned', "accept a licence without checking who signed it (anyone holding the model's key can mint such a licence)")
    .option('--label <column>', 'CSV inputs: the column holding the expected class (shown beside the prediction)')
    .option('--labels <file>', 'IDX inputs: the IDX labels file of the images, to compare')
    .option('--limit <n>', 'IDX inputs: only the first N images', positiveInt('--limit'))
    .option('--invert <mode>', 'images: auto inverts dark-on-light images (the model reads light digits on black), yes, no', oneOf('--invert', ['auto', 'yes', 'no'] as const), 'auto')
    .option('--no-resize', 'images: refuse an image whose size is not the model\'s instead of scaling it');
  addCommonOptions(cmd, { seed: false });
  addExamples(cmd, [
    'edgepro infer models/protected digit.png --licence device1.licence --device-key keys/device1.key',
    `${PASSPHRASE_ENV}=... edgepro infer models/protected t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz --limit 20 --licence trial.licence`,
  ]);
  cmd.action(async (dir: string, inputs: string[], flags: InferFlags) => {
    const { runInfer } = await import('./infer_run.js');
    await runInfer(dir, inputs, flags);
  });
}
