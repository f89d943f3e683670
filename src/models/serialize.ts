/**
 * The TensorFlow.js LayersModel format in memory: `model.json` (topology + weights manifest) and `weights.bin`.
 * Isomorphic: bytes in, bytes out; reading and writing files is the Node adapter's job (files.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelFormatError } from '../util/errors.js';
import { fixKerasModelTopology } from './keras.js';
import { describeLockPoint } from './lock_points.js';
import type { LockableModel, LockPoint } from './types.js';

/** The one weight file TF.js's manifest names; a bundle lays the files out anew (src/bundle/assemble.ts). */
const WEIGHTS_FILE = 'weights.bin';

/** What edgepro keeps in model.json's `userDefinedMetadata.edgepro`; plain TF.js ignores it. */
export interface EdgeProModelMetadata {
  architecture: string;
  lockPoints: string[];
  /** The name of each class, output k's at k (from CSV labels or `--class-names`). */
  classNames?: string[];
}

/** Caps on stored class names: what a device reads from a model.json it does not trust yet. */
export const CLASS_NAME_LIMITS = { count: 100_000, length: 1024 } as const;

/** Checks a list of class names: non-empty strings, no duplicates, within the caps. Returns the message, or undefined. */
export function classNamesProblem(names: unknown): string | undefined {
  if (!Array.isArray(names) || names.length === 0) return 'class names must be a non-empty list of strings';
  if (names.length > CLASS_NAME_LIMITS.count) return `${names.length} class names are more than the ${CLASS_NAME_LIMITS.count} allowed`;
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    if (typeof name !== 'string' || name === '') return `class name ${i} must be a non-empty string`;
    if (name.length > CLASS_NAME_LIMITS.length) return `class name ${i} is longer than ${CLASS_NAME_LIMITS.length} characters`;
    if (seen.has(name)) return `class name ${JSON.stringify(name)} is given twice`;
    seen.add(name);
  }
  return undefined;
}

/**
 * The class names a model.json stores (`userDefinedMetadata.edgepro.classNames`), checked, or undefined when it
 * stores none. Layers and graph models alike.
 */
export function readClassNames(modelJson: { userDefinedMetadata?: unknown }, source = 'model.json'): string[] | undefined {
  const meta = modelJson.userDefinedMetadata as { edgepro?: { classNames?: unknown } } | undefined;
  const names = meta?.edgepro?.classNames;
  if (names === undefined) return undefined;
  const problem = classNamesProblem(names);
  if (problem !== undefined) throw new ModelFormatError(`${source}: userDefinedMetadata.edgepro.classNames: ${problem}`);
  return [...(names as string[])];
}

export interface SerializedModel {
  /** The model.json document. */
  modelJson: tf.io.ModelJSON;
  /** The contents of weights.bin. */
  weights: Uint8Array;
}

function flattenWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buffer);
}

/** Serialises a model (and its lock points, as metadata) into model.json and its weights, as TF.js saves them. */
export async function serializeModel(lockable: LockableModel): Promise<SerializedModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await lockable.model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts === undefined || artifacts.modelTopology === undefined) throw new ModelFormatError('model could not be serialised');
  const metadata: EdgeProModelMetadata = {
    architecture: lockable.architecture,
    lockPoints: lockable.lockPoints.map((p) => p.layer),
    ...(lockable.classNames !== undefined ? { classNames: [...lockable.classNames] } : {}),
  };
  const modelJson: tf.io.ModelJSON = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy ?? 'TensorFlow.js',
    convertedBy: 'edgepro',
    modelTopology: artifacts.modelTopology as object,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
    userDefinedMetadata: { edgepro: metadata as unknown as object },
  };
  return { modelJson, weights: flattenWeightData(artifacts.weightData) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses model.json text into a ModelJSON, checking the fields TF.js needs, so that a broken file fails here with
 * a clear message instead of deep inside tfjs-layers.
 */
export function parseModelJson(text: string, source = 'model.json'): tf.io.ModelJSON {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new ModelFormatError(`${source} is not valid JSON`, { cause });
  }
  if (!isObject(doc) || !isObject(doc.modelTopology)) throw new ModelFormatError(`${source} has no modelTopology: not a TensorFlow.js LayersModel`);
  if (doc.format !== undefined && doc.format !== 'layers-model') {
    throw new ModelFormatError(`${source} has format "${String(doc.format)}"; edgepro needs a "layers-model" (a graph model cannot be retrained)`);
  }
  if (!Array.isArray(doc.weightsManifest)) throw new ModelFormatError(`${source} has no weightsManifest`);
  return doc as unknown as tf.io.ModelJSON;
}

/** The weight specs of all manifest groups, in order, with the weight files each group reads. */
export function manifestPaths(modelJson: tf.io.ModelJSON): string[] {
  return modelJson.weightsManifest.flatMap((group) => group.paths);
}

/**
 * Builds a model from model.json and the concatenated bytes of its weight files (in manifest order).
 * Lock points come from edgepro's metadata when present; `lockPoints` overrides them.
 */
export async function deserializeModel(
  modelJson: tf.io.ModelJSON,
  weights: Uint8Array | ArrayBuffer,
  options: { source?: string; lockPoints?: string[] } = {},
): Promise<LockableModel & { declaredLockPoints: boolean }> {
  const source = options.source ?? 'model.json';
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const bytesPer = (dtype: string | undefined) => (dtype === 'bool' ? 1 : dtype === 'complex64' ? 8 : 4);
  const expected = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * bytesPer(spec.dtype), 0);
  if (specs.some((s) => s.quantization !== undefined)) {
    // Quantised weights have their own sizes; let TF.js check them.
  } else if (bytes.byteLength !== expected) {
    throw new ModelFormatError(`${source}: weights are ${bytes.byteLength} bytes, the manifest needs ${expected} (truncated or wrong weights file?)`);
  }
  // TF.js copies each tensor out of the buffer; hand it the buffer itself when the bytes are all of it.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  const buffer = whole ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  // A model converted from Keras (2 or 3) by tfjs-converter: map what tfjs-layers 4.22 does not read (src/models/keras.ts).
  let modelTopology: object;
  try {
    modelTopology = fixKerasModelTopology(modelJson.modelTopology);
  } catch (cause) {
    throw new ModelFormatError(`${source}: ${(cause as Error).message}`, { cause });
  }
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology,
        weightSpecs: specs,
        weightData: buffer,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
      }),
    );
  } catch (cause) {
    throw new ModelFormatError(`${source} could not be loaded: ${(cause as Error).message}`, { cause });
  }
  const meta = (modelJson.userDefinedMetadata as { edgepro?: Partial<EdgeProModelMetadata> } | undefined)?.edgepro;
  const declared = options.lockPoints ?? (Array.isArray(meta?.lockPoints) ? meta.lockPoints.map(String) : undefined);
  const lockPoints: LockPoint[] = declared ? declared.map((name) => describeLockPoint(model, name)) : [];
  let classNames: string[] | undefined;
  try {
    classNames = readClassNames(modelJson, source);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    architecture: typeof meta?.architecture === 'string' ? meta.architecture : 'custom',
    model,
    lockPoints,
    ...(classNames !== undefined ? { classNames } : {}),
    declaredLockPoints: declared !== undefined,
  };
}

/** An independent copy of a model (weights included), through the LayersModel format. */
export async function cloneLockable(lockable: LockableModel): Promise<LockableModel> {
  const { modelJson, weights } = await serializeModel(lockable);
  const copy = await deserializeModel(modelJson, weights);
  return { architecture: lockable.architecture, model: copy.model, lockPoints: lockable.lockPoints, ...(lockable.classNames !== undefined ? { classNames: [...lockable.classNames] } : {}) };
}
