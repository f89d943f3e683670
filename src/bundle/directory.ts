/**
 * Node adapter: a bundle as a directory. Node-only (node:fs); devices in Node reach it through `edgepro/node`, and
 * nothing in the runtime imports it.
 */
import { lstat, open, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelFormatError } from '../util/errors.js';
import { writeFilesAtomic, type AtomicFile } from '../util/node_fs.js';
import { isBundleFileName } from './manifest.js';
import { CLEAR_WEIGHTS_FILE, CONTAINER_FILE, MODEL_JSON_FILE, SEALED_WEIGHTS_FILE } from './layout.js';
import type { OnnxFileReader } from './onnx.js';
import type { Bundle, BundleSource } from './source.js';

/** Pieces a large file is read in, unless the reader asks for a size (one sealed chunk: 1 MiB + its tag). */
const PIECE_BYTES = 1 << 20;
/** The most one piece may be, whatever a reader asks. */
const MAX_PIECE_BYTES = 1 << 26;

function explain(path: string, cause: unknown): ModelFormatError {
  const code = (cause as NodeJS.ErrnoException).code;
  const why = code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
  return new ModelFormatError(`${path} ${why}`, { cause });
}

/** The directory of a bundle, given it or its model.json. */
export function bundleDirectory(pathOrModelJson: string): string {
  const full = resolve(pathOrModelJson);
  return full.endsWith('.json') ? dirname(full) : full;
}

/**
 * Reads a bundle from a directory, or from the model file given (`faceres.json`: read as the bundle's model.json,
 * its weight files from beside it). Only plain file names inside that directory are ever opened.
 *
 * @example
 * ```ts
 * import { directorySource } from 'edgepro/node';
 * const session = await loadProtectedModel(directorySource('models/lenet5'), { licence, deviceKey });
 * ```
 */
export function directorySource(pathOrModelJson: string): BundleSource {
  const dir = bundleDirectory(pathOrModelJson);
  const modelFile = resolve(pathOrModelJson).endsWith('.json') ? basename(pathOrModelJson) : MODEL_JSON_FILE;
  const pathOf = (file: string) => {
    if (!isBundleFileName(file)) throw new ModelFormatError(`${JSON.stringify(file)} is not a file name inside the bundle`);
    return join(dir, file === MODEL_JSON_FILE ? modelFile : file);
  };
  return {
    name: modelFile === MODEL_JSON_FILE ? dir : join(dir, modelFile),
    async read(file) {
      const path = pathOf(file);
      try {
        const buffer = await readFile(path);
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw explain(path, cause);
      }
    },
    async stream(file) {
      const path = pathOf(file);
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw explain(path, cause);
      }
      const fh = handle;
      return (async function* pieces(): AsyncGenerator<Uint8Array, void, number | undefined> {
        try {
          let size = PIECE_BYTES;
          for (;;) {
            const piece = new Uint8Array(size);
            const { bytesRead } = await fh.read(piece, 0, size, null);
            if (bytesRead === 0) return;
            const wanted = yield bytesRead === size ? piece : piece.subarray(0, bytesRead);
            size = typeof wanted === 'number' && wanted > 0 ? Math.min(wanted, MAX_PIECE_BYTES) : PIECE_BYTES;
          }
        } catch (cause) {
          throw explain(path, cause);
        } finally {
          await fh.close();
        }
      })();
    },
  };
}

/** The bundle files a directory holds now (model.json's manifest and the layout's names), to clear stale ones. */
async function presentBundleFiles(dir: string): Promise<string[]> {
  const names = new Set([CLEAR_WEIGHTS_FILE, SEALED_WEIGHTS_FILE, CONTAINER_FILE]);
  try {
    const doc = JSON.parse(await readFile(join(dir, MODEL_JSON_FILE), 'utf8')) as { weightsManifest?: { paths?: unknown[] }[]; model?: { file?: unknown }; externalData?: { file?: unknown }[] };
    for (const group of doc.weightsManifest ?? []) for (const path of group.paths ?? []) if (isBundleFileName(path)) names.add(path);
    // A sealed ONNX model's files (see onnx.ts).
    for (const entry of [doc.model, ...(Array.isArray(doc.externalData) ? doc.externalData : [])]) if (isBundleFileName(entry?.file)) names.add(entry.file);
  } catch {
    // No model.json, or not one we can read: only the layout's own names are cleared.
  }
  return [...names];
}

/**
 * Writes a bundle into a directory atomically: every file to a temporary first, then the files of a bundle that
 * stood there before and are not part of this one are removed (a clear weights.bin must not outlive a re-protection
 * that seals it), then the renames, model.json last. `alongside` files (the owner key, outside the directory) join
 * the same set, so that no bundle is ever written without its key.
 */
export async function writeBundle(bundle: Bundle, dir: string, options: { alongside?: AtomicFile[] } = {}): Promise<void> {
  const names = bundle.fileNames();
  const stale = (await presentBundleFiles(dir)).filter((name) => !names.includes(name));
  const files = names.map((name) => ({ path: join(dir, name), data: bundle.get(name)! }));
  await writeFilesAtomic([...(options.alongside ?? []), ...files], { remove: stale.map((name) => join(dir, name)) });
}

/**
 * Reads the external data files an ONNX model names, from the model's directory: only plain names (checked again
 * here), only regular files (a symbolic link, a directory or a device is refused: a model handed over with a link
 * beside it must not seal a file from elsewhere), and none over `maxBytes` (checked before reading).
 *
 * @example
 * ```ts
 * const sealed = await sealOnnxModel(await readFile('model.onnx'), { readExternal: onnxFileReader('model.onnx') });
 * ```
 */
export function onnxFileReader(onnxPath: string): OnnxFileReader {
  const dir = dirname(resolve(onnxPath));
  return async (location, maxBytes) => {
    if (!isBundleFileName(location)) throw new ModelFormatError(`${onnxPath} names the external data file ${JSON.stringify(location)}, not a plain file name beside it`);
    const path = join(dir, location);
    let info;
    try {
      info = await lstat(path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw explain(path, cause);
    }
    if (!info.isFile()) throw new ModelFormatError(`${path} (external data of ${onnxPath}) is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; edgepro seals only regular files beside the model`);
    if (info.size > maxBytes) throw new ModelFormatError(`${path} (external data of ${onnxPath}) is ${info.size} bytes, over the ${maxBytes} a sealed ONNX model may hold`);
    const handle = await open(path, 'r');
    try {
      // Read at most maxBytes + 1: a file that grew since lstat is still caught.
      const buffer = new Uint8Array(Math.min(info.size, maxBytes) + 1);
      let have = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, have, buffer.length - have, null);
        if (bytesRead === 0) break;
        have += bytesRead;
        if (have === buffer.length) throw new ModelFormatError(`${path} (external data of ${onnxPath}) grew while it was read, or is over the ${maxBytes} bytes allowed`);
      }
      return buffer.subarray(0, have);
    } catch (cause) {
      throw cause instanceof ModelFormatError ? cause : explain(path, cause);
    } finally {
      await handle.close();
    }
  };
}
