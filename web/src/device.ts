/**
 * The device side of the page: load the protected model (locked), and unlock it with what the user supplies. This
 * is the one place that knows how credentials become an unlocked model.
 */
import { loadProtectedModel, EdgeProError, type ProtectedModel } from 'edgepro/runtime';

/** What the user hands over to unlock the model. */
export interface Credentials {
  /** The model's password file, as the owner exported it. */
  passwordFile: Uint8Array;
}

/** Loads the model locked: it runs, and answers what a thief's copy would. */
export async function loadLocked(baseUrl: URL, wasmUrl: URL): Promise<ProtectedModel> {
  return loadProtectedModel({ url: new URL('model.json', baseUrl).href }, { engine: { wasmPaths: wasmUrl.href } });
}

/** Reads the unlock form; returns a message instead when something is missing. */
export async function readCredentials(form: HTMLFormElement): Promise<Credentials | string> {
  const file = form.querySelector<HTMLInputElement>('#password-file')?.files?.[0];
  if (file === undefined) return 'Choose the password file first.';
  return { passwordFile: new Uint8Array(await file.arrayBuffer()) };
}

/** Unlocks `model` in place; returns how long it took, in milliseconds. */
export async function unlock(model: ProtectedModel, credentials: Credentials): Promise<number> {
  const started = performance.now();
  model.unlock(credentials.passwordFile);
  return performance.now() - started;
}

/** One clear sentence for the page, whatever failed. */
export function describeError(error: unknown): string {
  if (error instanceof EdgeProError) {
    switch (error.code) {
      case 'ERR_INVALID_PASSWORD':
        return `This is not a password for this model (${error.message}).`;
      case 'ERR_MODEL_FORMAT':
        return `The model could not be loaded: ${error.message}.`;
      case 'ERR_ENGINE':
        return `TensorFlow.js could not start its WebAssembly backend: ${error.message}.`;
      default:
        return error.message;
    }
  }
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}
