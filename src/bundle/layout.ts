/**
 * The bundle layout: which files a protected model consists of and what model.json records about them. The only
 * place that names them; readers, writers and verbs go through this module.
 *
 *     model.json        the TF.js model (layers or graph); its manifest names the weight files below
 *     weights.bin       the weights in the clear (absent when everything is sealed)
 *     weights.sealed    the sealed weights: an edgepro-sealed stream (absent when nothing is sealed)
 *     password.edgepro  the sealed password (present iff the model is locked)
 *
 * A sealed ONNX model (onnx.ts) has a model.json of its own format instead, and no weights or password:
 *
 *     model.json           {"format":"edgepro-onnx", ...}: the sealed files and the external-data names they stand for
 *     model.onnx.sealed    the .onnx file, sealed
 *     external-<i>.sealed  the i-th external data file the model names, sealed
 */
import { ModelFormatError } from '../util/errors.js';
import type { CheckedManifest, ModelJsonDocument } from './manifest.js';

export const MODEL_JSON_FILE = 'model.json';
export const CLEAR_WEIGHTS_FILE = 'weights.bin';
export const SEALED_WEIGHTS_FILE = 'weights.sealed';
export const CONTAINER_FILE = 'password.edgepro';

/** model.json's `format` for a sealed ONNX model, and the version of that document. */
export const ONNX_FORMAT = 'edgepro-onnx';
export const ONNX_VERSION = 1;
export const ONNX_MODEL_FILE = 'model.onnx.sealed';
/** The sealed file of the i-th external data file (numbered: the model's own names may be anything plain). */
export const ONNX_EXTERNAL_FILE = (i: number): string => `external-${i}.sealed`;

/** What model.json's `userDefinedMetadata.edgepro.bundle` says; plain TF.js ignores it. */
export interface BundleMetadata {
  version: 1;
  /** The weight files that are sealed (each one manifest group, one file). */
  sealed: string[];
  /**
   * 16 random bytes (hex), drawn each time a key is laid on the model (protect, seal, rekey): each keying is its own
   * bundle with its own fingerprint, so a licence of an earlier keying is refused as made for another model, even when
   * nothing else changed (the lock alone, weights in the clear). Absent when nothing is keyed, and in older bundles.
   */
  keyId?: string;
}

export const BUNDLE_METADATA_VERSION = 1;

/** The sealed files model.json declares, checked against its manifest: each must be the one file of its group. */
export function sealedFiles(doc: ModelJsonDocument, manifest: CheckedManifest, source: string): Set<string> {
  const edgepro = (doc.userDefinedMetadata as { edgepro?: { bundle?: unknown } } | undefined)?.edgepro;
  const meta = edgepro?.bundle as Partial<BundleMetadata> | undefined;
  if (meta === undefined) return new Set();
  if (typeof meta !== 'object' || meta === null || meta.version !== BUNDLE_METADATA_VERSION || !Array.isArray(meta.sealed)) {
    throw new ModelFormatError(`${source}: userDefinedMetadata.edgepro.bundle is not a version ${BUNDLE_METADATA_VERSION} bundle record (made by a newer edgepro?)`);
  }
  const sealed = new Set<string>();
  for (const file of meta.sealed) {
    const group = manifest.groups.find((g) => g.paths.includes(file as string));
    if (group === undefined) throw new ModelFormatError(`${source}: the sealed file ${JSON.stringify(file)} is not in the weights manifest`);
    if (group.paths.length !== 1) throw new ModelFormatError(`${source}: the sealed file ${String(file)} shares its manifest group with other files`);
    sealed.add(file as string);
  }
  return sealed;
}
