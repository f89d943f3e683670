/**
 * The owner's (and the auditor's) view of a bundle: the model as lock-trained — not unlocked — with its password,
 * opened with the owner key. What `eval`, `attack` and `licence issue` start from.
 */
import { deserializeModel } from '../models/serialize.js';
import type { LockableModel } from '../models/types.js';
import type { Password } from '../lock/password.js';
import { validatePassword } from '../lock/password.js';
import { openContainer } from '../crypto/container.js';
import { ModelFormatError } from '../util/errors.js';
import { openBundle, type OpenedBundle } from '../bundle/open.js';
import { isOnnxBundle, openOnnxBundle } from '../bundle/onnx.js';
import type { BundleSource } from '../bundle/source.js';
import { weightSpecBytes } from '../bundle/manifest.js';
import { checkContainerVersion } from '../runtime/credentials.js';
import { initEngine } from '../engine/index.js';

export interface OwnedModel {
  /** The model as shipped, with sealed weights decrypted, its lock (if any) not applied. */
  lockable: LockableModel;
  /** The lock's password, when the bundle is locked. */
  password: Password | undefined;
  fingerprint: string;
  /** The weights that ship sealed (a thief holds only their shapes). */
  sealedWeights: readonly string[];
  weightBytes: number;
  sealedBytes: number;
  name: string;
}

/**
 * Checks that `contentKey` is this bundle's owner key — it opens password.edgepro, or else the sealed weights — and
 * returns the bundle fingerprint a licence must carry. Any model: layers, graph or a sealed ONNX model (its files
 * decrypted and the copies zeroed). DecryptionFailedError otherwise.
 */
export async function checkOwnerKey(source: BundleSource, contentKey: Uint8Array): Promise<{ fingerprint: string; kind: 'layers' | 'graph' | 'onnx'; sealed: boolean; locked: boolean }> {
  if (await isOnnxBundle(source)) {
    const onnx = await openOnnxBundle(source);
    const unsealed = await onnx.unseal(contentKey);
    for (const bytes of [unsealed.model, ...unsealed.externalData.map((e) => e.data)]) bytes.fill(0);
    return { fingerprint: onnx.fingerprint, kind: 'onnx', sealed: true, locked: false };
  }
  const opened = await openBundle(source);
  if (opened.container === undefined && opened.sealed.length === 0) {
    throw new ModelFormatError(`${opened.name} is neither sealed nor locked: there is nothing for a licence to open`);
  }
  if (opened.container !== undefined) {
    checkContainerVersion(opened.container);
    await openContainer(opened.container, contentKey, { modelFingerprint: opened.fingerprint });
  } else {
    new Uint8Array(await opened.weights(contentKey)).fill(0);
  }
  return { fingerprint: opened.fingerprint, kind: opened.kind, sealed: opened.sealed.length > 0, locked: opened.container !== undefined };
}

/**
 * The owner key opens the bundle's password.edgepro and sealed weights, or this throws (DecryptionFailedError).
 *
 * @example
 * ```ts
 * const owned = await openOwnedModel(directorySource('models/protected'), contentKey);
 * const unlocked = unlockModel(owned.lockable, owned.password!);
 * ```
 */
export async function openOwnedModel(source: BundleSource, contentKey: Uint8Array | undefined, options: { lockPoints?: string[] } = {}): Promise<OwnedModel> {
  const opened = await openBundle(source);
  if (opened.kind !== 'layers') throw new ModelFormatError(`${opened.name}: a graph model cannot be evaluated or attacked here (it has no lock and cannot be retrained)`);
  if ((opened.sealed.length > 0 || opened.container !== undefined) && contentKey === undefined) {
    throw new ModelFormatError(`${opened.name}: the bundle is ${opened.sealed.length > 0 ? 'sealed' : 'locked'}; its owner key is needed`);
  }
  let password: Password | undefined;
  if (opened.container !== undefined) {
    checkContainerVersion(opened.container);
    password = await openContainer(opened.container, contentKey!, { modelFingerprint: opened.fingerprint });
  }
  const weights = await opened.weights(opened.sealed.length > 0 ? contentKey : undefined);
  await initEngine();
  const lockable = await deserializeModel(opened.modelJson as never, weights, { source: opened.name, ...options });
  if (password !== undefined) password = validatePassword(password, lockable.lockPoints);
  return {
    lockable,
    password,
    fingerprint: opened.fingerprint,
    sealedWeights: opened.sealedWeights,
    weightBytes: opened.weightBytes,
    sealedBytes: sealedBytesOf(opened),
    name: opened.name,
  };
}

function sealedBytesOf(opened: OpenedBundle): number {
  const sealed = new Set(opened.sealedWeights);
  return opened.weightSpecs.filter((spec) => sealed.has(spec.name)).reduce((n, spec) => n + weightSpecBytes(spec), 0);
}
