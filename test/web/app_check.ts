/**
 * A page written as an app author writes one (bundled by esbuild for test/web/app.e2e.test.ts; no part of the demo):
 * the app imports TF.js itself, picks its backend (cpu here: headless Chromium has no GPU; webgl where the app
 * installs it), and opens a protected model twice, with the same device licence — through the IOHandler with plain
 * `tf.loadLayersModel`, and through `loadProtectedModel` — on one batch of digits. It reports the backend before and
 * after, and both results, for the test to compare with the unlocked model in Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { decodeKeyFile, loadProtectedModel, protectedModelHandler, urlSource } from 'edgepro/runtime';

export interface AppCheckInput {
  /** The bundle's directory, the device licence, the device key file, the vendor's public key file (page-relative). */
  bundle: string;
  licence: string;
  deviceKey: string;
  vendorKey: string;
  /** The samples, 784 values each, row-major. */
  pixels: number[];
  count: number;
}

export interface AppCheckResult {
  backend: { chosen: string; afterHandler: string; afterLoad: string };
  handler: { probabilities: number[] };
  session: { probabilities: number[]; classes: number[]; top: { class: number; score: number }[][] };
  tensorsLeft: number;
}

async function bytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function check(input: AppCheckInput): Promise<AppCheckResult> {
  // The app's choice, made before edgepro is involved.
  const wanted = tf.findBackendFactory('webgl') != null ? 'webgl' : 'cpu';
  await tf.setBackend(wanted);
  await tf.ready();
  const chosen = tf.getBackend();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const credentials = {
    licence: await bytes(input.licence),
    deviceKey: decodeKeyFile(text(await bytes(input.deviceKey)), 'device-private').key,
    vendorKey: decodeKeyFile(text(await bytes(input.vendorKey)), 'vendor-public').key,
  };
  const before = tf.memory().numTensors;
  const x = tf.tensor(input.pixels, [input.count, 28, 28, 1]);

  // 1. The IOHandler: the app's own loading code, unchanged but for the handler.
  const model = await tfl.loadLayersModel(protectedModelHandler(urlSource(input.bundle), credentials));
  const afterHandler = tf.getBackend();
  const logits = model.predict(x) as tf.Tensor;
  const probabilities = tf.softmax(logits);
  const handler = { probabilities: Array.from(await probabilities.data()) };
  tf.dispose([logits, probabilities]);
  model.dispose();

  // 2. loadProtectedModel: a session, predicting on the app's tensor.
  const session = await loadProtectedModel(urlSource(input.bundle), credentials);
  const afterLoad = tf.getBackend();
  const prediction = await session.predict(x, { topK: 3 });
  session.dispose();
  x.dispose();
  return {
    backend: { chosen, afterHandler, afterLoad },
    handler,
    session: { probabilities: Array.from(prediction.probabilities), classes: Array.from(prediction.classes), top: prediction.top },
    tensorsLeft: tf.memory().numTensors - before,
  };
}

(globalThis as { appCheck?: typeof check }).appCheck = check;
