/**
 * Where a bundle's files come from. A {@link BundleSource} is the one small interface every place implements — bytes
 * in memory ({@link Bundle}), a URL base ({@link urlSource}), a Node directory (`directorySource` in `edgepro/node`) —
 * and the caller passes it explicitly: nothing here guesses the platform.
 */
import { InvalidArgumentError, ModelFormatError } from '../util/errors.js';
import { asBytes } from '../crypto/bytes.js';
import { isBundleFileName } from './manifest.js';

/** Reads the files of one protected model. File names are plain names (checked before any call). */
export interface BundleSource {
  /** Where the bundle is, for messages (a directory path, a URL). */
  readonly name: string;
  /** The whole file, or `undefined` when the bundle has no such file. */
  read(file: string): Promise<Uint8Array | undefined>;
  /**
   * The file in pieces as they arrive (a large sealed weight file is decrypted while it is read), or `undefined`
   * when there is no such file. Optional: a source without it is read whole.
   */
  stream?(file: string): Promise<AsyncIterable<Uint8Array> | undefined>;
}

/** The pieces of a WHATWG ReadableStream (a fetch body), for browsers whose streams are not async-iterable. */
export async function* streamPieces(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value !== undefined && value.byteLength > 0) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * A protected model as files in memory: what `protect` and `seal` return, what the writers write, and a source the
 * runtime loads from directly.
 *
 * @example
 * ```ts
 * const bundle = Bundle.fromFiles({ 'model.json': modelJsonText, 'weights.sealed': sealed });
 * const session = await loadProtectedModel(bundle, { contentKey });
 * ```
 */
export class Bundle implements BundleSource {
  private constructor(
    private readonly files: ReadonlyMap<string, Uint8Array>,
    readonly name: string,
  ) {}

  /** From file names and their contents (text is UTF-8 encoded). */
  static fromFiles(files: Record<string, Uint8Array | ArrayBuffer | string> | ReadonlyMap<string, Uint8Array>, name = 'bundle'): Bundle {
    const entries = files instanceof Map ? [...files.entries()] : Object.entries(files);
    const map = new Map<string, Uint8Array>();
    for (const [file, data] of entries) {
      if (!isBundleFileName(file)) throw new InvalidArgumentError(`bundle file name ${JSON.stringify(file)} is not a plain file name`);
      map.set(file, typeof data === 'string' ? new TextEncoder().encode(data) : asBytes(data, file));
    }
    return new Bundle(map, name);
  }

  /** The bundle's file names, model.json last (a reader that finds model.json finds the rest). */
  fileNames(): string[] {
    return [...this.files.keys()].sort((a, b) => Number(a === 'model.json') - Number(b === 'model.json') || a.localeCompare(b));
  }

  /** A file's bytes (not a copy), or undefined. */
  get(file: string): Uint8Array | undefined {
    return this.files.get(file);
  }

  async read(file: string): Promise<Uint8Array | undefined> {
    return this.files.get(file);
  }

  /** A copy with one file replaced (or removed, given undefined): altered bundles in tests, a re-sealed file. */
  with(file: string, data: Uint8Array | undefined): Bundle {
    const map = new Map(this.files);
    if (data === undefined) map.delete(file);
    else map.set(file, data);
    return new Bundle(map, this.name);
  }

  /** Total bytes of all files. */
  get byteLength(): number {
    let n = 0;
    for (const data of this.files.values()) n += data.byteLength;
    return n;
  }
}

/**
 * A bundle served over HTTP(S): `base` is the URL of its directory (a trailing `/` is added) or of its model.json.
 * File names come from the checked manifest, so nothing outside that directory is ever fetched.
 *
 * @example
 * ```ts
 * const session = await loadProtectedModel(urlSource('/models/lenet5/'), { licence, passphrase });
 * ```
 */
export function urlSource(base: string | URL, options: { fetch?: typeof globalThis.fetch; init?: RequestInit } = {}): BundleSource {
  const f = options.fetch ?? globalThis.fetch;
  if (typeof f !== 'function') throw new InvalidArgumentError('no fetch available to load a model from a URL');
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  let dir: URL;
  try {
    dir = new URL(String(base), page);
  } catch (cause) {
    throw new InvalidArgumentError(`${String(base)} is not a URL (in Node, read a directory with directorySource from 'edgepro/node')`, { cause });
  }
  // A URL of the model file itself (`.../faceres.json`) is read as the bundle's model.json.
  let modelFile = 'model.json';
  if (dir.pathname.endsWith('.json')) {
    modelFile = decodeURIComponent(dir.pathname.slice(dir.pathname.lastIndexOf('/') + 1));
    dir = new URL('.', dir);
  } else if (!dir.pathname.endsWith('/')) dir = new URL(`${dir.pathname}/${dir.search}`, dir);
  const name = modelFile === 'model.json' ? dir.toString() : new URL(modelFile, dir).toString();

  async function get(file: string): Promise<Response | undefined> {
    if (!isBundleFileName(file)) throw new InvalidArgumentError(`${JSON.stringify(file)} is not a bundle file name`);
    const url = new URL(file === 'model.json' ? modelFile : file, dir);
    let response: Response;
    try {
      response = await f(url.toString(), options.init);
    } catch (cause) {
      throw new ModelFormatError(`could not fetch ${url}: ${(cause as Error).message}`, { cause });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw new ModelFormatError(`could not fetch ${url}: HTTP ${response.status}`);
    return response;
  }

  return {
    name,
    async read(file) {
      const response = await get(file);
      return response === undefined ? undefined : new Uint8Array(await response.arrayBuffer());
    },
    async stream(file) {
      const response = await get(file);
      if (response === undefined) return undefined;
      if (response.body === null) return streamPieces(new Blob([await response.arrayBuffer()]).stream());
      return streamPieces(response.body);
    },
  };
}
