/**
 * Where a protected model comes from, turned into bytes: a directory path (Node), a URL (fetch, browser or Node), or
 * bytes in hand. The one place that tells Node from a browser.
 */
import { CONTAINER_FILE, parseModelJson } from '../models/serialize.js';
import { InvalidArgumentError, ModelFormatError } from '../util/errors.js';

/**
 * A protected model's files:
 * - a string: in Node, the path of the model directory (or of its model.json); an `http(s)://` URL, or any string in
 *   a browser (resolved against the page), is the base URL of the directory;
 * - `{ url }`: the URL of model.json; weights and password.edgepro are fetched from beside it (`containerUrl` overrides);
 * - bytes: model.json (text or object), the weights, and the container if the model is to be unlocked by licence.
 */
export type ModelSource =
  | string
  | { url: string; containerUrl?: string; fetch?: typeof globalThis.fetch }
  | { modelJson: string | object; weights: Uint8Array | ArrayBuffer; container?: Uint8Array | ArrayBuffer };

export interface SourceBytes {
  modelJson: string;
  weights: Uint8Array;
  /** Fetches or reads password.edgepro; only called when a licence or content key needs it. */
  container: () => Promise<Uint8Array>;
  /** For messages. */
  name: string;
}

/** The specifier is a variable so that neither tsc's runtime check nor a browser bundler follows it into node:fs. */
const NODE_FILES_MODULE = '../models/files.js';

/** The part of models/files.ts (Node-only) used here, declared by hand so the type import does not pull it in. */
interface NodeFiles {
  readModelFiles(pathOrDir: string): Promise<{ jsonPath: string; modelJson: string; weights: Uint8Array; container?: Uint8Array }>;
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
}

function toBytes(value: Uint8Array | ArrayBuffer, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new InvalidArgumentError(`${what} must be a Uint8Array or ArrayBuffer`);
}

async function fetchBytes(url: string, fetchImpl: typeof globalThis.fetch, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (cause) {
    throw new ModelFormatError(`could not fetch ${what} ${url}: ${(cause as Error).message}`, { cause });
  }
  if (!response.ok) throw new ModelFormatError(`could not fetch ${what} ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function fromUrl(url: string, containerUrl: string | undefined, fetchImpl: typeof globalThis.fetch | undefined): Promise<SourceBytes> {
  const f = fetchImpl ?? globalThis.fetch;
  if (typeof f !== 'function') throw new InvalidArgumentError('no fetch available to load a model from a URL');
  const modelJson = new TextDecoder().decode(await fetchBytes(url, f, 'model'));
  const json = parseModelJson(modelJson, url);
  const parts = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => fetchBytes(new URL(p, url).toString(), f, 'weights')));
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    weights.set(part, offset);
    offset += part.byteLength;
  }
  const where = containerUrl ?? new URL(CONTAINER_FILE, url).toString();
  return { modelJson, weights, name: url, container: () => fetchBytes(where, f, 'password container') };
}

function directoryUrl(base: string): string {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  let absolute: string;
  try {
    absolute = new URL(base, page).toString();
  } catch (cause) {
    throw new InvalidArgumentError(`${base} is not a URL, and a directory path needs Node.js`, { cause });
  }
  return absolute.endsWith('/') || absolute.endsWith('.json') ? absolute : `${absolute}/`;
}

export async function readSource(source: ModelSource): Promise<SourceBytes> {
  if (typeof source === 'string') {
    if (/^https?:\/\//i.test(source) || !isNode()) {
      const base = directoryUrl(source);
      return fromUrl(base.endsWith('.json') ? base : new URL('model.json', base).toString(), undefined, undefined);
    }
    const files = (await import(NODE_FILES_MODULE)) as NodeFiles;
    const read = await files.readModelFiles(source);
    return {
      modelJson: read.modelJson,
      weights: read.weights,
      name: read.jsonPath,
      container: async () => {
        if (read.container === undefined) throw new ModelFormatError(`${read.jsonPath}: no ${CONTAINER_FILE} beside it, so it cannot be unlocked by licence`);
        return read.container;
      },
    };
  }
  if (typeof source !== 'object' || source === null) throw new InvalidArgumentError('source must be a directory path, a URL, or { modelJson, weights }');
  if ('url' in source) return fromUrl(source.url, source.containerUrl, source.fetch);
  const modelJson = typeof source.modelJson === 'string' ? source.modelJson : JSON.stringify(source.modelJson);
  const weights = toBytes(source.weights, 'weights');
  const container = source.container === undefined ? undefined : toBytes(source.container, 'container');
  return {
    modelJson,
    weights,
    name: 'model.json',
    container: async () => {
      if (container === undefined) throw new InvalidArgumentError('a licence or content key needs the container bytes: pass { modelJson, weights, container }');
      return container;
    },
  };
}
