/**
 * The owner's remedy for a leaked content key: the same bundle — the same weights, the same password, the same
 * weights sealed — laid out again under a fresh content key, with no lock training. The new bundle has a new
 * fingerprint (a fresh `keyId` and fresh salts), so every licence issued before is refused as made for another model.
 */
import { InvalidArgumentError, ModelFormatError } from '../util/errors.js';
import type { RandomBytes } from '../crypto/bytes.js';
import { openContainer } from '../crypto/container.js';
import type { Password } from '../lock/password.js';
import { assembleBundle, type AssembledBundle, type SealSelection } from '../bundle/assemble.js';
import { openBundle } from '../bundle/open.js';
import { isOnnxBundle } from '../bundle/onnx.js';
import type { BundleSource } from '../bundle/source.js';
import { checkContainerVersion } from '../runtime/credentials.js';

export interface RekeyOptions {
  /** Chunk size of the re-sealed weights stream (default: the stream's). */
  chunkBytes?: number;
  randomBytes?: RandomBytes;
}

export interface RekeyedBundle extends AssembledBundle {
  /** The fingerprint of the bundle as it was: what the licences now refused carry. */
  previousFingerprint: string;
}

/**
 * Opens the bundle with its current owner key (DecryptionFailedError if that key does not open it) and re-seals it
 * under a fresh content key: the sealed weights are exactly those sealed before, model.json is unchanged apart from
 * edgepro's bundle record, password.edgepro holds the same password. Layers or graph, any level. The old key and
 * every licence issued with it no longer open the result; issue new licences with the returned `contentKey`.
 *
 * @example
 * ```ts
 * const rekeyed = await rekeyBundle(directorySource('models/protected'), leakedKey);
 * await writeBundle(rekeyed.bundle, 'models/protected'); // edgepro/node; keep rekeyed.contentKey, issue new licences
 * ```
 */
export async function rekeyBundle(source: BundleSource, oldContentKey: Uint8Array, options: RekeyOptions = {}): Promise<RekeyedBundle> {
  if (await isOnnxBundle(source)) {
    throw new ModelFormatError(`${source.name} is a sealed ONNX model: to rotate its key, seal the original .onnx again (edgepro seal model.onnx); the new bundle refuses every earlier licence`);
  }
  const opened = await openBundle(source);
  if (opened.container === undefined && opened.sealed.length === 0) {
    await opened.close();
    throw new ModelFormatError(`${opened.name} is neither sealed nor locked: it has no content key to rotate`);
  }
  let password: Password | undefined;
  if (opened.container !== undefined) {
    try {
      checkContainerVersion(opened.container);
      password = await openContainer(opened.container, oldContentKey, { modelFingerprint: opened.fingerprint });
    } catch (error) {
      await opened.close();
      throw error;
    }
  }
  const weights = new Uint8Array(await opened.weights(opened.sealed.length > 0 ? oldContentKey : undefined));
  try {
    const wasSealed = [...opened.sealedWeights];
    const seal: SealSelection = wasSealed.length === 0 ? 'none' : wasSealed.length === opened.weightSpecs.length ? 'all' : wasSealed;
    const rekeyed = await assembleBundle({ modelJson: opened.modelJson, weights }, {
      seal,
      ...(password !== undefined ? { password } : {}),
      ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}),
      ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
    });
    // A selection matches weight-name prefixes too (`a` seals `a/b`): the set sealed must be exactly the old one.
    const now = new Set(rekeyed.sealedWeights);
    if (now.size !== wasSealed.length || wasSealed.some((name) => !now.has(name))) {
      rekeyed.contentKey.fill(0);
      throw new InvalidArgumentError(`${opened.name}: its sealed weights cannot be selected exactly by name (a sealed weight's name is a prefix of a clear one's); seal the original model again instead`);
    }
    return { ...rekeyed, previousFingerprint: opened.fingerprint };
  } finally {
    // Decrypted weights are a fresh buffer, zeroed here; clear-only weights may be the source's own bytes.
    if (opened.sealed.length > 0) weights.fill(0);
  }
}
