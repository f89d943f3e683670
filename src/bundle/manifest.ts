/**
 * model.json as untrusted input: its weight manifest is checked completely — file names, dtypes, shapes, sizes —
 * before a byte of weights is read or allocated, so that a crafted file fails here with a typed error instead of
 * reading outside the bundle, allocating gigabytes, or failing deep inside TF.js.
 */
import { ModelFormatError } from '../util/errors.js';
import { ONNX_FORMAT } from './layout.js';

/** The model.json document as edgepro reads it (a TF.js `ModelJSON`, layers or graph). */
export interface ModelJsonDocument {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: ManifestGroup[];
  signature?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: Record<string, unknown>;
  trainingConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** A TF.js weight spec (`tf.io.WeightsManifestEntry`), as far as edgepro relies on it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'complex64';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number; original_dtype?: string };
  [key: string]: unknown;
}

/** Caps on what a model.json may ask for. A caller may tighten `maxWeightBytes`. */
export const MANIFEST_LIMITS = {
  /** model.json itself (a ResNet-50's topology is under 1 MiB). */
  maxModelJsonBytes: 64 * 1024 * 1024,
  /** All weights together: 2 GiB. */
  maxWeightBytes: 2 ** 31,
  maxWeights: 100_000,
  maxFiles: 10_000,
  maxRank: 8,
} as const;

/** A file name inside the bundle: no directories, no `..`, nothing a URL or a path would resolve elsewhere. */
const FILE_NAME = /^[A-Za-z0-9._-]{1,255}$/;

export function isBundleFileName(name: unknown): name is string {
  return typeof name === 'string' && FILE_NAME.test(name) && name !== '.' && name !== '..';
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One weight group, checked: its files, specs and the bytes they must hold. */
export interface CheckedGroup {
  paths: string[];
  weights: WeightSpec[];
  /** Bytes of this group's weights (the sum over its specs). */
  bytes: number;
}

export interface CheckedManifest {
  groups: CheckedGroup[];
  /** All weights' bytes, in manifest order. */
  totalBytes: number;
  kind: 'layers' | 'graph';
}

function bad(source: string, message: string): ModelFormatError {
  return new ModelFormatError(`${source}: ${message}`);
}

function specBytes(spec: Record<string, unknown>, where: string, source: string): number {
  if (typeof spec.name !== 'string' || spec.name === '' || spec.name.length > 1024) throw bad(source, `${where}.name must be a non-empty string`);
  const dtype = spec.dtype ?? 'float32';
  if (typeof dtype !== 'string' || DTYPE_BYTES[dtype] === undefined) {
    throw bad(source, `${where} (${spec.name}) has dtype ${JSON.stringify(dtype)}; edgepro reads float32, int32, bool and complex64 weights`);
  }
  if (!Array.isArray(spec.shape) || spec.shape.length > MANIFEST_LIMITS.maxRank) throw bad(source, `${where} (${spec.name}).shape must be an array of at most ${MANIFEST_LIMITS.maxRank} dims`);
  let elements = 1;
  for (const dim of spec.shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) throw bad(source, `${where} (${spec.name}).shape holds ${JSON.stringify(dim)}; dims are non-negative integers`);
    elements *= dim;
    if (elements > MANIFEST_LIMITS.maxWeightBytes) throw bad(source, `${where} (${spec.name}) has more elements than edgepro loads (${MANIFEST_LIMITS.maxWeightBytes})`);
  }
  let per = DTYPE_BYTES[dtype]!;
  if (spec.quantization !== undefined) {
    const q = spec.quantization;
    if (!isObject(q) || typeof q.dtype !== 'string' || QUANTIZED_BYTES[q.dtype] === undefined) {
      throw bad(source, `${where} (${spec.name}).quantization.dtype must be uint8, uint16 or float16`);
    }
    per = QUANTIZED_BYTES[q.dtype]!;
  }
  return elements * per;
}

/** Bytes a checked weight spec takes in its file. */
export function weightSpecBytes(spec: WeightSpec): number {
  const per = spec.quantization !== undefined ? QUANTIZED_BYTES[spec.quantization.dtype]! : DTYPE_BYTES[spec.dtype ?? 'float32']!;
  return spec.shape.reduce((a, b) => a * b, 1) * per;
}

/**
 * Checks a parsed model.json: a layers or graph model, its manifest's file names plain and unique, every weight spec
 * well-formed, the total within `maxWeightBytes`. Returns the groups with the bytes each must hold.
 */
export function checkManifest(doc: unknown, source: string, limits: { maxWeightBytes?: number } = {}): CheckedManifest {
  if (!isObject(doc)) throw bad(source, 'is not a JSON object');
  if (doc.format === ONNX_FORMAT) throw bad(source, "is a sealed ONNX model: load it with loadProtectedOnnx from 'edgepro/onnx'");
  if (!isObject(doc.modelTopology)) throw bad(source, 'has no modelTopology: not a TensorFlow.js model');
  const kind = doc.format === 'graph-model' || (doc.format === undefined && Array.isArray(doc.modelTopology.node)) ? 'graph' : 'layers';
  if (doc.format !== undefined && doc.format !== 'layers-model' && doc.format !== 'graph-model') {
    throw bad(source, `has format ${JSON.stringify(doc.format)}; edgepro reads "layers-model" and "graph-model"`);
  }
  const manifest = doc.weightsManifest;
  if (!Array.isArray(manifest)) throw bad(source, 'has no weightsManifest');
  const maxBytes = Math.min(limits.maxWeightBytes ?? Infinity, MANIFEST_LIMITS.maxWeightBytes);
  const seen = new Set<string>();
  let weights = 0;
  let total = 0;
  const groups: CheckedGroup[] = manifest.map((group: unknown, g) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw bad(source, `weightsManifest[${g}] needs paths and weights arrays`);
    for (const path of group.paths) {
      if (!isBundleFileName(path)) {
        throw bad(source, `weightsManifest[${g}] names the file ${JSON.stringify(path)}; weight files are plain names inside the model's directory (letters, digits, . _ -)`);
      }
      if (seen.has(path)) throw bad(source, `weightsManifest names ${path} twice`);
      seen.add(path);
      if (seen.size > MANIFEST_LIMITS.maxFiles) throw bad(source, `weightsManifest names more than ${MANIFEST_LIMITS.maxFiles} files`);
    }
    let bytes = 0;
    group.weights.forEach((spec: unknown, i) => {
      if (!isObject(spec)) throw bad(source, `weightsManifest[${g}].weights[${i}] is not an object`);
      if (++weights > MANIFEST_LIMITS.maxWeights) throw bad(source, `weightsManifest lists more than ${MANIFEST_LIMITS.maxWeights} weights`);
      bytes += specBytes(spec, `weightsManifest[${g}].weights[${i}]`, source);
      if (total + bytes > maxBytes) throw bad(source, `its weights need more than ${maxBytes} bytes, over the limit of this loader`);
    });
    if (group.paths.length === 0 && bytes > 0) throw bad(source, `weightsManifest[${g}] has weights but no file`);
    total += bytes;
    return { paths: group.paths as string[], weights: group.weights as WeightSpec[], bytes };
  });
  return { groups, totalBytes: total, kind };
}

/** Parses model.json bytes or text, then {@link checkManifest}. */
export function parseModelJsonDocument(text: string | Uint8Array, source: string, limits: { maxWeightBytes?: number } = {}): { doc: ModelJsonDocument; manifest: CheckedManifest } {
  const size = typeof text === 'string' ? text.length : text.byteLength;
  if (size > MANIFEST_LIMITS.maxModelJsonBytes) throw bad(source, `is ${size} bytes, over the ${MANIFEST_LIMITS.maxModelJsonBytes} a model.json may have`);
  let doc: unknown;
  try {
    doc = JSON.parse(typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (cause) {
    throw new ModelFormatError(`${source} is not valid UTF-8 JSON`, { cause });
  }
  const manifest = checkManifest(doc, source, limits);
  return { doc: doc as ModelJsonDocument, manifest };
}
