/**
 * A sealed ONNX model as a bundle: the same sealed stream, fingerprint, key id and licences as a TF.js bundle, with
 * a model.json of its own format naming the sealed files:
 *
 *     model.json          {"format":"edgepro-onnx","version":1,"model":{...},"externalData":[...],"keyId":"..."}
 *     model.onnx.sealed   the .onnx file, sealed
 *     external-<i>.sealed the i-th external data file the model names, sealed
 *
 * The owner's side ({@link assembleOnnxBundle}) takes the .onnx bytes and a reader of the files beside it, checks
 * every external-data location the model names (plain file names only, sizes capped, every tensor inside its file)
 * and seals them all under one content key. The device's side ({@link openOnnxBundle}) checks model.json, reads the
 * sealed headers, computes the fingerprint, and with the content key decrypts every file into memory. Isomorphic.
 */
import { InvalidArgumentError, ModelFormatError } from '../util/errors.js';
import { defaultRandomBytes, keyBytes, toHex, type RandomBytes } from '../crypto/bytes.js';
import { KEY_BYTES } from '../crypto/aead.js';
import { inspectSealed, openSealed, sealWeights } from '../crypto/stream.js';
import { fingerprintBundle, type FingerprintedFile } from './fingerprint.js';
import { isBundleFileName, MANIFEST_LIMITS } from './manifest.js';
import { MODEL_JSON_FILE, ONNX_EXTERNAL_FILE, ONNX_FORMAT, ONNX_MODEL_FILE, ONNX_VERSION } from './layout.js';
import { externalTensors, type ExternalTensorRef } from './onnx_proto.js';
import { pendingSealed, readRequired, type PendingSealed } from './open.js';
import { Bundle, type BundleSource } from './source.js';
import type { AssembledBundle } from './assemble.js';

/** Caps on what an ONNX bundle (and the model sealed into one) may hold. A caller may tighten `maxBytes`. */
export const ONNX_BUNDLE_LIMITS = {
  /** The .onnx file: protobuf's own limit, 2 GiB. */
  maxModelBytes: 2 ** 31,
  /** One external data file: what one sealed stream holds, 4 GiB. */
  maxExternalFileBytes: 2 ** 32,
  /** The model and all its external data together: 4 GiB. */
  maxBytes: 2 ** 32,
  /** External data files one model may name. */
  maxExternalFiles: MANIFEST_LIMITS.maxFiles,
} as const;

/** One external data file in model.json: the name the model gives it, the bundle file it is sealed in, its size. */
export interface OnnxExternalEntry {
  location: string;
  file: string;
  bytes: number;
}

/** model.json of a sealed ONNX bundle. */
export interface OnnxBundleDocument {
  format: typeof ONNX_FORMAT;
  version: typeof ONNX_VERSION;
  model: { file: string; bytes: number };
  externalData: OnnxExternalEntry[];
  /** 16 random bytes (hex), fresh for each sealing: each keying is its own bundle (see layout.ts). */
  keyId: string;
}

/** True when a parsed model.json is a sealed ONNX bundle's (whatever else is wrong with it). */
export function isOnnxBundleDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && (doc as { format?: unknown }).format === ONNX_FORMAT;
}

/**
 * True when the source's model.json is a sealed ONNX bundle's (false when it is another model.json, or unreadable:
 * the TF.js reader then says what is wrong). Reads model.json; for tools that take either kind of bundle.
 */
export async function isOnnxBundle(source: BundleSource): Promise<boolean> {
  const bytes = await source.read(MODEL_JSON_FILE);
  if (bytes === undefined || bytes.byteLength > MANIFEST_LIMITS.maxModelJsonBytes) return false;
  try {
    return isOnnxBundleDocument(JSON.parse(new TextDecoder().decode(bytes)));
  } catch {
    return false;
  }
}

// --- model.json ---

function bad(source: string, message: string): ModelFormatError {
  return new ModelFormatError(`${source}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyFields(value: Record<string, unknown>, fields: readonly string[], where: string, source: string): void {
  for (const key of Object.keys(value)) if (!fields.includes(key)) throw bad(source, `${where} has an unknown field ${JSON.stringify(key)}`);
}

function byteCount(value: unknown, max: number, where: string, source: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) throw bad(source, `${where} must be an integer in [0, ${max}]`);
  return value;
}

const KEY_ID = /^[0-9a-f]{32}$/;

/**
 * Checks a parsed ONNX bundle model.json completely — fields, types, plain and distinct file and location names,
 * sizes within `maxBytes` — before any other file is read. Every failure is a ModelFormatError.
 */
export function checkOnnxDocument(doc: unknown, source: string, limits: { maxBytes?: number } = {}): OnnxBundleDocument {
  if (!isObject(doc) || doc.format !== ONNX_FORMAT) throw bad(source, `is not a sealed ONNX model (format ${JSON.stringify(ONNX_FORMAT)})`);
  if (doc.version !== ONNX_VERSION) throw bad(source, `is a sealed ONNX model of version ${JSON.stringify(doc.version)}; this edgepro reads version ${ONNX_VERSION}`);
  onlyFields(doc, ['format', 'version', 'model', 'externalData', 'keyId'], 'model.json', source);
  if (typeof doc.keyId !== 'string' || !KEY_ID.test(doc.keyId)) throw bad(source, 'keyId must be 32 lower-case hex digits');
  const maxBytes = Math.min(limits.maxBytes ?? Infinity, ONNX_BUNDLE_LIMITS.maxBytes);
  const files = new Set<string>();
  const fileName = (value: unknown, where: string): string => {
    if (!isBundleFileName(value)) throw bad(source, `${where} ${JSON.stringify(value)} is not a plain file name inside the bundle`);
    if (value === MODEL_JSON_FILE || files.has(value)) throw bad(source, `${where} names ${value}, which is already a file of the bundle`);
    files.add(value);
    return value;
  };
  const model = doc.model;
  if (!isObject(model)) throw bad(source, 'model must be an object {file, bytes}');
  onlyFields(model, ['file', 'bytes'], 'model', source);
  const modelEntry = { file: fileName(model.file, 'model.file'), bytes: byteCount(model.bytes, ONNX_BUNDLE_LIMITS.maxModelBytes, 'model.bytes', source) };
  let total = modelEntry.bytes;
  if (!Array.isArray(doc.externalData)) throw bad(source, 'externalData must be an array');
  if (doc.externalData.length > ONNX_BUNDLE_LIMITS.maxExternalFiles) throw bad(source, `externalData lists more than ${ONNX_BUNDLE_LIMITS.maxExternalFiles} files`);
  const locations = new Set<string>();
  const externalData = doc.externalData.map((entry: unknown, i): OnnxExternalEntry => {
    const where = `externalData[${i}]`;
    if (!isObject(entry)) throw bad(source, `${where} must be an object {location, file, bytes}`);
    onlyFields(entry, ['location', 'file', 'bytes'], where, source);
    if (!isBundleFileName(entry.location)) throw bad(source, `${where}.location ${JSON.stringify(entry.location)} is not a plain file name`);
    if (locations.has(entry.location)) throw bad(source, `${where}.location ${entry.location} is listed twice`);
    locations.add(entry.location);
    const out = { location: entry.location, file: fileName(entry.file, `${where}.file`), bytes: byteCount(entry.bytes, ONNX_BUNDLE_LIMITS.maxExternalFileBytes, `${where}.bytes`, source) };
    total += out.bytes;
    if (total > maxBytes) throw bad(source, `the model and its external data need more than ${maxBytes} bytes, over the limit of this loader`);
    return out;
  });
  if (total > maxBytes) throw bad(source, `the model needs more than ${maxBytes} bytes, over the limit of this loader`);
  return { format: ONNX_FORMAT, version: ONNX_VERSION, model: modelEntry, externalData, keyId: doc.keyId };
}

// --- the owner's side ---

/**
 * Reads a file beside the .onnx, by the plain name the model gives it: its bytes, or undefined when there is no such
 * file. A reader refuses (or stops reading) a file over `maxBytes` with a ModelFormatError.
 */
export type OnnxFileReader = (location: string, maxBytes: number) => Promise<Uint8Array | undefined>;

export interface AssembleOnnxOptions {
  /** Reads the external data files the model names (required when it names any). */
  readExternal?: OnnxFileReader;
  /** Where the model came from, for messages (its path). */
  name?: string;
  /** The content key to seal under; default a fresh random one (returned). */
  contentKey?: Uint8Array;
  chunkBytes?: number;
  randomBytes?: RandomBytes;
}

export interface AssembledOnnxBundle extends Pick<AssembledBundle, 'bundle' | 'contentKey' | 'fingerprint'> {
  /** The external data files sealed, by the name the model gives them, with their sizes. */
  externalData: { location: string; bytes: number }[];
  /** How many tensors of the model are in external data. */
  externalTensors: number;
  /** The .onnx file's bytes. */
  modelBytes: number;
  /** Everything sealed: the model and its external data. */
  sealedBytes: number;
}

/** The external files a model names, each location checked as a plain file name, in the order first named. */
export function externalLocations(refs: readonly ExternalTensorRef[], source: string): string[] {
  const locations: string[] = [];
  for (const ref of refs) {
    if (!isBundleFileName(ref.location)) {
      throw new ModelFormatError(
        `${source}: tensor ${JSON.stringify(ref.tensor)} has its data in ${JSON.stringify(ref.location)}; edgepro seals external data only from plain file names beside the model (letters, digits, . _ -; no directories, no ..)`,
      );
    }
    if (!locations.includes(ref.location)) locations.push(ref.location);
    if (locations.length > ONNX_BUNDLE_LIMITS.maxExternalFiles) throw new ModelFormatError(`${source} names more than ${ONNX_BUNDLE_LIMITS.maxExternalFiles} external data files`);
  }
  return locations;
}

/**
 * Seals an ONNX model and the external data files it names as a bundle. The model is parsed (protobuf wire format)
 * for its external tensors; each location must be a plain file name, each file no larger than the caps, and each
 * tensor's offset and length inside its file. Everything is sealed (no part of an ONNX model ships in the clear).
 *
 * @example
 * ```ts
 * const { bundle, contentKey } = await assembleOnnxBundle(onnxBytes, { readExternal: (name) => readBeside(name) });
 * ```
 */
export async function assembleOnnxBundle(model: Uint8Array, options: AssembleOnnxOptions = {}): Promise<AssembledOnnxBundle> {
  const source = options.name ?? 'the ONNX model';
  if (!(model instanceof Uint8Array)) throw new InvalidArgumentError('model must be the .onnx file as a Uint8Array');
  if (model.byteLength > ONNX_BUNDLE_LIMITS.maxModelBytes) throw new ModelFormatError(`${source} is ${model.byteLength} bytes, over the ${ONNX_BUNDLE_LIMITS.maxModelBytes} an ONNX model may have`);
  const refs = externalTensors(model, source);
  const locations = externalLocations(refs, source);
  if (locations.length > 0 && options.readExternal === undefined) throw new InvalidArgumentError(`${source} has external data (${locations.join(', ')}): give readExternal`);

  const external: { location: string; data: Uint8Array }[] = [];
  let total = model.byteLength;
  for (const location of locations) {
    const left = Math.min(ONNX_BUNDLE_LIMITS.maxExternalFileBytes, ONNX_BUNDLE_LIMITS.maxBytes - total);
    const data = await options.readExternal!(location, left);
    if (data === undefined) throw new ModelFormatError(`${source} keeps tensor data in ${location}, which is not beside it`);
    if (data.byteLength > left) throw new ModelFormatError(`${source}: ${location} is ${data.byteLength} bytes, over the ${left} left of the ${ONNX_BUNDLE_LIMITS.maxBytes} a sealed ONNX model may hold`);
    total += data.byteLength;
    external.push({ location, data });
  }
  for (const ref of refs) {
    const size = external.find((e) => e.location === ref.location)!.data.byteLength;
    if (ref.offset > size || (ref.length !== undefined && ref.offset + ref.length > size)) {
      throw new ModelFormatError(`${source}: tensor ${JSON.stringify(ref.tensor)} lies at ${ref.offset}..${ref.offset + (ref.length ?? 0)} of ${ref.location}, which has ${size} bytes`);
    }
  }

  const contentKey = options.contentKey !== undefined ? keyBytes(options.contentKey, KEY_BYTES, 'contentKey').slice() : (options.randomBytes ?? defaultRandomBytes)(KEY_BYTES);
  const seal = (data: Uint8Array, name: string) =>
    sealWeights(data, contentKey, {
      name,
      ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}),
      ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
    });
  const files = new Map<string, Uint8Array>();
  const fingerprinted: FingerprintedFile[] = [];
  const add = async (data: Uint8Array, name: string) => {
    const sealed = await seal(data, name);
    files.set(name, sealed);
    fingerprinted.push({ name, sealedHeader: inspectSealed(sealed).headerBytes });
  };
  await add(model, ONNX_MODEL_FILE);
  const entries: OnnxExternalEntry[] = [];
  for (const [i, e] of external.entries()) {
    const file = ONNX_EXTERNAL_FILE(i);
    await add(e.data, file);
    entries.push({ location: e.location, file, bytes: e.data.byteLength });
  }
  const doc: OnnxBundleDocument = {
    format: ONNX_FORMAT,
    version: ONNX_VERSION,
    model: { file: ONNX_MODEL_FILE, bytes: model.byteLength },
    externalData: entries,
    keyId: toHex((options.randomBytes ?? defaultRandomBytes)(16)),
  };
  const fingerprint = await fingerprintBundle(doc, fingerprinted);
  files.set(MODEL_JSON_FILE, new TextEncoder().encode(JSON.stringify(doc)));
  return {
    bundle: Bundle.fromFiles(files),
    contentKey,
    fingerprint,
    externalData: entries.map((e) => ({ location: e.location, bytes: e.bytes })),
    externalTensors: refs.length,
    modelBytes: model.byteLength,
    sealedBytes: total,
  };
}

// --- the device's side ---

/** The unsealed model, in memory: what `InferenceSession.create(model, { externalData })` takes. */
export interface UnsealedOnnx {
  model: Uint8Array;
  /** One entry per external data file: `path` as the model names it, `data` its bytes. */
  externalData: { path: string; data: Uint8Array }[];
}

export interface OpenedOnnxBundle {
  readonly name: string;
  readonly document: OnnxBundleDocument;
  /** The bundle fingerprint: what licences must carry. */
  readonly fingerprint: string;
  /** Bytes of the model and its external data. */
  readonly bytes: number;
  /**
   * Decrypts the model and its external data into memory with the content key. Nothing is returned until every
   * file's last chunk verified; on failure every buffer is zeroed. The decrypted model is checked to name exactly
   * the external files model.json lists. Call once.
   */
  unseal(contentKey: Uint8Array): Promise<UnsealedOnnx>;
  /** Stops reading what {@link OpenedOnnxBundle.unseal} has not read. */
  close(): Promise<void>;
}

/** Opens a sealed ONNX bundle: model.json checked, the sealed headers read and checked, the fingerprint computed. */
export async function openOnnxBundle(source: BundleSource, options: { maxBytes?: number } = {}): Promise<OpenedOnnxBundle> {
  const jsonBytes = await readRequired(source, MODEL_JSON_FILE, 'model file');
  const where = source.name.endsWith('.json') ? source.name : `${source.name}${source.name.endsWith('/') ? '' : '/'}${MODEL_JSON_FILE}`;
  if (jsonBytes.byteLength > MANIFEST_LIMITS.maxModelJsonBytes) throw bad(where, `is ${jsonBytes.byteLength} bytes, over the ${MANIFEST_LIMITS.maxModelJsonBytes} a model.json may have`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes));
  } catch (cause) {
    throw new ModelFormatError(`${where} is not valid UTF-8 JSON`, { cause });
  }
  const document = checkOnnxDocument(parsed, where, options);
  const wanted = [{ file: document.model.file, bytes: document.model.bytes }, ...document.externalData];
  const pending: PendingSealed[] = [];
  try {
    for (const entry of wanted) pending.push(await pendingSealed(source, entry.file, entry.bytes));
  } catch (error) {
    await Promise.all(pending.map((p) => p.cancel()));
    throw error;
  }
  const fingerprint = await fingerprintBundle(parsed, pending.map((p) => ({ name: p.name, sealedHeader: p.headerBytes })));
  let consumed = false;
  return {
    name: source.name,
    document,
    fingerprint,
    bytes: wanted.reduce((n, e) => n + e.bytes, 0),
    async unseal(contentKey) {
      if (consumed) throw new InvalidArgumentError('this opened ONNX bundle was unsealed already: open the bundle again');
      consumed = true;
      const buffers: Uint8Array[] = [];
      try {
        for (const [i, p] of pending.entries()) {
          const into = new Uint8Array(wanted[i]!.bytes);
          buffers.push(into);
          await openSealed(p.body(), contentKey, { name: p.name, into });
        }
        const model = buffers[0]!;
        // The key authenticated these bytes; still, the model must name exactly the files model.json lists.
        const named = externalLocations(externalTensors(model, `${source.name}: the sealed model`), `${source.name}: the sealed model`);
        const listed = document.externalData.map((e) => e.location);
        if (named.length !== listed.length || named.some((n) => !listed.includes(n))) {
          throw new ModelFormatError(`${source.name}: the sealed model names the external data ${JSON.stringify(named)}, model.json lists ${JSON.stringify(listed)}`);
        }
        return { model, externalData: document.externalData.map((e, i) => ({ path: e.location, data: buffers[i + 1]! })) };
      } catch (error) {
        for (const b of buffers) b.fill(0);
        await Promise.all(pending.slice(Math.max(0, buffers.length - 1)).map((p) => p.cancel()));
        throw error;
      }
    },
    async close() {
      if (consumed) return;
      consumed = true;
      await Promise.all(pending.map((p) => p.cancel()));
    },
  };
}
