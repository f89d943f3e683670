import { resolve } from 'node:path';
import { directorySource, bundleDirectory } from '../../bundle/directory.js';
import { sealModel } from '../../owner/protect.js';
import { MODEL_JSON_FILE } from '../../bundle/layout.js';
import { UsageError } from '../errors.js';
import { Output, percent, table } from '../output.js';
import { writeProtectedBundle } from '../protected_files.js';
import { describeAutoSeal, sealReport } from '../level.js';
import type { SealFlags } from './seal.js';

export async function runSeal(model: string, flags: SealFlags, keyPath: string): Promise<void> {
  const out = new Output(flags);
  if (resolve(bundleDirectory(model)) === resolve(flags.out)) throw new UsageError('--out must be another directory than the model: sealing in place would destroy the original');
  const started = performance.now();
  const sealed = await sealModel(directorySource(model), { seal: flags.seal });
  try {
    await writeProtectedBundle(sealed, flags.out, keyPath, undefined, { force: flags.force });
  } finally {
    sealed.contentKey.fill(0);
  }
  const seconds = (performance.now() - started) / 1000;
  const kind = (JSON.parse(new TextDecoder().decode(sealed.bundle.get(MODEL_JSON_FILE))) as { format?: string }).format ?? 'layers-model';
  out.info(
    table(
      ['model', 'format', 'weights sealed', 'bytes sealed', 'out'],
      [[model, kind, `${sealed.sealedWeights.length}`, `${sealed.sealedBytes} of ${sealed.weightBytes} (${percent(sealed.sealedBytes / Math.max(1, sealed.weightBytes))})`, `${flags.out}/ (${sealed.bundle.fileNames().join(', ')})`]],
    ),
  );
  if (sealed.autoSeal !== undefined) out.info(describeAutoSeal(sealed.autoSeal, sealed.sealedBytes, sealed.weightBytes));
  process.stderr.write(`edgepro: keep ${keyPath} secret and never ship it: it opens the sealed weights; issue licences with it (edgepro licence issue)\n`);
  await out.result({ model, format: kind, out: flags.out, ownerKey: keyPath, modelFingerprint: sealed.fingerprint, sealedWeights: sealed.sealedWeights.length, sealedBytes: sealed.sealedBytes, weightBytes: sealed.weightBytes, seal: sealReport(flags.seal, sealed), seconds });
}
