import type { Command } from 'commander';
import { addCommonOptions, addExamples, type CommonFlags, parseSealOrAuto } from '../options.js';
import { UsageError } from '../errors.js';
import { defaultOwnerKeyPath, isInside, refuseOverwrite } from '../files.js';
import type { ProtectSealSelection } from '../../owner/auto_seal.js';

export interface SealFlags extends CommonFlags {
  out: string;
  keyOut?: string;
  seal: ProtectSealSelection;
  force?: boolean;
}

export function registerSeal(program: Command): void {
  const cmd = program
    .command('seal')
    .summary('seal any TF.js model (layers or graph) or ONNX model as it is: no training, no data')
    .description(
      'seal the weights of a TensorFlow.js model — a LayersModel, or a GraphModel from tfjs-converter — under a fresh ' +
        'owner key, with no lock training and no data: a thief holding the sealed directory holds the architecture only. ' +
        'An ONNX model (a .onnx file) is sealed whole, with the external data files it names beside it. ' +
        'Devices load it with a licence (edgepro licence issue)',
    )
    .argument('<model>', "the model's directory or its model.json (weight files beside it), or a .onnx file (external data beside it)")
    .requiredOption('--out <dir>', 'directory for the sealed model (model.json, weights.sealed; for ONNX model.json, model.onnx.sealed, external-<i>.sealed)')
    .option('--key-out <file>', 'where to write the owner key (default: beside the output directory, <dir>.owner.key); keep it secret, never ship it')
    .option('--seal <what>', 'which weights to seal: all (default), comma-separated layer names (the rest stay in the clear), or auto, which seals all here: partial seals were measured only with the lock (protect)', parseSealOrAuto, 'all' as ProtectSealSelection)
    .option('--force', 'replace an existing owner key file');
  addCommonOptions(cmd, { seed: false });
  addExamples(cmd, [
    'edgepro seal node_modules/@vladmandic/human/models/faceres.json --out models/faceres-sealed',
    'edgepro licence issue models/faceres-sealed --device-key keys/device1.pub --out device1.licence',
    'edgepro seal exported/model.onnx --out models/onnx-sealed',
  ]);
  cmd.action(async (model: string, flags: SealFlags) => {
    const keyPath = flags.keyOut ?? defaultOwnerKeyPath(flags.out);
    if (isInside(keyPath, flags.out)) throw new UsageError(`--key-out ${keyPath} is inside the output directory ${flags.out}, so it would ship with the model; put it elsewhere`);
    if (flags.seal === 'none') throw new UsageError('--seal none would seal nothing; give all or layer names');
    const onnx = model.toLowerCase().endsWith('.onnx');
    if (onnx && flags.seal !== 'all' && flags.seal !== 'auto') throw new UsageError('an ONNX model is sealed whole: --seal takes only all for a .onnx file');
    await refuseOverwrite([keyPath], flags.force);
    if (onnx) {
      const { runSealOnnx } = await import('./seal_onnx_run.js');
      await runSealOnnx(model, flags, keyPath);
      return;
    }
    const { runSeal } = await import('./seal_run.js');
    await runSeal(model, flags, keyPath);
  });
}
