import { EdgeProError } from '../../util/errors.js';
import { inFile, MissingFileError, ModelLockedError, UsageError } from '../errors.js';
import { exists, modelJsonPath, readRequired } from '../files.js';
import { CRYPTO_ERROR_CODES } from '../../crypto/errors.js';
import { errorHint } from '../../util/error_hints.js';
import { readInferInputs } from '../inputs.js';
import { Output, percent, table } from '../output.js';
import { readKeyFile } from '../keys.js';
import { resolvePassphrase } from '../secrets.js';
import type { InferFlags } from './infer.js';


export async function runInfer(dir: string, inputs: string[], flags: InferFlags): Promise<void> {
  const out = new Output(flags);
  await readRequired(modelJsonPath(dir), 'model file', 'give the directory written by edgepro protect');
  if (flags.licence === undefined) {
    throw new ModelLockedError(`${dir} is locked: without a licence its answers are meaningless; give --licence FILE with --device-key KEY or a passphrase`);
  }
  const explicitPassphrase = flags.passphrase !== undefined || flags.passphraseFile !== undefined;
  if (flags.deviceKey !== undefined && explicitPassphrase) throw new UsageError('choose --device-key or a passphrase, not both');
  const passphrase = flags.deviceKey === undefined ? await resolvePassphrase(flags) : undefined;
  if (flags.deviceKey === undefined && passphrase === undefined) {
    throw new UsageError('--licence needs the key that opens it: --device-key NAME.key, or a passphrase (--passphrase-file FILE, EDGEPRO_PASSPHRASE or --passphrase)');
  }
  if (flags.vendorKey === undefined && !flags.allowUnsigned) {
    throw new UsageError("a licence is trusted only against its vendor's public key: give --vendor-key FILE (or --allow-unsigned to accept a licence whose signer is not checked)");
  }
  if (flags.vendorKey !== undefined && flags.allowUnsigned) throw new UsageError('choose --vendor-key or --allow-unsigned, not both');
  // A missing input fails now, not after the licence's key derivation and the model's load.
  for (const path of [...inputs, ...(flags.labels !== undefined ? [flags.labels] : [])]) {
    if (!(await exists(path))) throw new MissingFileError(path, `input file not found: ${path}`);
  }
  const licence = await readRequired(flags.licence, 'licence', 'ask the model owner for one: edgepro licence issue');
  const deviceKey = flags.deviceKey !== undefined ? await readKeyFile(flags.deviceKey, 'device-private') : undefined;
  const vendorKey = flags.vendorKey !== undefined ? await readKeyFile(flags.vendorKey, 'vendor-public') : undefined;
  // Loaded only now: usage errors above come back without the cost of loading TF.js.
  const { loadProtectedModel } = await import('../../runtime/index.js');
  const { directorySource } = await import('../../bundle/directory.js');
  let model;
  try {
    // The device's own path: the runtime checks the weights' fingerprint, opens the licence, then the container.
    model = await loadProtectedModel(
      directorySource(dir),
      { licence, ...(deviceKey ? { deviceKey } : { passphrase: passphrase! }), ...(vendorKey ? { vendorKey } : { allowUnsigned: true }) },
      { keepLocked: false }, // one password per run: one copy of the weights
    );
  } catch (error) {
    const licenceFailure = error instanceof EdgeProError && (CRYPTO_ERROR_CODES as readonly string[]).includes(error.code);
    throw licenceFailure ? inFile(error, flags.licence, errorHint(error.code, 'cli')) : error;
  } finally {
    deviceKey?.fill(0);
  }
  try {
    const batch = await readInferInputs(inputs, model.sampleShape, flags);
    for (const note of batch.notes) out.note(note);
    const { classes, probabilities, numClasses, labels } = await model.predict(batch.x, { count: batch.items.length });
    const results = batch.items.map((item, i) => ({
      input: item.name,
      class: classes[i]!,
      ...(labels !== undefined ? { label: labels[i]! } : {}),
      probability: probabilities[i * numClasses + classes[i]!]!,
      ...(item.expected !== undefined ? { expected: item.expected } : {}),
    }));
    const withExpected = results.filter((r) => r.expected !== undefined);
    // Names with names: a model that stores class names is compared by name; one that does not, by class index.
    const comparable = labels !== undefined || withExpected.every((r) => /^\d+$/.test(r.expected!));
    if (withExpected.length > 0 && !comparable) {
      out.note(`${dir} stores no class names, and the expected classes are names: not compared (train or protect with CSV labels or --class-names to store them)`);
    }
    const compared = comparable ? withExpected : [];
    const predictedName = (r: (typeof results)[number]) => r.label ?? String(r.class);
    const header = ['input', 'class', ...(labels !== undefined ? ['label'] : []), 'probability', ...(withExpected.length > 0 ? ['expected'] : [])];
    out.info(
      table(
        header,
        results.map((r) => [r.input, r.class, ...(labels !== undefined ? [r.label!] : []), percent(r.probability), ...(withExpected.length > 0 ? [r.expected ?? ''] : [])]),
      ),
    );
    const matches = compared.filter((r) => predictedName(r) === r.expected).length;
    if (compared.length > 0) out.info(`${matches} of ${compared.length} inputs predicted as expected (${percent(matches / compared.length)})`);
    await out.result({ modelDir: dir, licence: flags.licence, predictions: results, ...(compared.length > 0 ? { matches, compared: compared.length } : {}) });
  } finally {
    model.dispose();
  }
}
