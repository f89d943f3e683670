/**
 * The device's side of a sealed ONNX model: open the bundle, open the licence (the same credentials as a TF.js
 * model), decrypt the model and its external data into memory and hand them to ONNX Runtime — the app's own
 * `onnxruntime-web` or `onnxruntime-node`, passed in — with `InferenceSession.create(bytes, { externalData })`.
 * Nothing is written to disk. Imports no ONNX Runtime and nothing Node-only.
 */
import { InvalidArgumentError, ModelFormatError, SealedModelError } from '../util/errors.js';
import { ExpiredError } from '../crypto/errors.js';
import { openOnnxBundle } from '../bundle/onnx.js';
import { urlSource, type BundleSource } from '../bundle/source.js';
import { checkCredentials, contentKeyFrom, currentTime, type CredentialOptions, type Credentials } from './credentials.js';

/** The session an ONNX Runtime package makes, as far as edgepro relies on it. */
export interface OnnxSessionLike {
  run(feeds: never, ...rest: never[]): Promise<unknown>;
  release(): Promise<void>;
}

/**
 * The part of an ONNX Runtime package (`import * as ort from 'onnxruntime-web'`, or `'onnxruntime-node'`) that
 * edgepro calls: `InferenceSession.create(modelBytes, sessionOptions)`.
 */
export interface OnnxRuntimeLike<S extends OnnxSessionLike> {
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<S> };
}

/** The external data edgepro passes to `InferenceSession.create`, in memory (onnxruntime 1.20 and later). */
export type OnnxExternalData = { path: string; data: Uint8Array }[];

export interface OnnxLoadOptions<S extends OnnxSessionLike> extends CredentialOptions {
  /** The app's ONNX Runtime: `import * as ort from 'onnxruntime-web'` (or `'onnxruntime-node'`), passed as `{ ort }`. */
  ort: OnnxRuntimeLike<S>;
  /**
   * Session options for `InferenceSession.create` (execution providers, graph optimisation, ...). `externalData` is
   * edgepro's: the model's external data, decrypted, in memory.
   */
  sessionOptions?: Record<string, unknown>;
  /** Refuse a model whose model and external data together need more bytes than this (default and ceiling: 4 GiB). */
  maxBytes?: number;
}

/** Where the load's time went, in milliseconds. */
export interface OnnxLoadTimings {
  /** model.json and the sealed headers read, the fingerprint computed. */
  read: number;
  /** The licence opened, or the owner key taken. */
  licence: number;
  /** The model and its external data read and decrypted. */
  unseal: number;
  /** ONNX Runtime's session made from the decrypted bytes. */
  session: number;
  total: number;
}

const now = () => globalThis.performance?.now() ?? Date.now();

/** A sealed ONNX model, opened: ONNX Runtime's session, and the licence's expiry. */
export class ProtectedOnnxModel<S extends OnnxSessionLike> {
  private released = false;

  /** @internal use {@link loadProtectedOnnx}. */
  constructor(
    /**
     * ONNX Runtime's `InferenceSession`, for `inputNames`, `outputNames`, `run` with fetches or run options. An app that
     * runs it itself checks {@link ProtectedOnnxModel.expiresAt} or calls {@link ProtectedOnnxModel.checkLicence} first.
     */
    readonly session: S,
    /** The bundle fingerprint the licence was checked against. */
    readonly fingerprint: string,
    /** When the licence expires (ms since 1970), or null. */
    readonly expiresAt: number | null,
    readonly timings: OnnxLoadTimings,
    private readonly options: CredentialOptions,
    private readonly name: string,
  ) {}

  /** Throws ExpiredError (or ClockError, for a clock that went back) once the licence has expired. */
  checkLicence(): void {
    if (this.expiresAt === null) return;
    const t = currentTime(this.options);
    if (t >= this.expiresAt) throw new ExpiredError(`the licence of ${this.name} expired at ${new Date(this.expiresAt).toISOString()}`);
  }

  /**
   * `session.run(feeds)`, refused once the licence has expired (ExpiredError) or the session was released.
   *
   * @example
   * ```ts
   * const { probs } = await model.run({ x: new ort.Tensor('float32', pixels, [1, 64]) });
   * ```
   */
  async run(feeds: Parameters<S['run']>[0]): Promise<Awaited<ReturnType<S['run']>>> {
    if (this.released) throw new InvalidArgumentError(`${this.name}: the session was released`);
    this.checkLicence();
    return (await this.session.run(feeds)) as Awaited<ReturnType<S['run']>>;
  }

  /** Releases ONNX Runtime's session. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

function toSource(source: BundleSource | string | URL): BundleSource {
  if (typeof source === 'string' || source instanceof URL) return urlSource(source);
  if (typeof source !== 'object' || source === null || typeof (source as BundleSource).read !== 'function') {
    throw new InvalidArgumentError('source must be a bundle source (Bundle, urlSource(...), directorySource(...) from edgepro/node) or a URL');
  }
  return source;
}

function checkRuntime(ort: unknown): void {
  const create = (ort as { InferenceSession?: { create?: unknown } } | undefined)?.InferenceSession?.create;
  if (typeof create !== 'function') {
    throw new InvalidArgumentError("options.ort must be the app's ONNX Runtime: import * as ort from 'onnxruntime-web' (or 'onnxruntime-node'), then { ort }");
  }
}

/**
 * Loads a sealed ONNX model (`edgepro seal model.onnx --out DIR`) into the app's ONNX Runtime. The credentials are
 * those of a TF.js model — a licence with its passphrase or device key and the vendor's key (or `allowUnsigned`), or
 * the owner key — checked against the bundle fingerprint before any key derivation. The model and its external data
 * are decrypted into memory and passed to `ort.InferenceSession.create(model, { ...sessionOptions, externalData })`;
 * then the decrypted copies are zeroed (ONNX Runtime holds its own).
 *
 * Failures are typed, as for {@link loadProtectedModel}: ModelFormatError (files, model.json, a model ONNX Runtime
 * refuses), SealedModelError (no licence or owner key), MalformedError / UnsupportedVersionError (licence),
 * ModelMismatchError, SignatureError, DecryptionFailedError (wrong key, or altered or truncated sealed files: one
 * error), ExpiredError, ClockError, InvalidArgumentError.
 *
 * @example
 * ```ts
 * import * as ort from 'onnxruntime-web';
 * import { loadProtectedOnnx } from 'edgepro/onnx';
 * const model = await loadProtectedOnnx('/models/mlp/', { licence, passphrase, vendorKey }, { ort });
 * const { probs } = await model.run({ x: new ort.Tensor('float32', input, [1, 64]) });
 * ```
 */
export async function loadProtectedOnnx<S extends OnnxSessionLike>(
  source: BundleSource | string | URL,
  credentials: Credentials | undefined,
  options: OnnxLoadOptions<S>,
): Promise<ProtectedOnnxModel<S>> {
  checkRuntime(options?.ort);
  if (credentials !== undefined) checkCredentials(credentials);
  const started = now();
  const opened = await openOnnxBundle(toSource(source), options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  let contentKey: Uint8Array | undefined;
  let unsealed: Awaited<ReturnType<typeof opened.unseal>> | undefined;
  let session: S;
  let expiresAt: number | null = null;
  let read: number, licensed: number, decrypted: number;
  try {
    if (credentials === undefined || 'password' in credentials) {
      throw new SealedModelError(`${opened.name}: the ONNX model is sealed; loading needs a licence (with its passphrase or device key) or the owner key`);
    }
    read = now();
    ({ contentKey, expiresAt } = await contentKeyFrom(credentials, opened.fingerprint, options));
    licensed = now();
    unsealed = await opened.unseal(contentKey!);
    decrypted = now();
    const { externalData: _ignored, ...sessionOptions } = options.sessionOptions ?? {};
    try {
      session = await options.ort.InferenceSession.create(unsealed.model, { ...sessionOptions, ...(unsealed.externalData.length > 0 ? { externalData: unsealed.externalData } : {}) });
    } catch (cause) {
      throw new ModelFormatError(`${opened.name}: ONNX Runtime could not make a session of the model: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
  } catch (error) {
    await opened.close();
    throw error;
  } finally {
    contentKey?.fill(0);
    if (unsealed !== undefined) for (const bytes of [unsealed.model, ...unsealed.externalData.map((e) => e.data)]) bytes.fill(0);
  }
  const done = now();
  return new ProtectedOnnxModel(session, opened.fingerprint, expiresAt, { read: read - started, licence: licensed - read, unseal: decrypted - licensed, session: done - decrypted, total: done - started }, options, opened.name);
}
