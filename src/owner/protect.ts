/**
 * The owner's verbs that make bundles: `protect` (EdgePro lock training, then the weights sealed as chosen),
 * `sealModel` (any TF.js model, layers or graph, sealed without training or data) and `sealOnnxModel` (an ONNX
 * model and its external data, sealed whole). Each returns the bundle, the owner
 * key and what the owner must keep beside it; writing files is the caller's (the CLI's, or `writeBundle`).
 */
import type { Dataset } from '../data/types.js';
import { serializeModel } from '../models/serialize.js';
import type { LockableModel } from '../models/types.js';
import { protectModel, type ProtectAudit, type ProtectOptions, type ProtectResult } from '../train/protect.js';
import { assembleBundle, type AssembledBundle, type SealSelection } from '../bundle/assemble.js';
import { assembleOnnxBundle, type AssembledOnnxBundle, type OnnxFileReader } from '../bundle/onnx.js';
import { openBundle } from '../bundle/open.js';
import type { BundleSource } from '../bundle/source.js';
import type { RandomBytes } from '../crypto/bytes.js';
import { InvalidArgumentError } from '../util/errors.js';
import { holdoutRecord, type HoldoutRecord, type HoldoutSource, type LockAuditRecord } from './holdout.js';
import { autoSeal, autoSealSelection, autoSealWithoutLock, type AutoSeal, type ProtectSealSelection } from './auto_seal.js';

/** `audit` (see ProtectOptions) is on here unless `false`: protect checks the lock it made before it ships it. */
export interface ProtectBundleOptions extends ProtectOptions {
  /**
   * Which weights to seal: `all` (the default), `none` (the lock alone, as the paper ships it), layer names, or
   * `auto` (a measured partial seal for the architecture, else all: see `autoSeal`).
   */
  seal?: ProtectSealSelection;
  /** What decides the held-out test split, to record with the owner key (`holdout` in the result). */
  holdout?: HoldoutSource & { testSamples: number };
  /** Chunk size of the sealed weights stream. */
  chunkBytes?: number;
  randomBytes?: RandomBytes;
}

export interface ProtectBundleResult extends AssembledBundle {
  /** The lock training: the locked model (for an evaluation in the same process), its password, the ranking. */
  lock: ProtectResult;
  /** The record to keep beside the owner key, when `holdout` was given. */
  holdout: HoldoutRecord | undefined;
  /** What `seal: 'auto'` chose and why; undefined for any other seal. */
  autoSeal: AutoSeal | undefined;
}

/**
 * EdgePro lock training on `base`, audited (see `auditLock`: a lock that short attacks revive is retrained with a fresh
 * password, or protect throws `LockAuditError`), then the protected model as a bundle with its weights sealed as
 * `seal` says (default: all). `base` is left untouched.
 *
 * @example
 * ```ts
 * const { bundle, contentKey, holdout } = await protect(baseline, train, { epochs: 12, seal: 'all' });
 * await writeBundle(bundle, 'models/protected'); // edgepro/node
 * ```
 */
export async function protect(base: LockableModel, train: Dataset, options: ProtectBundleOptions): Promise<ProtectBundleResult> {
  const lock = await protectModel(base, train, { ...options, audit: options.audit ?? {} });
  // Auto is resolved on the model that ships, so its layer check sees the layers assembleBundle will seal.
  const auto = options.seal === 'auto' ? autoSeal(lock.protected) : undefined;
  const seal = auto !== undefined ? autoSealSelection(auto) : (options.seal as SealSelection | undefined) ?? 'all';
  const assembled = await assembleBundle(await serializeModel(lock.protected), {
    seal,
    password: lock.password,
    ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}),
    ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
  });
  const holdout = options.holdout === undefined ? undefined : holdoutRecord(options.holdout, options.holdout.testSamples, assembled.fingerprint, lock.audit && auditRecord(lock.audit));
  return { ...assembled, lock, holdout, autoSeal: auto };
}

/** The audit's figures as the held-out record keeps them. */
export function auditRecord(audit: ProtectAudit): LockAuditRecord {
  return {
    bar: audit.attempts[0]!.bar,
    heldOut: audit.heldOut,
    attempts: audit.attempts.map((a) => ({
      released: a.released,
      finetune: a.finetune.accuracy,
      pruneMax: Math.max(...a.prune.map((r) => r.accuracy)),
      greedy: a.greedy.accuracy,
      worst: a.worst,
      passes: a.passes,
      seconds: a.seconds,
    })),
  };
}

/**
 * Seals a TF.js model as it is — a LayersModel or a GraphModel (what tfjs-converter makes) — with no lock training
 * and no data: a thief holding the bundle holds the architecture only. `seal` picks layers instead of all weights;
 * `auto` seals all (no partial seal was measured without a lock: see `autoSealWithoutLock`), and says so in `autoSeal`.
 *
 * @example
 * ```ts
 * const { bundle, contentKey } = await sealModel(directorySource('node_modules/some-model/model'));
 * ```
 */
export async function sealModel(
  source: BundleSource,
  options: { seal?: ProtectSealSelection; chunkBytes?: number; randomBytes?: RandomBytes } = {},
): Promise<AssembledBundle & { autoSeal: AutoSeal | undefined }> {
  const opened = await openBundle(source);
  if (opened.sealed.length > 0 || opened.container !== undefined) {
    throw new InvalidArgumentError(`${opened.name} is already protected by edgepro; seal the original model`);
  }
  const weights = new Uint8Array(await opened.weights());
  const auto = options.seal === 'auto' ? autoSealWithoutLock() : undefined;
  const seal = auto !== undefined ? autoSealSelection(auto) : (options.seal as SealSelection | undefined) ?? 'all';
  if (seal === 'none') throw new InvalidArgumentError("sealing with seal 'none' would protect nothing");
  const assembled = await assembleBundle({ modelJson: opened.modelJson, weights }, {
    seal,
    ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}),
    ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
  });
  return { ...assembled, autoSeal: auto };
}

/**
 * Seals an ONNX model as it is — the .onnx bytes and every external data file it names, read through `readExternal`
 * (`onnxFileReader(path)` from `edgepro/node` reads them from beside the model) — with no training and no data.
 * External-data locations are untrusted: only plain file names beside the model, sizes capped (ModelFormatError).
 * Devices load the bundle with `loadProtectedOnnx` (`edgepro/onnx`) and a licence.
 *
 * @example
 * ```ts
 * const { bundle, contentKey } = await sealOnnxModel(await readFile('model.onnx'), { readExternal: onnxFileReader('model.onnx') });
 * await writeBundle(bundle, 'models/model-sealed');
 * ```
 */
export async function sealOnnxModel(
  model: Uint8Array,
  options: { readExternal?: OnnxFileReader; name?: string; contentKey?: Uint8Array; chunkBytes?: number; randomBytes?: RandomBytes } = {},
): Promise<AssembledOnnxBundle> {
  return assembleOnnxBundle(model, options);
}
