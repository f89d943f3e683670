/**
 * The device side of the page, on the public `edgepro/runtime` API alone: which bundles the page offers, loading one
 * with `loadProtectedModel`, opening it with a licence (by a passphrase or by this device's key, its vendor signature
 * checked against the vendor key the page trusts), and one clear sentence per error code. The page picks its TF.js
 * backend itself, as any TF.js app does; the runtime runs on it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  decodeKeyFile,
  EdgeProError,
  errorHint,
  loadProtectedModel,
  type ErrorCode,
  type LoadTimings,
  type ProtectedModel,
  type UnlockTimings,
} from 'edgepro/runtime';

/** A bundle the page can load: its directory under the page, and whether its weights are sealed. */
export interface BundleChoice {
  id: 'model' | 'model-lock';
  label: string;
  /** Sealed weights: nothing loads without a licence. Otherwise the model loads locked and runs, uselessly. */
  sealed: boolean;
}

/** The two levels the demo serves (see web/fixture.ts): the default first. */
export const BUNDLES: readonly BundleChoice[] = [
  { id: 'model', label: 'lock + seal (default)', sealed: true },
  { id: 'model-lock', label: 'lock alone (the paper\u2019s form)', sealed: false },
];

/** Where the demo's own credentials for a bundle are (the page links them under "No licence at hand?"). */
export function demoFiles(bundle: BundleChoice): { licence: string; deviceLicence: string; deviceKey: string } {
  return { licence: `demo/${bundle.id}/demo.licence`, deviceLicence: `demo/${bundle.id}/device.licence`, deviceKey: 'demo/device.key' };
}

export interface Device {
  bundle: BundleChoice;
  /** The bundle's directory URL. */
  url: URL;
  /** The vendor's Ed25519 public key: licences it did not sign are refused. A real app would build it in. */
  vendorKey: Uint8Array;
  /** The loaded model: undefined while the weights are sealed (there is nothing to run yet). */
  session: ProtectedModel | undefined;
  /** The runtime's timings of the load that made `session`. */
  loaded: LoadTimings | undefined;
}

/** What the user hands over: a licence, and the passphrase or device key that opens it. */
export type LicenceCredentials = { licence: Uint8Array; passphrase: string } | { licence: Uint8Array; deviceKey: Uint8Array };

/** How a licence opened the model: a sealed one is loaded by it, a lock-only one (already loaded) is unlocked. */
export type Opened = { kind: 'load'; timings: LoadTimings } | { kind: 'unlock'; timings: UnlockTimings };

async function fetchBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The page's own choice of backend: TF.js's WebAssembly backend, its .wasm files served beside the page. Started
 * once, before any load, so that a load's timings do not include it.
 */
let backend: Promise<void> | undefined;

function startBackend(base: URL): Promise<void> {
  backend ??= (async () => {
    setWasmPaths(new URL('wasm/', base).href);
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its WebAssembly backend');
    await tf.ready();
  })();
  return backend;
}

/**
 * Starts a device on one bundle. A lock-only bundle is loaded now, locked: it runs, and answers what a thief's copy
 * would. A sealed one is not loaded: without a licence the runtime refuses it (ERR_SEALED), there is nothing to run.
 */
export async function startDevice(base: URL, bundle: BundleChoice): Promise<Device> {
  const url = new URL(`${bundle.id}/`, base);
  const vendorKey = decodeKeyFile(new TextDecoder().decode(await fetchBytes(new URL('vendor.pub', base))), 'vendor-public').key;
  await startBackend(base);
  const device: Device = { bundle, url, vendorKey, session: undefined, loaded: undefined };
  if (!bundle.sealed) {
    device.session = await loadProtectedModel(url);
    device.loaded = device.session.timings;
  }
  return device;
}

/**
 * Opens the model with a licence: a sealed bundle is loaded with it (licence opened, weights decrypted, model built,
 * password folded in, in one call); a loaded lock-only model has the password folded into its weights.
 */
export async function openWithLicence(device: Device, credentials: LicenceCredentials): Promise<Opened> {
  const withVendor = { ...credentials, vendorKey: device.vendorKey };
  if (device.session === undefined) {
    const session = await loadProtectedModel(device.url, withVendor);
    device.session = session;
    device.loaded = session.timings;
    return { kind: 'load', timings: session.timings };
  }
  return { kind: 'unlock', timings: await device.session.unlock(withVendor) };
}

/** Frees the device's model. */
export function closeDevice(device: Device | undefined): void {
  device?.session?.dispose();
  if (device !== undefined) device.session = undefined;
}

async function fileBytes(input: HTMLInputElement | null): Promise<Uint8Array | undefined> {
  const file = input?.files?.[0];
  return file === undefined ? undefined : new Uint8Array(await file.arrayBuffer());
}

/** Reads the licence form; returns a message instead when something is missing. Throws on an unreadable key file. */
export async function readCredentials(form: HTMLFormElement): Promise<LicenceCredentials | string> {
  const licence = await fileBytes(form.querySelector<HTMLInputElement>('#licence-file'));
  const passphrase = form.querySelector<HTMLInputElement>('#passphrase')?.value ?? '';
  const keyFile = await fileBytes(form.querySelector<HTMLInputElement>('#device-key-file'));
  if (licence === undefined) return 'Choose a licence file first.';
  if (keyFile !== undefined && passphrase !== '') return 'Give the passphrase or a device key file, not both.';
  if (keyFile !== undefined) return { licence, deviceKey: decodeKeyFile(new TextDecoder().decode(keyFile), 'device-private').key };
  if (passphrase === '') return "Enter the licence's passphrase, or choose this device's key file.";
  return { licence, passphrase };
}

/** What the page shows for a failure: one sentence from the runtime's hint table, and the error's code. */
export interface ShownError {
  message: string;
  code: ErrorCode;
}

/** One clear sentence for the page, whatever failed: what to do (the hint of its code), then what happened. */
export function describeError(error: unknown): ShownError {
  const code: ErrorCode = error instanceof EdgeProError ? error.code : 'ERR_UNEXPECTED';
  const hint = errorHint(code);
  const detail = error instanceof Error ? error.message : String(error);
  return { message: `${hint.charAt(0).toUpperCase()}${hint.slice(1)} (${detail}).`, code };
}
