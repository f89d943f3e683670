/**
 * The secret weight transforms of the fine-tuning-resistance studies (`perm`, `perm+taps`, `shuffle`), and loading the
 * cached baseline: shared by research/finetune_research.ts (fine-tuning the transformed model) and research/perm_recovery.ts
 * (recovering the secret). Bench code, not library code.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../src/data/types.js';
import type { LockableModel } from '../src/models/types.js';
import { loadModelDir } from '../src/owner/model_dir.js';
import type { Rng } from '../src/util/rng.js';

/** A model saved by `--family prepare` (model.json + weights.bin in `dir`). */
export async function load(dir: string): Promise<LockableModel> {
  const copy = await loadModelDir(dir);
  return { architecture: copy.architecture, model: copy.model, lockPoints: copy.lockPoints };
}

/** One layer's secret: its output units permuted and scaled (s > 0) in the released weights. */
export interface UnitSecret {
  layer: string;
  perm: number[];
  scale: number[];
}
/** conv1's secret tap order, one permutation of the kh*kw*cin kernel rows per output filter. */
export interface TapSecret {
  layer: string;
  perms: number[][];
}
/** Every weight tensor's entries permuted: the limit of the family (only each tensor's value histogram is left). */
export interface EntrySecret {
  layer: string;
  perms: number[][];
}
export interface Secret {
  units: UnitSecret[];
  taps?: TapSecret;
  entries?: EntrySecret[];
}

export function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

export const log2Factorial = (n: number) => Array.from({ length: n }, (_, i) => Math.log2(i + 1)).reduce((a, b) => a + b, 0);

export function drawSecret(model: LockableModel, withTaps: boolean, rng: Rng): Secret {
  const units = ['conv1', 'conv2', 'fc1', 'fc2'].map((layer) => {
    const kernel = model.model.getLayer(layer).getWeights()[0]!;
    const n = kernel.shape.at(-1)!;
    // Log-uniform in [1/2, 2]: wide enough that magnitudes carry no information, narrow enough to stay trainable.
    return { layer, perm: permutation(n, rng), scale: Array.from({ length: n }, () => 2 ** (2 * rng.next() - 1)) };
  });
  if (!withTaps) return { units };
  const k = model.model.getLayer('conv1').getWeights()[0]!;
  const rows = k.size / k.shape.at(-1)!;
  return { units, taps: { layer: 'conv1', perms: Array.from({ length: k.shape.at(-1)! }, () => permutation(rows, rng)) } };
}

export function drawEntrySecret(model: LockableModel, rng: Rng): Secret {
  const entries = ['conv1', 'conv2', 'fc1', 'fc2', 'logits'].map((layer) => ({ layer, perms: model.model.getLayer(layer).getWeights().map((w) => permutation(w.size, rng)) }));
  return { units: [], entries };
}

export function secretBits(secret: Secret): number {
  return (
    secret.units.reduce((s, u) => s + log2Factorial(u.perm.length), 0) +
    (secret.taps?.perms.reduce((s, p) => s + log2Factorial(p.length), 0) ?? 0) +
    (secret.entries?.reduce((s, e) => s + e.perms.reduce((t, p) => t + log2Factorial(p.length), 0), 0) ?? 0)
  );
}

/** `hide`: released entry i = authorized entry perm[i], for every tensor; `reveal` the inverse. In place. */
export function applyEntries(model: LockableModel, entries: EntrySecret[], hide: boolean): void {
  for (const e of entries) {
    const layer = model.model.getLayer(e.layer);
    const ws = layer.getWeights();
    const out = ws.map((w, k) => {
      const v = w.dataSync();
      const p = e.perms[k]!;
      const o = new Float32Array(v.length);
      for (let i = 0; i < p.length; i++) {
        if (hide) o[i] = v[p[i]!]!;
        else o[p[i]!] = v[i]!;
      }
      return tf.tensor(o, w.shape);
    });
    layer.setWeights(out);
    tf.dispose(out);
  }
}

/** Reads a layer's kernel (rows x outputs, row-major as TF.js stores it) and bias. */
export function readLayer(model: LockableModel, name: string): { kernel: Float32Array; bias: Float32Array; shape: number[] } {
  const [k, b] = model.model.getLayer(name).getWeights();
  return { kernel: Float32Array.from(k!.dataSync()), bias: Float32Array.from(b!.dataSync()), shape: k!.shape };
}

export function writeLayer(model: LockableModel, name: string, kernel: Float32Array, bias: Float32Array, shape: number[]): void {
  const ts = [tf.tensor(kernel, shape), tf.tensor1d(bias)];
  model.model.getLayer(name).setWeights(ts);
  tf.dispose(ts);
}

/**
 * `hide`: released unit j of each layer = scale[j] * authorized unit perm[j] (kernel column and bias), then conv1's
 * taps scrambled. `reveal`: the exact inverse (taps first, then units). In place.
 */
export function applySecret(model: LockableModel, secret: Secret, direction: 'hide' | 'reveal'): void {
  const taps = (hide: boolean) => {
    if (!secret.taps) return;
    const { kernel, bias, shape } = readLayer(model, secret.taps.layer);
    const n = shape.at(-1)!;
    const out = new Float32Array(kernel.length);
    secret.taps.perms.forEach((p, o) => {
      for (let r = 0; r < p.length; r++) {
        if (hide) out[r * n + o] = kernel[p[r]! * n + o]!;
        else out[p[r]! * n + o] = kernel[r * n + o]!;
      }
    });
    writeLayer(model, secret.taps.layer, out, bias, shape);
  };
  const units = (hide: boolean) => {
    for (const u of secret.units) {
      const { kernel, bias, shape } = readLayer(model, u.layer);
      const n = shape.at(-1)!;
      const rows = kernel.length / n;
      const k2 = new Float32Array(kernel.length);
      const b2 = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        const p = u.perm[j]!;
        const s = u.scale[j]!;
        if (hide) {
          for (let r = 0; r < rows; r++) k2[r * n + j] = s * kernel[r * n + p]!;
          b2[j] = s * bias[p]!;
        } else {
          for (let r = 0; r < rows; r++) k2[r * n + p] = kernel[r * n + j]! / s;
          b2[p] = bias[j]! / s;
        }
      }
      writeLayer(model, u.layer, k2, b2, shape);
    }
  };
  if (direction === 'hide') {
    units(true);
    taps(true);
    if (secret.entries) applyEntries(model, secret.entries, true);
  } else {
    if (secret.entries) applyEntries(model, secret.entries, false);
    taps(false);
    units(false);
  }
}

/** Max |a - b| over the test logits, relative to max |a|. */
export function logitGap(a: LockableModel['model'], b: LockableModel['model'], data: Dataset): { maxAbs: number; relative: number; agree: number } {
  return tf.tidy(() => {
    const xs = tf.tensor(data.x, [data.y.length, ...data.sampleShape]);
    const la = a.predict(xs) as tf.Tensor;
    const lb = b.predict(xs) as tf.Tensor;
    const maxAbs = tf.max(tf.abs(tf.sub(la, lb))).dataSync()[0]!;
    const scale = tf.max(tf.abs(la)).dataSync()[0]!;
    const agree = tf.mean(tf.cast(tf.equal(tf.argMax(la, 1), tf.argMax(lb, 1)), 'float32')).dataSync()[0]!;
    return { maxAbs, relative: maxAbs / scale, agree };
  });
}
