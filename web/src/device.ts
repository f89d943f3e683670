/**
 * The device side of the page, on `edgepro/runtime`: fetch the protected model's files, load the model locked, and
 * unlock it with a licence — opened by a passphrase or by this device's key, its vendor signature checked against
 * the vendor key the page trusts. The one place that knows how credentials become an unlocked model.
 */
import {
  decodeKeyFile,
  EdgeProError,
  fingerprintWeights,
  loadProtectedModel,
  openContainer,
  openLicence,
  type LicenceKey,
  type ProtectedModel,
} from 'edgepro/runtime';

/** The three files a protected model ships as: weights in the clear, the password sealed. */
export interface ModelFiles {
  modelJson: string;
  weights: Uint8Array;
  /** password.edgepro */
  container: Uint8Array;
}

export interface Device {
  model: ProtectedModel;
  files: ModelFiles;
  /** The vendor's Ed25519 public key: licences it did not sign are refused. A real app would build it in. */
  vendorKey: Uint8Array;
}

/** What the user hands over: a licence, and the passphrase or device key that opens it. */
export type Credentials = { licence: Uint8Array; passphrase: string } | { licence: Uint8Array; deviceKey: Uint8Array };

/** How long each step of unlocking took, in milliseconds. */
export interface UnlockTiming {
  total: number;
  /** Fingerprint the weights, check the vendor signature, derive the key (scrypt for a passphrase) and unwrap. */
  licence: number;
  /** Decrypt password.edgepro (AES-256-GCM). */
  container: number;
  /** Fold the password into the weights. */
  fold: number;
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Fetches model.json, its weight files (concatenated in manifest order) and password.edgepro from `dir`. */
export async function fetchModelFiles(dir: URL): Promise<ModelFiles> {
  const modelJson = new TextDecoder().decode(await fetchBytes(new URL('model.json', dir)));
  const manifest = (JSON.parse(modelJson) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? [];
  const [parts, container] = await Promise.all([
    Promise.all(manifest.flatMap((group) => group.paths).map((path) => fetchBytes(new URL(path, dir)))),
    fetchBytes(new URL('password.edgepro', dir)),
  ]);
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    weights.set(part, offset);
    offset += part.byteLength;
  }
  return { modelJson, weights, container };
}

/** Loads the model locked: it runs, and answers what a thief's copy would. */
export async function loadLocked(base: URL, wasm: URL): Promise<Device> {
  const [files, vendorFile] = await Promise.all([fetchModelFiles(new URL('model/', base)), fetchBytes(new URL('vendor.pub', base))]);
  const vendorKey = decodeKeyFile(new TextDecoder().decode(vendorFile), 'vendor-public').key;
  const model = await loadProtectedModel({ modelJson: files.modelJson, weights: files.weights }, { engine: { wasmPaths: wasm.href } });
  return { model, files, vendorKey };
}

async function fileBytes(input: HTMLInputElement | null): Promise<Uint8Array | undefined> {
  const file = input?.files?.[0];
  return file === undefined ? undefined : new Uint8Array(await file.arrayBuffer());
}

/** Reads the unlock form; returns a message instead when something is missing. Throws on an unreadable key file. */
export async function readCredentials(form: HTMLFormElement): Promise<Credentials | string> {
  const licence = await fileBytes(form.querySelector<HTMLInputElement>('#licence-file'));
  const passphrase = form.querySelector<HTMLInputElement>('#passphrase')?.value ?? '';
  const keyFile = await fileBytes(form.querySelector<HTMLInputElement>('#device-key-file'));
  if (licence === undefined) return 'Choose a licence file first.';
  if (keyFile !== undefined && passphrase !== '') return 'Give the passphrase or a device key file, not both.';
  if (keyFile !== undefined) return { licence, deviceKey: decodeKeyFile(new TextDecoder().decode(keyFile), 'device-private').key };
  if (passphrase === '') return "Enter the licence's passphrase, or choose this device's key file.";
  return { licence, passphrase };
}

/** Opens the licence and the sealed password, and folds the password into the loaded model. */
export async function unlock(device: Device, credentials: Credentials): Promise<UnlockTiming> {
  const started = performance.now();
  const modelFingerprint = await fingerprintWeights(device.files.weights);
  const key: LicenceKey = 'passphrase' in credentials ? { passphrase: credentials.passphrase } : { devicePrivateKey: credentials.deviceKey };
  const contentKey = await openLicence(credentials.licence, key, { modelFingerprint, vendorPublicKey: device.vendorKey });
  const opened = performance.now();
  let password;
  try {
    password = await openContainer(device.files.container, contentKey, { modelFingerprint });
  } finally {
    contentKey.fill(0);
  }
  const decrypted = performance.now();
  device.model.unlock(password);
  const folded = performance.now();
  return { total: folded - started, licence: opened - started, container: decrypted - opened, fold: folded - decrypted };
}

/** One clear sentence for the page, whatever failed. */
export function describeError(error: unknown): string {
  if (error instanceof EdgeProError) {
    switch (error.code) {
      case 'ERR_DECRYPTION_FAILED':
        // AES-GCM cannot tell these apart, and saying which would help an attacker.
        return 'The licence could not be opened: wrong passphrase or device key, or the licence was altered.';
      case 'ERR_SIGNATURE':
        return `The licence was altered or not issued by this model's vendor (${error.message}).`;
      case 'ERR_MALFORMED':
        return `That file is not a valid licence or key file (${error.message}).`;
      case 'ERR_MODEL_MISMATCH':
        return 'This licence is for another model: the weights it was issued for differ from these.';
      case 'ERR_EXPIRED':
        return `This licence has expired (${error.message}).`;
      case 'ERR_UNSUPPORTED_VERSION':
        return `A newer edgepro made this file (${error.message}).`;
      case 'ERR_INVALID_PASSWORD':
        return `The sealed password does not fit this model (${error.message}).`;
      case 'ERR_MODEL_FORMAT':
        return `The model could not be loaded (${error.message}).`;
      case 'ERR_ENGINE':
        return `TensorFlow.js could not start its WebAssembly backend (${error.message}).`;
      default:
        return error.message;
    }
  }
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}
