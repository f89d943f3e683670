/**
 * The owner's side of the layout: a model's topology and weights, plus the choice of what to seal and the lock's
 * password, become a {@link Bundle}. Every protection level is one call: nothing sealed (the lock alone), some
 * layers, or all weights; a password or none.
 */
import { InvalidArgumentError } from '../util/errors.js';
import { concatBytes, defaultRandomBytes, keyBytes, toHex, type RandomBytes } from '../crypto/bytes.js';
import { KEY_BYTES } from '../crypto/aead.js';
import { sealPassword } from '../crypto/container.js';
import { inspectSealed, sealWeights } from '../crypto/stream.js';
import type { Password } from '../lock/password.js';
import { fingerprintBundle, type FingerprintedFile } from './fingerprint.js';
import { checkManifest, weightSpecBytes, type ManifestGroup, type ModelJsonDocument, type WeightSpec } from './manifest.js';
import { BUNDLE_METADATA_VERSION, CLEAR_WEIGHTS_FILE, CONTAINER_FILE, MODEL_JSON_FILE, SEALED_WEIGHTS_FILE, type BundleMetadata } from './layout.js';
import { Bundle } from './source.js';

/**
 * Which weights to seal: all of them, none (the lock alone, weights in the clear), or those of the named layers (a
 * name matches a weight called `name` or `name/...`, so `conv1` seals `conv1/kernel` and `conv1/bias`).
 */
export type SealSelection = 'all' | 'none' | readonly string[];

export interface AssembleOptions {
  /** Which weights to seal. */
  seal: SealSelection;
  /** The lock's password, sealed into password.edgepro; without it the bundle is not locked. */
  password?: Password;
  /** The content key everything is sealed under; default a fresh random one (returned). */
  contentKey?: Uint8Array;
  /** Chunk size of the sealed weights stream (default: the stream's). */
  chunkBytes?: number;
  randomBytes?: RandomBytes;
}

/** Bytes of randomness in a bundle's `keyId`. */
const KEY_ID_BYTES = 16;

export interface AssembledBundle {
  bundle: Bundle;
  /** The owner key: opens the sealed weights and password.edgepro, and issues licences. Keep it secret. */
  contentKey: Uint8Array;
  /** The bundle fingerprint that the container and licences carry. */
  fingerprint: string;
  /** The names of the sealed weights, and how many of the weights' bytes they are. */
  sealedWeights: string[];
  sealedBytes: number;
  weightBytes: number;
}

/** The layer (or weight-name prefix) names a selection can use: each weight's name and every `/` prefix of it. */
export function sealableNames(specs: readonly WeightSpec[]): string[] {
  const names = new Set<string>();
  for (const spec of specs) {
    const parts = spec.name.split('/');
    for (let i = 1; i < parts.length; i++) names.add(parts.slice(0, i).join('/'));
  }
  return [...names];
}

function selector(selection: SealSelection, specs: readonly WeightSpec[]): (spec: WeightSpec) => boolean {
  if (selection === 'all') return () => true;
  if (selection === 'none') return () => false;
  if (!Array.isArray(selection) || selection.length === 0) throw new InvalidArgumentError("seal must be 'all', 'none' or a non-empty list of layer names");
  const matches = (name: string, wanted: string) => name === wanted || name.startsWith(`${wanted}/`);
  for (const wanted of selection) {
    if (!specs.some((s) => matches(s.name, wanted))) {
      const layers = [...new Set(specs.map((s) => s.name.split('/')[0]!))];
      throw new InvalidArgumentError(`no weight belongs to ${JSON.stringify(wanted)}; the model's layers are ${layers.join(', ')}`);
    }
  }
  return (spec) => selection.some((wanted) => matches(spec.name, wanted));
}

/**
 * Lays a model out as a bundle: the weights split into a clear file and a sealed one as `seal` says, the password
 * sealed beside them, all bound by one fingerprint.
 *
 * @example
 * ```ts
 * const { modelJson, weights } = await serializeModel(locked);
 * const { bundle, contentKey } = await assembleBundle({ modelJson, weights }, { seal: 'all', password });
 * ```
 */
export async function assembleBundle(model: { modelJson: object; weights: Uint8Array }, options: AssembleOptions): Promise<AssembledBundle> {
  const doc = model.modelJson as ModelJsonDocument;
  const checked = checkManifest(doc, MODEL_JSON_FILE);
  if (checked.totalBytes !== model.weights.byteLength) {
    throw new InvalidArgumentError(`the weights are ${model.weights.byteLength} bytes, the manifest needs ${checked.totalBytes}`);
  }
  const specs = checked.groups.flatMap((g) => g.weights);
  const isSealed = selector(options.seal, specs);
  const clear: { spec: WeightSpec; bytes: Uint8Array }[] = [];
  const sealed: { spec: WeightSpec; bytes: Uint8Array }[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = weightSpecBytes(spec);
    (isSealed(spec) ? sealed : clear).push({ spec, bytes: model.weights.subarray(offset, offset + size) });
    offset += size;
  }
  const contentKey = options.contentKey !== undefined ? keyBytes(options.contentKey, KEY_BYTES, 'contentKey').slice() : (options.randomBytes ?? defaultRandomBytes)(KEY_BYTES);

  const groups: ManifestGroup[] = [];
  const files = new Map<string, Uint8Array>();
  const fingerprinted: FingerprintedFile[] = [];
  if (clear.length > 0 || sealed.length === 0) {
    const bytes = concatBytes(...clear.map((w) => w.bytes));
    groups.push({ paths: [CLEAR_WEIGHTS_FILE], weights: clear.map((w) => w.spec) });
    files.set(CLEAR_WEIGHTS_FILE, bytes);
    fingerprinted.push({ name: CLEAR_WEIGHTS_FILE, clear: bytes });
  }
  if (sealed.length > 0) {
    const plaintext = concatBytes(...sealed.map((w) => w.bytes));
    const file = await sealWeights(plaintext, contentKey, {
      name: SEALED_WEIGHTS_FILE,
      ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}),
      ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
    });
    plaintext.fill(0);
    groups.push({ paths: [SEALED_WEIGHTS_FILE], weights: sealed.map((w) => w.spec) });
    files.set(SEALED_WEIGHTS_FILE, file);
    // The sealed file's header is all the fingerprint reads of it (see fingerprint.ts).
    fingerprinted.push({ name: SEALED_WEIGHTS_FILE, sealedHeader: inspectSealed(file).headerBytes });
  }
  const userMeta = (doc.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const edgepro = (userMeta.edgepro ?? {}) as Record<string, unknown>;
  const bundleMeta: BundleMetadata = { version: BUNDLE_METADATA_VERSION, sealed: sealed.length > 0 ? [SEALED_WEIGHTS_FILE] : [] };
  // A fresh keyId for every keying: a re-keyed bundle never shares a fingerprint with the one before (see layout.ts).
  if (sealed.length > 0 || options.password !== undefined) bundleMeta.keyId = toHex((options.randomBytes ?? defaultRandomBytes)(KEY_ID_BYTES));
  const out: ModelJsonDocument = { ...doc, weightsManifest: groups, userDefinedMetadata: { ...userMeta, edgepro: { ...edgepro, bundle: bundleMeta } } };
  const fingerprint = await fingerprintBundle(out, fingerprinted);
  if (options.password !== undefined) {
    const { container } = await sealPassword(options.password, {
      modelFingerprint: fingerprint,
      contentKey,
      ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
    });
    files.set(CONTAINER_FILE, container);
  }
  files.set(MODEL_JSON_FILE, new TextEncoder().encode(JSON.stringify(out)));
  return {
    bundle: Bundle.fromFiles(files),
    contentKey,
    fingerprint,
    sealedWeights: sealed.map((w) => w.spec.name),
    sealedBytes: sealed.reduce((n, w) => n + w.bytes.byteLength, 0),
    weightBytes: model.weights.byteLength,
  };
}
