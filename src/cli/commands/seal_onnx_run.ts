import { resolve, dirname } from 'node:path';
import { onnxFileReader } from '../../bundle/directory.js';
import { sealOnnxModel } from '../../owner/protect.js';
import { UsageError } from '../errors.js';
import { readRequired } from '../files.js';
import { Output, table } from '../output.js';
import { writeProtectedBundle } from '../protected_files.js';
import type { SealFlags } from './seal.js';

/** `edgepro seal model.onnx --out DIR`: the model and the external data files it names, sealed whole. */
export async function runSealOnnx(model: string, flags: SealFlags, keyPath: string): Promise<void> {
  const out = new Output(flags);
  if (resolve(dirname(model)) === resolve(flags.out)) throw new UsageError('--out must be another directory than the one the model is in: the sealed files would mix with the original ones');
  const started = performance.now();
  const bytes = await readRequired(model, 'ONNX model');
  const sealed = await sealOnnxModel(bytes, { readExternal: onnxFileReader(model), name: model });
  try {
    await writeProtectedBundle(sealed, flags.out, keyPath, undefined, { force: flags.force });
  } finally {
    sealed.contentKey.fill(0);
  }
  const seconds = (performance.now() - started) / 1000;
  const external = sealed.externalData.map((e) => `${e.location} (${e.bytes} bytes)`).join(', ') || 'none';
  out.info(
    table(
      ['model', 'format', 'bytes sealed', 'external data', 'out'],
      [[model, 'onnx', `${sealed.sealedBytes}`, external, `${flags.out}/ (${sealed.bundle.fileNames().join(', ')})`]],
    ),
  );
  if (flags.seal === 'auto') out.info(`seal auto: all (an ONNX model is sealed whole)`);
  process.stderr.write(`edgepro: keep ${keyPath} secret and never ship it: it opens the sealed model; issue licences with it (edgepro licence issue)\n`);
  await out.result({
    model,
    format: 'onnx',
    out: flags.out,
    ownerKey: keyPath,
    modelFingerprint: sealed.fingerprint,
    modelBytes: sealed.modelBytes,
    externalData: sealed.externalData,
    externalTensors: sealed.externalTensors,
    sealedBytes: sealed.sealedBytes,
    seconds,
  });
}
