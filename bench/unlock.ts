/**
 * `npm run bench:unlock [-- --json FILE] [--runs N] [--load-runs N] [--models lenet5,resnet] [--paillier-sample K]`
 *
 * What protection costs on the device, all in one process: for LeNet-5 and the small ResNet, the unprotected model,
 * EdgePro unlocked (password folded into the weights), EdgePro with lock ops (the lock applied as an op at every lock
 * point, as the paper's code runs it), whole-model AES-256-GCM (decrypt the weights, then load) and whole-model
 * Paillier (paillier-bigint; decrypting every weight is far too slow, so a sample is timed and extrapolated).
 *
 * Per method: time to first prediction (bytes in memory -> first class), steady latency at batch 1 and batch 256
 * (medians; methods interleaved run by run so load on the machine hits them alike), peak tensor bytes during load.
 * Plus the unlock itself (decrypt + fold, KDF excluded) and, separately, the licence's KDFs.
 * Weights are untrained (seeded initialisers): inference cost does not depend on the values.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { generateRandomKeys } from 'paillier-bigint';
import { initEngine } from '../src/engine/index.js';
import { buildLeNet5, buildResNet, deserializeModel, parseModelJson, serializeModel } from '../src/models/index.js';
import type { LockableModel } from '../src/models/types.js';
import { FixedLockLayer, generatePassword, lockVectors, rankNeurons, rebuildModel, registerLockLayers, unlockModel, type Password } from '../src/lock/index.js';
import {
  fingerprintWeights,
  generateDeviceKeyPair,
  generateVendorKeyPair,
  issueLicence,
  openContainer,
  openLicence,
  sealPassword,
  DEFAULT_KDF,
  DEFAULT_PBKDF2_ITERATIONS,
} from '../src/crypto/index.js';
import { deriveFromPassphrase } from '../src/crypto/kdf.js';
import { loadProtectedModel } from '../src/runtime/index.js';
import { createRng } from '../src/util/rng.js';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    runs: { type: 'string', default: '50' },
    'load-runs': { type: 'string', default: '20' },
    models: { type: 'string', default: 'lenet5,resnet' },
    'paillier-sample': { type: 'string', default: '16' },
    'paillier-bits': { type: 'string', default: '2048' },
    seed: { type: 'string', default: '0' },
  },
});
const runs = Number(values.runs);
const loadRuns = Number(values['load-runs']);
const seed = Number(values.seed);
const paillierSample = Number(values['paillier-sample']);
const paillierBits = Number(values['paillier-bits']);

const METHODS = ['unprotected', 'edgeproFolded', 'edgeproLockOps', 'aesWholeModel', 'paillierWholeModel'] as const;
type Method = (typeof METHODS)[number];

// --- statistics ---

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
}
async function timeMs(f: () => unknown | Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const human = (ms: number) => (ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${fmt(ms)} ms`);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// --- models ---

/** The lock applied as an op after every lock point (nothing folded), as the reference code runs a locked model. */
function withLockOps(lockable: LockableModel, password: Password): tfl.LayersModel {
  registerLockLayers();
  const byLayer = new Map(password.lockPoints.map((k) => [k.layer, lockVectors(k)]));
  return rebuildModel(lockable.model, {
    name: `${lockable.model.name}_lockops`,
    after: (layer, output) => {
      const v = byLayer.get(layer);
      if (v === undefined) return output;
      return new FixedLockLayer({ alpha: Array.from(v.alpha), beta: Array.from(v.beta), name: `${layer}_lockop` }).apply(output) as SymbolicTensor;
    },
  });
}

function inputs(shape: number[], n: number, s: number): Float32Array {
  const rng = createRng(s);
  return Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => rng.next());
}

async function aesEncrypt(data: Uint8Array): Promise<{ key: CryptoKey; iv: Uint8Array<ArrayBuffer>; sealed: Uint8Array<ArrayBuffer> }> {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new Uint8Array(data)));
  return { key, iv, sealed };
}
async function aesDecrypt(blob: { key: CryptoKey; iv: Uint8Array<ArrayBuffer>; sealed: Uint8Array<ArrayBuffer> }): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: blob.iv }, blob.key, blob.sealed));
}

/** Fixed-point encoding of a float32 weight for Paillier (plaintexts are integers mod n). */
const SCALE = 2 ** 24;

interface ModelFigures {
  firstPredictionMs: number;
  batch1Ms: number;
  batch256Ms: number;
  peakLoadBytes: number;
  unlockMs?: number;
  extrapolated?: boolean;
}

async function benchModel(name: 'lenet5' | 'resnet'): Promise<{ figures: Record<Method, ModelFigures>; extra: Record<string, unknown>; lines: string[] }> {
  const lockable = name === 'lenet5' ? buildLeNet5({ seed }) : buildResNet({ seed });
  const shape = lockable.model.inputs[0]!.shape.slice(1) as number[];
  const rankData = { name: 'random', x: inputs(shape, 64, seed + 1), y: new Int32Array(64), sampleShape: shape, numClasses: 10 };
  const password = generatePassword(lockable, rankNeurons(lockable, rankData, { samples: 64 }), { strategy: 'hardened', seed });
  const { modelJson, weights } = await serializeModel(lockable);
  lockable.model.dispose();
  const text = JSON.stringify(modelJson);
  const fingerprint = await fingerprintWeights(weights);
  const { container, contentKey } = await sealPassword(password, { modelFingerprint: fingerprint });
  const device = await generateDeviceKeyPair();
  const vendor = await generateVendorKeyPair();
  const licence = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: fingerprint, vendorPrivateKey: vendor.privateKey });
  const aesBlob = await aesEncrypt(weights);
  const weightCount = weights.byteLength / 4;
  const deviceOptions = { licence, deviceKey: device.privateKey, vendorKey: vendor.publicKey };
  const bytesSource = { modelJson: text, weights, container };
  const one = inputs(shape, 1, seed + 2);
  const lines: string[] = [];

  // Paillier: keys once; time the decryption of a sample of real weights, extrapolate to all of them.
  const paillierKeys = await generateRandomKeys(paillierBits);
  const floats = new Float32Array(weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength));
  const n = paillierKeys.publicKey.n;
  const sampleIdx = Array.from({ length: paillierSample }, (_, i) => Math.floor((i * floats.length) / paillierSample));
  const ciphertexts = sampleIdx.map((i) => {
    const m = BigInt(Math.round(floats[i]! * SCALE));
    return paillierKeys.publicKey.encrypt(m < 0n ? m + n : m);
  });
  const paillierTimes: number[] = [];
  let maxError = 0;
  for (let r = 0; r < 3; r++) {
    paillierTimes.push(
      await timeMs(() => {
        ciphertexts.forEach((c, j) => {
          let m = paillierKeys.privateKey.decrypt(c);
          if (m > n / 2n) m -= n;
          maxError = Math.max(maxError, Math.abs(Number(m) / SCALE - floats[sampleIdx[j]!]!));
        });
      }),
    );
  }
  const paillierPerWeightMs = median(paillierTimes) / paillierSample;
  const paillierWholeMs = paillierPerWeightMs * weightCount;

  // --- time to first prediction: bytes in memory -> first predicted class, each method's whole path ---
  const firstPaths: Record<Exclude<Method, 'paillierWholeModel'>, () => Promise<void>> = {
    unprotected: async () => {
      const m = await loadProtectedModel({ modelJson: text, weights });
      m.predictClass(one);
      m.dispose();
    },
    edgeproFolded: async () => {
      const m = await loadProtectedModel(bytesSource, deviceOptions);
      m.predictClass(one);
      m.dispose();
    },
    edgeproLockOps: async () => {
      const key = await openLicence(licence, { devicePrivateKey: device.privateKey }, { vendorPublicKey: vendor.publicKey, modelFingerprint: await fingerprintWeights(weights) });
      const pw = await openContainer(container, key);
      const loaded = await deserializeModel(parseModelJson(text), weights);
      const model = withLockOps(loaded, pw);
      tf.tidy(() => tf.argMax(model.predict(tf.tensor(one, [1, ...shape])) as tf.Tensor, -1).dataSync());
      loaded.model.dispose();
    },
    aesWholeModel: async () => {
      const m = await loadProtectedModel({ modelJson: text, weights: await aesDecrypt(aesBlob) });
      m.predictClass(one);
      m.dispose();
    },
  };
  const firstTimes: Record<string, number[]> = {};
  for (const method of Object.keys(firstPaths)) {
    await firstPaths[method as keyof typeof firstPaths](); // warm-up (kernels, wasm)
    firstTimes[method] = [];
  }
  for (let r = 0; r < loadRuns; r++) {
    for (const [method, path] of Object.entries(firstPaths)) firstTimes[method]!.push(await timeMs(path));
  }

  // --- peak tensor bytes during load, one run each: the engine's byte count, read after every tensor it tracks ---
  const peak = async (load: () => Promise<() => void>): Promise<number> => {
    const engine = tf.engine() as unknown as { trackTensor: (...a: unknown[]) => unknown; state: { numBytes: number } };
    const original = engine.trackTensor;
    const before = engine.state.numBytes;
    let high = before;
    engine.trackTensor = function (this: typeof engine, ...a: unknown[]) {
      const result = original.apply(this, a);
      high = Math.max(high, engine.state.numBytes);
      return result;
    };
    let release: () => void = () => {};
    try {
      release = await load();
    } finally {
      engine.trackTensor = original;
    }
    release();
    return high - before;
  };
  const peaks: Record<string, number> = {
    unprotected: await peak(async () => {
      const m = await loadProtectedModel({ modelJson: text, weights });
      return () => m.dispose();
    }),
    edgeproFolded: await peak(async () => {
      const m = await loadProtectedModel(bytesSource, deviceOptions);
      return () => m.dispose();
    }),
    edgeproLockOps: await peak(async () => {
      const loaded = await deserializeModel(parseModelJson(text), weights);
      withLockOps(loaded, password);
      return () => loaded.model.dispose();
    }),
    aesWholeModel: await peak(async () => {
      const m = await loadProtectedModel({ modelJson: text, weights: await aesDecrypt(aesBlob) });
      return () => m.dispose();
    }),
  };

  // --- steady inference: the four models side by side, runs interleaved ---
  const plain = await deserializeModel(parseModelJson(text), weights);
  const unlocked = unlockModel(await deserializeModel(parseModelJson(text), weights), password);
  const lockOpsBase = await deserializeModel(parseModelJson(text), weights);
  const lockOps = withLockOps(lockOpsBase, password);
  const aesPlain = await deserializeModel(parseModelJson(text), await aesDecrypt(aesBlob));
  const steady: Record<string, tfl.LayersModel> = { unprotected: plain.model, edgeproFolded: unlocked.model, edgeproLockOps: lockOps, aesWholeModel: aesPlain.model };
  lines.push(`${name}: ${weightCount} weights (${(weights.byteLength / 1024).toFixed(0)} KiB); password: ${password.lockPoints.length} lock points, ${password.lockPoints.reduce((a, k) => a + k.neurons.length, 0)} neurons; folded ${unlocked.folded.length} (${unlocked.folded.join(', ') || 'none'}), as ops ${unlocked.applied.length} (${unlocked.applied.join(', ') || 'none'})`);

  // Sanity: the folded model computes what the lock-op model computes.
  const probe = tf.tensor(inputs(shape, 32, seed + 3), [32, ...shape]);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(unlocked.model.predict(probe) as tf.Tensor, lockOps.predict(probe) as tf.Tensor))).dataSync()[0]!);
  const agree = tf.tidy(() => tf.mean(tf.equal(tf.argMax(unlocked.model.predict(probe) as tf.Tensor, -1), tf.argMax(lockOps.predict(probe) as tf.Tensor, -1))).dataSync()[0]!);
  probe.dispose();
  lines.push(`${name}: folded vs lock ops on 32 inputs: max |logit difference| ${diff.toExponential(2)}, same class ${(agree * 100).toFixed(0)}%`);

  const latency = async (batch: number, count: number): Promise<Record<string, number[]>> => {
    const x = tf.tensor(inputs(shape, batch, seed + 4 + batch), [batch, ...shape]);
    const out: Record<string, number[]> = {};
    const run = (m: tfl.LayersModel) => tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync());
    for (const [method, m] of Object.entries(steady)) {
      for (let w = 0; w < 5; w++) run(m);
      out[method] = [];
    }
    for (let r = 0; r < count; r++) {
      // Rotate the order each run so no method always follows the same one.
      const order = Object.keys(steady);
      for (let k = 0; k < order.length; k++) {
        const method = order[(k + r) % order.length]!;
        out[method]!.push(await timeMs(() => run(steady[method]!)));
      }
    }
    x.dispose();
    return out;
  };
  const b1 = await latency(1, Math.max(runs, 200));
  const b256 = await latency(256, runs);

  // --- unlock: decrypt + fold on a loaded model (KDF excluded), and the pieces around it ---
  const fingerprintTimes: number[] = [];
  const licenceTimes: number[] = [];
  const decryptTimes: number[] = [];
  const foldTimes: number[] = [];
  const unlockTimes: number[] = [];
  const aesTimes: number[] = [];
  const base = await deserializeModel(parseModelJson(text), weights);
  for (let r = 0; r < runs; r++) {
    fingerprintTimes.push(await timeMs(() => fingerprintWeights(weights)));
    let key: Uint8Array = new Uint8Array();
    licenceTimes.push(await timeMs(async () => void (key = await openLicence(licence, { devicePrivateKey: device.privateKey }, { vendorPublicKey: vendor.publicKey }))));
    let pw: Password | undefined;
    const t0 = performance.now();
    decryptTimes.push(await timeMs(async () => void (pw = await openContainer(container, key))));
    let folded: tfl.LayersModel | undefined;
    foldTimes.push(await timeMs(() => void (folded = unlockModel(base, pw!).model)));
    unlockTimes.push(performance.now() - t0);
    folded!.dispose();
    aesTimes.push(await timeMs(() => aesDecrypt(aesBlob)));
  }
  base.model.dispose();

  const figures = {} as Record<Method, ModelFigures>;
  for (const method of ['unprotected', 'edgeproFolded', 'edgeproLockOps', 'aesWholeModel'] as const) {
    figures[method] = {
      firstPredictionMs: median(firstTimes[method]!),
      batch1Ms: median(b1[method]!),
      batch256Ms: median(b256[method]!),
      peakLoadBytes: peaks[method]!,
    };
  }
  figures.edgeproFolded.unlockMs = median(unlockTimes);
  // Paillier: after decryption it is the plain model, so its inference is the unprotected model's (measured as AES's
  // decrypted instance); its first prediction is the extrapolated decryption plus the unprotected first prediction.
  figures.paillierWholeModel = {
    firstPredictionMs: paillierWholeMs + figures.unprotected.firstPredictionMs,
    batch1Ms: figures.aesWholeModel.batch1Ms,
    batch256Ms: figures.aesWholeModel.batch256Ms,
    peakLoadBytes: figures.aesWholeModel.peakLoadBytes,
    extrapolated: true,
  };

  const spread = (xs: number[]) => `${fmt(median(xs))} [${fmt(quantile(xs, 0.1))}-${fmt(quantile(xs, 0.9))}]`;
  const u = figures.unprotected;
  lines.push('');
  lines.push(
    table(
      ['method', 'first prediction ms', 'ratio', 'batch 1 ms [p10-p90]', 'ratio', 'batch 256 ms [p10-p90]', 'ratio', 'peak load tensor MiB'],
      METHODS.map((m) => {
        const f = figures[m];
        const steadyCells =
          m === 'paillierWholeModel'
            ? [fmt(f.batch1Ms) + ' (= plain)', (f.batch1Ms / u.batch1Ms).toFixed(3), fmt(f.batch256Ms) + ' (= plain)', (f.batch256Ms / u.batch256Ms).toFixed(3)]
            : [spread(b1[m]!), (f.batch1Ms / u.batch1Ms).toFixed(3), spread(b256[m]!), (f.batch256Ms / u.batch256Ms).toFixed(3)];
        return [
          m,
          m === 'paillierWholeModel' ? `~${human(f.firstPredictionMs)} (extrapolated)` : fmt(f.firstPredictionMs),
          (f.firstPredictionMs / u.firstPredictionMs).toFixed(f.firstPredictionMs / u.firstPredictionMs > 100 ? 0 : 2),
          ...steadyCells,
          (f.peakLoadBytes / 2 ** 20).toFixed(2),
        ];
      }),
    ),
  );
  const paired = (out: Record<string, number[]>, m: string) => median(out[m]!.map((t, i) => t / out.unprotected![i]!));
  lines.push(
    `paired median ratios to unprotected (same run, interleaved): folded ${paired(b1, 'edgeproFolded').toFixed(3)} (batch 1), ${paired(b256, 'edgeproFolded').toFixed(3)} (batch 256); lock ops ${paired(b1, 'edgeproLockOps').toFixed(3)}, ${paired(b256, 'edgeproLockOps').toFixed(3)}`,
  );
  lines.push(
    `peak load counts tensor bytes only; whole-model AES also holds ciphertext + decrypted weights as JS buffers during load (${((aesBlob.sealed.byteLength + weights.byteLength) / 1024).toFixed(0)} KiB), EdgePro the weights + container (${((weights.byteLength + container.byteLength) / 1024).toFixed(0)} KiB)`,
  );
  const unlockMs = figures.edgeproFolded.unlockMs;
  lines.push('');
  lines.push(
    table(
      ['unlock (KDF excluded)', 'median ms [p10-p90]', 'x EdgePro unlock'],
      [
        ['EdgePro: decrypt password.edgepro + fold', spread(unlockTimes), '1'],
        ['  of which AES-GCM decrypt of the password', spread(decryptTimes), ''],
        ['  of which fold into the weights', spread(foldTimes), ''],
        ['EdgePro: open device licence (X25519+HKDF+AES)', spread(licenceTimes), ''],
        ['EdgePro: SHA-256 fingerprint of the weights', spread(fingerprintTimes), ''],
        ['whole model AES-256-GCM decrypt', spread(aesTimes), (median(aesTimes) / unlockMs).toFixed(2)],
        [`whole model Paillier-${paillierBits} decrypt (extrapolated)`, `~${human(paillierWholeMs)}`, (paillierWholeMs / unlockMs).toFixed(0)],
      ],
    ),
  );
  lines.push(
    `Paillier: ${paillierSample} of ${weightCount} weights decrypted (fixed point 2^-24, max error ${maxError.toExponential(1)}), median of 3 runs ${fmt(paillierPerWeightMs)} ms per weight, x ${weightCount} weights = ~${human(paillierWholeMs)} (extrapolated, not run)`,
  );

  plain.model.dispose();
  unlocked.model.dispose();
  lockOpsBase.model.dispose();
  aesPlain.model.dispose();
  return {
    figures,
    extra: {
      weights: weightCount,
      folded: unlocked.folded,
      appliedAsOps: unlocked.applied,
      unlockParts: { decryptMs: median(decryptTimes), foldMs: median(foldTimes), openLicenceMs: median(licenceTimes), fingerprintMs: median(fingerprintTimes) },
      aesWholeModelDecryptMs: median(aesTimes),
      paillier: { bits: paillierBits, sampledWeights: paillierSample, perWeightMs: paillierPerWeightMs, wholeModelDecryptMs: paillierWholeMs, extrapolated: true },
      foldedVsLockOpsMaxAbsDiff: diff,
      pairedRatios: {
        edgeproFolded: { batch1: paired(b1, 'edgeproFolded'), batch256: paired(b256, 'edgeproFolded') },
        edgeproLockOps: { batch1: paired(b1, 'edgeproLockOps'), batch256: paired(b256, 'edgeproLockOps') },
      },
    },
    lines,
  };
}

await initEngine();
const started = new Date();
const models: Record<string, Record<Method, ModelFigures>> = {};
const details: Record<string, unknown> = {};
const names = values.models.split(',') as ('lenet5' | 'resnet')[];
for (const name of names) {
  const result = await benchModel(name);
  models[name] = result.figures;
  details[name] = result.extra;
  console.log(result.lines.join('\n'));
  console.log('');
}

// KDFs of passphrase licences (excluded from unlock: paid once per licence open, tunable).
const salt = crypto.getRandomValues(new Uint8Array(16));
const scryptMs: number[] = [];
const pbkdf2Ms: number[] = [];
for (let r = 0; r < 3; r++) {
  scryptMs.push(await timeMs(() => deriveFromPassphrase('correct horse battery staple', salt, DEFAULT_KDF)));
  pbkdf2Ms.push(await timeMs(() => deriveFromPassphrase('correct horse battery staple', salt, { name: 'pbkdf2-sha256', iterations: DEFAULT_PBKDF2_ITERATIONS })));
}
const kdf = DEFAULT_KDF as { N: number; r: number; p: number };
console.log(
  table(
    ['passphrase KDF (default parameters)', 'median ms of 3'],
    [
      [`scrypt N=2^${Math.log2(kdf.N)}, r=${kdf.r}, p=${kdf.p} (@noble/hashes)`, fmt(median(scryptMs))],
      [`PBKDF2-SHA256 ${DEFAULT_PBKDF2_ITERATIONS} iterations (WebCrypto)`, fmt(median(pbkdf2Ms))],
    ],
  ),
);
console.log(`\n${runs} runs at batch 256, ${Math.max(runs, 200)} at batch 1, ${loadRuns} loads per method; Node ${process.version}, wasm backend; ${started.toISOString()}`);

if (values.json) {
  const doc = {
    benchmark: 'unlock',
    date: started.toISOString(),
    node: process.version,
    runs: { batch1: Math.max(runs, 200), batch256: runs, load: loadRuns },
    models,
    details,
    kdf: { scryptDefaultMs: median(scryptMs), pbkdf2DefaultMs: median(pbkdf2Ms), scrypt: DEFAULT_KDF, pbkdf2Iterations: DEFAULT_PBKDF2_ITERATIONS },
  };
  const temp = `${values.json}.tmp`;
  writeFileSync(temp, JSON.stringify(doc, null, 2));
  renameSync(temp, values.json);
  console.log(`wrote ${values.json}`);
}
