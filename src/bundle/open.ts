/**
 * The device's side of the layout: read a bundle from any {@link BundleSource}, check everything that can be checked
 * without a key (model.json, the manifest, file sizes, sealed headers), compute the fingerprint, and only then — with
 * the content key when weights are sealed — put all weights into the one buffer the tensors are built from.
 */
import { InvalidArgumentError, ModelFormatError } from '../util/errors.js';
import { inspectSealed, openSealed, MAX_SEALED_HEADER, type SealedHeader } from '../crypto/stream.js';
import { concatBytes } from '../crypto/bytes.js';
import { fingerprintBundle, type FingerprintedFile } from './fingerprint.js';
import { parseModelJsonDocument, type CheckedManifest, type ModelJsonDocument, type WeightSpec } from './manifest.js';
import { CONTAINER_FILE, MODEL_JSON_FILE, sealedFiles } from './layout.js';
import type { BundleSource } from './source.js';

/** A sealed weight file whose header has been read; the rest of its bytes are still to come. */
export interface PendingSealed {
  name: string;
  header: SealedHeader;
  /** Bytes 0 .. 12 + H: what the fingerprint covers. */
  headerBytes: Uint8Array;
  /** The file's bytes from the start (the header included), as the source delivers them. */
  body: () => AsyncIterable<Uint8Array> | Uint8Array;
  /** Stops reading the file (a download left unfinished when the load is refused). */
  cancel: () => Promise<void>;
}

type GroupFile = { kind: 'clear'; bytes: Uint8Array[] } | { kind: 'sealed'; file: PendingSealed };

export interface OpenedBundle {
  /** Where it came from, for messages. */
  readonly name: string;
  readonly modelJson: ModelJsonDocument;
  readonly kind: 'layers' | 'graph';
  /** The bundle fingerprint (see fingerprint.ts): what the container and licences must carry. */
  readonly fingerprint: string;
  /** password.edgepro, when the model is locked. */
  readonly container: Uint8Array | undefined;
  /** Names of the sealed weight files (empty: all weights in the clear). */
  readonly sealed: readonly string[];
  /** Names of the weights those files hold. */
  readonly sealedWeights: readonly string[];
  /** Every weight spec, in the order of {@link OpenedBundle.weights}' buffer. */
  readonly weightSpecs: WeightSpec[];
  readonly weightBytes: number;
  /**
   * All weights in manifest order in one buffer, sealed files decrypted into it chunk by chunk as they are read.
   * Needs `contentKey` iff something is sealed. Nothing is returned until every sealed file's last chunk verified;
   * on failure the buffer is zeroed. Call once.
   */
  weights(contentKey?: Uint8Array): Promise<ArrayBuffer>;
  /** Stops reading what {@link OpenedBundle.weights} has not read: call it when the load is given up. */
  close(): Promise<void>;
}

export async function readRequired(source: BundleSource, file: string, what: string): Promise<Uint8Array> {
  const bytes = await source.read(file);
  if (bytes === undefined) throw new ModelFormatError(`${source.name}: ${what} ${file} not found`);
  return bytes;
}

/**
 * Reads pieces until `want` bytes are in hand; returns them and an iterable of the whole stream from the start. Both
 * pass on how many bytes the reader still wants (see `Pieces` in crypto/stream.ts), so a source that honours it
 * delivers each sealed chunk as one piece.
 */
async function peek(
  pieces: AsyncIterable<Uint8Array>,
  want: (head: Uint8Array) => number,
): Promise<{ head: Uint8Array; all: AsyncIterable<Uint8Array>; cancel: () => Promise<void> }> {
  const iterator = pieces[Symbol.asyncIterator]() as AsyncIterator<Uint8Array, unknown, number | undefined>;
  const taken: Uint8Array[] = [];
  let have = 0;
  let head: Uint8Array = new Uint8Array(0);
  for (;;) {
    const needed = want(head);
    if (have >= needed) break;
    const next = await iterator.next(needed - have);
    if (next.done) break;
    taken.push(next.value);
    have += next.value.byteLength;
    head = taken.length === 1 ? taken[0]! : concatBytes(...taken);
  }
  async function* all(): AsyncGenerator<Uint8Array, void, number | undefined> {
    let wanted: number | undefined = head.byteLength > 0 ? yield head : undefined;
    for (;;) {
      const next = await iterator.next(wanted);
      if (next.done) return;
      wanted = yield next.value;
    }
  }
  return { head, all: all(), cancel: async () => void (await iterator.return?.()) };
}


/**
 * Bytes needed to read a sealed header: 12, then 12 + H. An H over the format's cap needs no more bytes: the header
 * is refused as it stands, and a crafted length never makes the reader buffer the stream.
 */
function headerNeeds(head: Uint8Array): number {
  if (head.byteLength < 12) return 12;
  const length = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(8, false);
  return length > MAX_SEALED_HEADER ? 12 : 12 + length;
}

/**
 * A sealed file of the bundle, its header read (streamed when the source can) and checked against what the layout
 * says it holds: its name and `plaintextBytes` bytes. The body is read later, once.
 */
export async function pendingSealed(source: BundleSource, file: string, plaintextBytes: number): Promise<PendingSealed> {
  const check = (inspected: { header: SealedHeader; headerBytes: Uint8Array }) => {
    const { header } = inspected;
    if (header.name !== file) throw new ModelFormatError(`${source.name}: ${file} holds the sealed weights of ${JSON.stringify(header.name)}`);
    if (header.plaintextBytes !== plaintextBytes) {
      throw new ModelFormatError(`${source.name}: ${file} seals ${header.plaintextBytes} bytes, model.json's manifest needs ${plaintextBytes}`);
    }
    return inspected;
  };
  const pieces = source.stream ? await source.stream(file) : undefined;
  if (pieces === undefined) {
    const whole = await readRequired(source, file, 'sealed weights');
    return { name: file, ...check(inspectSealed(whole)), body: () => whole, cancel: async () => undefined };
  }
  const { head, all, cancel } = await peek(pieces, headerNeeds);
  const inspected = check(inspectSealed(head));
  let used = false;
  return {
    name: file,
    ...inspected,
    body: () => {
      if (used) throw new InvalidArgumentError('the sealed weights of this bundle were read already: open the bundle again');
      used = true;
      return all;
    },
    cancel,
  };
}

/**
 * Opens a bundle for loading: model.json parsed and checked (file names inside the bundle, dtypes, shapes, sizes,
 * caps) before any weight file is touched, clear files read and sized, sealed headers read, fingerprint computed.
 *
 * @example
 * ```ts
 * const opened = await openBundle(urlSource('/models/lenet5/'));
 * const weights = await opened.weights(contentKey); // one ArrayBuffer, manifest order
 * ```
 */
export async function openBundle(source: BundleSource, options: { maxWeightBytes?: number } = {}): Promise<OpenedBundle> {
  const jsonBytes = await readRequired(source, MODEL_JSON_FILE, 'model file');
  const where = source.name.endsWith('.json') ? source.name : `${source.name}${source.name.endsWith('/') ? '' : '/'}${MODEL_JSON_FILE}`;
  const { doc, manifest } = parseModelJsonDocument(jsonBytes, where, options);
  const sealed = sealedFiles(doc, manifest, where);
  const files = await readGroups(source, manifest, sealed);
  const fingerprinted: FingerprintedFile[] = [];
  manifest.groups.forEach((group, g) => {
    const file = files[g]!;
    if (file.kind === 'sealed') fingerprinted.push({ name: file.file.name, sealedHeader: file.file.headerBytes });
    else group.paths.forEach((name, i) => fingerprinted.push({ name, clear: file.bytes[i]! }));
  });
  const fingerprint = await fingerprintBundle(doc, fingerprinted);
  const container = await source.read(CONTAINER_FILE);
  let consumed = false;
  return {
    name: source.name,
    modelJson: doc,
    kind: manifest.kind,
    fingerprint,
    container,
    sealed: [...sealed],
    sealedWeights: manifest.groups.filter((_, g) => files[g]!.kind === 'sealed').flatMap((g) => g.weights.map((w) => w.name)),
    weightSpecs: manifest.groups.flatMap((g) => g.weights),
    weightBytes: manifest.totalBytes,
    async weights(contentKey) {
      if (consumed) throw new InvalidArgumentError('the weights of this opened bundle were taken already: open the bundle again');
      consumed = true;
      if (sealed.size > 0 && contentKey === undefined) throw new InvalidArgumentError('the weights are sealed: a content key is needed');
      return assemble(manifest, files, contentKey);
    },
    async close() {
      if (consumed) return;
      consumed = true;
      await Promise.all(files.map((f) => (f.kind === 'sealed' ? f.file.cancel() : undefined)));
    },
  };
}

async function readGroups(source: BundleSource, manifest: CheckedManifest, sealed: Set<string>): Promise<GroupFile[]> {
  const out: GroupFile[] = [];
  try {
    await readEachGroup(source, manifest, sealed, out);
  } catch (error) {
    // Sealed files opened before the failure are not read on: close them.
    await Promise.all(out.map((f) => (f.kind === 'sealed' ? f.file.cancel() : undefined)));
    throw error;
  }
  return out;
}

async function readEachGroup(source: BundleSource, manifest: CheckedManifest, sealed: Set<string>, out: GroupFile[]): Promise<void> {
  for (const group of manifest.groups) {
    if (group.paths.length === 1 && sealed.has(group.paths[0]!)) {
      const file = await pendingSealed(source, group.paths[0]!, group.bytes);
      out.push({ kind: 'sealed', file });
      continue;
    }
    const bytes: Uint8Array[] = [];
    let total = 0;
    for (const path of group.paths) {
      const data = await readRequired(source, path, 'weights file');
      bytes.push(data);
      total += data.byteLength;
    }
    if (total !== group.bytes) {
      throw new ModelFormatError(`${source.name}: ${group.paths.join(' + ')} hold${group.paths.length === 1 ? 's' : ''} ${total} bytes, model.json's manifest needs ${group.bytes} (truncated or wrong weights file?)`);
    }
    out.push({ kind: 'clear', bytes });
  }
}

async function assemble(manifest: CheckedManifest, files: GroupFile[], contentKey: Uint8Array | undefined): Promise<ArrayBuffer> {
  // The common unprotected case: one clear file that is its own buffer needs no copy.
  const only = files.length === 1 && files[0]!.kind === 'clear' && files[0]!.bytes.length === 1 ? files[0]!.bytes[0]! : undefined;
  if (only !== undefined && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength && only.buffer instanceof ArrayBuffer) return only.buffer;
  const buffer = new ArrayBuffer(manifest.totalBytes);
  const view = new Uint8Array(buffer);
  let offset = 0;
  try {
    for (const [g, group] of manifest.groups.entries()) {
      const file = files[g]!;
      if (file.kind === 'clear') {
        for (const part of file.bytes) {
          view.set(part, offset);
          offset += part.byteLength;
        }
      } else {
        await openSealed(file.file.body(), contentKey!, { name: file.file.name, into: view.subarray(offset, offset + group.bytes) });
        offset += group.bytes;
      }
    }
  } catch (error) {
    view.fill(0);
    throw error;
  }
  return buffer;
}
