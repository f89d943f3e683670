/**
 * `npm run bench:unlock [-- --json FILE] [--models lenet5,resnet,resnet11m,faceres] [--runs N] [--load-runs N]
 *  [--mem-runs N] [--paillier-sample K] [--seed S]`
 *
 * What each protection level costs on the device, all levels of a model side by side in one run:
 * - **unprotected**: a plain TF.js load of model.json + the weights (`tf.io.fromMemory`, then `tf.loadLayersModel`
 *   or `loadGraphModel`);
 * - **lock alone** (`seal: 'none'`), **lock + seal all** (the default), **lock + partial seal** (the layers named
 *   by `--partial`, else what `autoSeal` picks when that is a partial seal; today auto picks all for every model, and
 *   the run says so), **seal all, no lock** (`sealModel`): the
 *   device path, `loadProtectedModel(bundle, { licence, deviceKey, vendorKey }, { keepLocked: false })` with a
 *   signed X25519 licence;
 * - **one-shot AES-256-GCM**: the whole weights buffer decrypted in one WebCrypto call, then a plain TF.js load —
 *   the reference a sealed stream is measured against;
 * - for layers models, EdgePro with **lock ops** (nothing folded, the lock applied as an op at every lock point, as
 *   the paper's code runs it) in the inference table, and **whole-model Paillier**, extrapolated from a sample.
 *
 * Models: LeNet-5, the small ResNet (ResNet-8), an 11 M-parameter ResNet (`buildResNet` with widths 96-192-384-768
 * on 16x16x3 inputs), all with seeded untrained weights (load and inference cost do not depend on the values) and a
 * `hardened` password; and a real pretrained graph model, @vladmandic/human's faceres (float16-quantised, input
 * 224x224x3), sealed with `sealModel` (a graph model has no lock), run at batch 1 and 16.
 *
 * Per (model, level): load time from bytes (a Bundle in memory) and from disk (a directory written by writeBundle;
 * warm page cache), time to first prediction, batch-1 and large-batch latency (medians; levels interleaved run by
 * run, so load on the machine hits them alike; process CPU time too), the runtime's own timings, and peak memory
 * during the load: each load once more in a fresh process (bench/unlock_worker.ts) that reads the kernel's exact
 * RSS high-water mark, and the engine's tensor bytes. Ratios are to the unprotected model in the same run, and
 * for lock + partial seal also to lock + seal all. Then
 * the decrypt throughput (openSealed alone and `session.timings.unseal`), the passphrase KDFs, the targets as
 * pass/fail lines (inference <= 2% slower; for a model of >= 10 M parameters, sealed load <= 1.5x and peak RSS <=
 * +10%; decrypt >= 0.8 GB/s), and os.loadavg() at the start and the end. The defaults take about 5 minutes on
 * 2 cores; `--runs` (large-batch runs; batch 1 gets 4x) and `--load-runs` override every model's defaults.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { writeFileSync, renameSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { generateRandomKeys } from 'paillier-bigint';
import { initEngine } from '../src/engine/index.js';
import { buildLeNet5, buildResNet, serializeModel } from '../src/models/index.js';
import type { LockableModel } from '../src/models/types.js';
import { FixedLockLayer, generatePassword, lockVectors, rankNeurons, rebuildModel, registerLockLayers, planFolds, type Password } from '../src/lock/index.js';
import { Bundle } from '../src/bundle/source.js';
import { assembleBundle, type AssembledBundle } from '../src/bundle/assemble.js';
import { writeBundle } from '../src/bundle/directory.js';
import { sealModel } from '../src/owner/protect.js';
import { autoSeal, type AutoSeal } from '../src/owner/auto_seal.js';
import { generateDeviceKeyPair, generateVendorKeyPair, issueLicence, openSealed, DEFAULT_KDF, DEFAULT_PBKDF2_ITERATIONS } from '../src/crypto/index.js';
import { deriveFromPassphrase } from '../src/crypto/kdf.js';
import type { LoadTimings } from '../src/runtime/index.js';
import { createRng } from '../src/util/rng.js';
import { AES_FILE, LEVEL_LABELS, encodeKeys, loadLevel, runModel, type Level, type LevelKeys, type LoadedLevel, type Mode } from './unlock_levels.js';
import type { WorkerResult } from './unlock_worker.js';

const MODEL_NAMES = ['lenet5', 'resnet', 'resnet11m', 'faceres'] as const;
type ModelName = (typeof MODEL_NAMES)[number];

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    models: { type: 'string', default: MODEL_NAMES.join(',') },
    runs: { type: 'string' },
    'load-runs': { type: 'string' },
    'mem-runs': { type: 'string' },
    'paillier-sample': { type: 'string', default: '8' },
    'paillier-bits': { type: 'string', default: '2048' },
    seed: { type: 'string', default: '0' },
    // Layers to seal for the lock + partial seal level instead of what `--seal auto` picks (today all, for every
    // model): e.g. `--partial conv1,conv2,logits` on LeNet-5.
    partial: { type: 'string' },
  },
});
const seed = Number(values.seed);
const paillierSample = Number(values['paillier-sample']);
const paillierBits = Number(values['paillier-bits']);
const names = values.models.split(',').map((s) => s.trim()) as ModelName[];
for (const name of names) if (!MODEL_NAMES.includes(name)) throw new Error(`unknown model ${name}; choose from ${MODEL_NAMES.join(', ')}`);

const here = dirname(fileURLToPath(import.meta.url));
const FACERES_JSON = resolve(here, '../node_modules/@vladmandic/human/models/faceres.json');

// --- the models ---

interface ModelDef {
  title: string;
  kind: 'layers' | 'graph';
  build?: () => LockableModel;
  /** The large batch (256, or 16 for the graph model, whose batch 256 is far too slow here). */
  bigBatch: number;
  /** Default repetitions: large-batch runs, batch-1 runs, timed loads per (level, source), fresh-process loads. */
  runs: number;
  batch1Runs: number;
  loadRuns: number;
  memRuns: number;
}

const MODELS: Record<ModelName, ModelDef> = {
  lenet5: { title: 'LeNet-5', kind: 'layers', build: () => buildLeNet5({ seed }), bigBatch: 256, runs: 40, batch1Runs: 200, loadRuns: 30, memRuns: 1 },
  resnet: { title: 'ResNet-8 (small ResNet)', kind: 'layers', build: () => buildResNet({ seed }), bigBatch: 256, runs: 15, batch1Runs: 150, loadRuns: 20, memRuns: 1 },
  resnet11m: {
    title: 'ResNet, 11 M parameters (widths 96-192-384-768, 16x16x3)',
    kind: 'layers',
    build: () => buildResNet({ seed, widths: [96, 192, 384, 768], inputShape: [16, 16, 3] }),
    bigBatch: 256,
    runs: 5,
    batch1Runs: 60,
    loadRuns: 8,
    memRuns: 3,
  },
  faceres: { title: 'faceres (@vladmandic/human, pretrained graph model, float16)', kind: 'graph', bigBatch: 16, runs: 6, batch1Runs: 30, loadRuns: 10, memRuns: 2 },
};

// --- statistics and printing ---

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
}
const fmt = (ms: number) => (!Number.isFinite(ms) ? '-' : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const spread = (xs: readonly number[]) => `${fmt(median(xs))} [${fmt(quantile(xs, 0.1))}-${fmt(quantile(xs, 0.9))}]`;
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? (a / b).toFixed(2) : '-');
const ratio3 = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? (a / b).toFixed(3) : '-');
const mib = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(bytes >= 10 * 2 ** 20 ? 0 : 1) : '-');
const human = (ms: number) => (ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(1)} days` : ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(2)} s`);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' / ');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function inputs(shape: readonly number[], n: number, s: number): Float32Array {
  const rng = createRng(s);
  return Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => rng.next());
}

async function timeMs(f: () => unknown): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

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

// --- preparing the levels of one model: bundles in memory and the same files on disk ---

interface Prepared {
  name: ModelName;
  def: ModelDef;
  levels: Level[];
  params: number;
  weightBytes: number;
  sampleShape: number[];
  /** Per level: its files in memory and the directory holding the same files. */
  files: Map<Level, Map<string, Uint8Array>>;
  dirs: Map<Level, string>;
  keysPath: string;
  keys: LevelKeys;
  assembled: Map<Level, AssembledBundle>;
  /** Layers models: the model as built (the lock-ops model runs on its weights) and its password. */
  lockable?: LockableModel;
  password?: Password;
  folded?: string[];
  /** Layers models: the partial seal (`--partial`, or what `seal: 'auto'` resolves to; a lockAuto level only when partial). */
  auto?: AutoSeal;
  lines: string[];
}

function filesOf(bundle: Bundle): Map<string, Uint8Array> {
  return new Map(bundle.fileNames().map((name) => [name, bundle.get(name)!]));
}

async function writeFiles(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, data] of files) await writeFile(join(dir, name), data);
}

async function prepare(name: ModelName, root: string): Promise<Prepared> {
  const def = MODELS[name];
  const lines: string[] = [];
  const files = new Map<Level, Map<string, Uint8Array>>();
  const assembled = new Map<Level, AssembledBundle>();
  let lockable: LockableModel | undefined;
  let password: Password | undefined;
  let folded: string[] | undefined;
  let auto: AutoSeal | undefined;
  let plain: Map<string, Uint8Array>;
  let weights: Uint8Array;
  let sampleShape: number[];
  let params: number;

  if (def.kind === 'layers') {
    lockable = def.build!();
    sampleShape = lockable.model.inputs[0]!.shape.slice(1) as number[];
    params = lockable.model.countParams();
    const rankData = { name: 'random', x: inputs(sampleShape, 64, seed + 1), y: new Int32Array(64), sampleShape, numClasses: 10 };
    password = generatePassword(lockable, rankNeurons(lockable, rankData, { samples: 64 }), { strategy: 'hardened', seed });
    folded = planFolds(lockable.model, password).map((p) => p.layer);
    const serialized = await serializeModel(lockable);
    weights = serialized.weights;
    plain = new Map([
      ['model.json', new TextEncoder().encode(JSON.stringify(serialized.modelJson))],
      ['weights.bin', weights],
    ]);
    assembled.set('lock', await assembleBundle(serialized, { seal: 'none', password }));
    assembled.set('lockSeal', await assembleBundle(serialized, { seal: 'all', password }));
    auto = values.partial !== undefined
      ? { layers: values.partial.split(',').map((s) => s.trim()).filter(Boolean), measured: false, rule: 'named by --partial, not a measured partial seal' }
      : autoSeal(lockable);
    if (auto.layers !== 'all') assembled.set('lockAuto', await assembleBundle(serialized, { seal: auto.layers, password }));
  } else {
    const json = new Uint8Array(await readFile(FACERES_JSON));
    const doc = JSON.parse(new TextDecoder().decode(json)) as tf.io.ModelJSON;
    const paths = doc.weightsManifest.flatMap((g) => g.paths);
    plain = new Map([['model.json', json]]);
    for (const path of paths) plain.set(path, new Uint8Array(await readFile(join(dirname(FACERES_JSON), path))));
    weights = paths.length === 1 ? plain.get(paths[0]!)! : new Uint8Array(tf.io.concatenateArrayBuffers(paths.map((p) => plain.get(p)!.slice().buffer)));
    const shape = (doc.signature as { inputs: Record<string, { tensorShape: { dim: { size: string }[] } }> }).inputs;
    sampleShape = Object.values(shape)[0]!.tensorShape.dim.slice(1).map((d) => Number(d.size));
    params = doc.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  }
  const levels: Level[] = def.kind === 'layers' ? ['unprotected', 'lock', 'lockSeal', ...(assembled.has('lockAuto') ? (['lockAuto'] as const) : []), 'seal', 'aesOneShot'] : ['unprotected', 'seal', 'aesOneShot'];
  files.set('unprotected', plain);
  assembled.set('seal', await sealModel(Bundle.fromFiles(plain, `${name} (plain)`), { seal: 'all' }));
  for (const [level, a] of assembled) files.set(level, filesOf(a.bundle));

  // The one-shot reference: model.json as TF.js has it, the whole weights buffer as one AES-256-GCM ciphertext.
  const aesKey = crypto.getRandomValues(new Uint8Array(32));
  const aesIv = crypto.getRandomValues(new Uint8Array(12));
  const key = await crypto.subtle.importKey('raw', aesKey, 'AES-GCM', false, ['encrypt']);
  const aesSealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: aesIv }, key, weights as Uint8Array<ArrayBuffer>));
  const aesDoc = JSON.parse(new TextDecoder().decode(plain.get('model.json')!)) as tf.io.ModelJSON;
  aesDoc.weightsManifest = [{ paths: [AES_FILE], weights: aesDoc.weightsManifest.flatMap((g) => g.weights) }];
  files.set('aesOneShot', new Map([['model.json', new TextEncoder().encode(JSON.stringify(aesDoc))], [AES_FILE, aesSealed]]));

  // Licences for the device: one per bundle, signed by the vendor.
  const device = await generateDeviceKeyPair();
  const vendor = await generateVendorKeyPair();
  const keys: LevelKeys = { licences: {}, deviceKey: device.privateKey, vendorKey: vendor.publicKey, aesKey, aesIv };
  for (const [level, a] of assembled) {
    keys.licences[level] = await issueLicence(a.contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: a.fingerprint, vendorPrivateKey: vendor.privateKey });
  }

  const dirs = new Map<Level, string>();
  for (const level of levels) {
    const dir = join(root, name, level);
    dirs.set(level, dir);
    const a = assembled.get(level);
    if (a !== undefined) await writeBundle(a.bundle, dir);
    else await writeFiles(dir, files.get(level)!);
  }
  const keysPath = join(root, name, 'keys.json');
  await writeFile(keysPath, encodeKeys(keys));

  const sealed = assembled.get('seal')!;
  const sealedFile = files.get('seal')!.get('weights.sealed')!;
  lines.push(
    `${name}: ${def.title}; ${params.toLocaleString('en-US')} parameters, weights ${mib(weights.byteLength)} MiB` +
      `${def.kind === 'graph' ? ' as shipped (float16), ' + mib(params * 4) + ' MiB as float32 tensors' : ''}; sealed stream ${mib(sealedFile.byteLength)} MiB ` +
      `(${sealed.sealedBytes} plaintext bytes, 1 MiB chunks); input [${sampleShape.join(', ')}]`,
  );
  if (password !== undefined) {
    const neurons = password.lockPoints.reduce((n, k) => n + k.neurons.length, 0);
    const ops = password.lockPoints.map((k) => k.layer).filter((l) => !folded!.includes(l));
    lines.push(`${name}: password ${password.lockPoints.length} lock points, ${neurons} neurons; folded ${folded!.length} (${folded!.join(', ') || 'none'}), kept as ops ${ops.length} (${ops.join(', ') || 'none'})`);
  }
  if (auto !== undefined) {
    const a = assembled.get('lockAuto');
    lines.push(
      a !== undefined
        ? `${name}: lock + partial seal = ${(auto.layers as string[]).join(', ')}: ${a.sealedWeights.length} weights, ${a.sealedBytes} of ${a.weightBytes} bytes (${((100 * a.sealedBytes) / a.weightBytes).toFixed(1)}%) — ${auto.rule}`
        : `${name}: seal auto resolves to all (${auto.rule}): no lock + partial seal row (name layers with --partial)`,
    );
  }
  return { name, def, levels, params, weightBytes: weights.byteLength, sampleShape, files, dirs, keysPath, keys, assembled, ...(lockable ? { lockable, password, folded } : {}), ...(auto ? { auto } : {}), lines };
}

// --- peak memory: each load in a fresh process ---

const execFileAsync = promisify(execFile);
const WORKER = join(here, 'unlock_worker.ts');

/** LeNet-5 at every level: what each worker loads once before its measured load. */
let warmup: Prepared | undefined;

async function worker(p: Prepared, level: Level, mode: Mode): Promise<WorkerResult> {
  const spec = JSON.stringify({ level, dir: p.dirs.get(level)!, keys: p.keysPath, mode, warmup: { dir: warmup!.dirs.get(level)!, keys: warmup!.keysPath } });
  const { stdout } = await execFileAsync(process.execPath, ['--expose-gc', '--import', 'tsx', WORKER, spec], { cwd: resolve(here, '..'), maxBuffer: 1 << 24 });
  const last = stdout.trim().split('\n').at(-1)!;
  return JSON.parse(last) as WorkerResult;
}

// --- one model, all its levels ---

type Series = Record<string, number[]>;

interface LevelFigures {
  loadBytesMs: number;
  loadDiskMs: number;
  firstPredictionMs: number;
  batch1Ms: number;
  bigBatchMs: number;
  batch1Ratio?: number;
  bigBatchRatio?: number;
  batch1PairedRatio?: number;
  bigBatchPairedRatio?: number;
  batch1CpuPairedRatio?: number;
  bigBatchCpuPairedRatio?: number;
  peakRssDeltaBytes?: number;
  peakRssDeltaDisk?: number;
  peakRssBytes?: number;
  peakRssDisk?: number;
  peakTensorBytes?: number;
  tensorBytesAfter?: number;
  timingsBytes?: Partial<LoadTimings>;
  timingsDisk?: Partial<LoadTimings>;
}

async function benchModel(p: Prepared): Promise<{ figures: Record<string, LevelFigures>; extra: Record<string, unknown> }> {
  const { def, levels, lines } = p;
  const runs = values.runs !== undefined ? Number(values.runs) : def.runs;
  const batch1Runs = values.runs !== undefined ? Math.max(4 * Number(values.runs), 20) : def.batch1Runs;
  const loadRuns = values['load-runs'] !== undefined ? Number(values['load-runs']) : def.loadRuns;
  const memRuns = values['mem-runs'] !== undefined ? Number(values['mem-runs']) : def.memRuns;
  const one = tf.tensor(inputs(p.sampleShape, 1, seed + 2), [1, ...p.sampleShape]);

  // --- peak memory during load, one fresh process per load, levels interleaved ---
  const mem: Record<string, WorkerResult[]> = {};
  for (let r = 0; r < memRuns; r++) {
    for (const level of levels) {
      for (const mode of ['bytes', 'disk'] as const) (mem[`${level}/${mode}`] ??= []).push(await worker(p, level, mode));
    }
  }
  const memOf = (level: Level, mode: Mode, f: (w: WorkerResult) => number) => median(mem[`${level}/${mode}`]!.map(f));

  // --- load and first prediction, levels and sources interleaved run by run (one warm-up each) ---
  const loadMs: Series = {};
  const firstMs: Series = {};
  const timings: Record<string, LoadTimings[]> = {};
  const loadOnce = async (level: Level, mode: Mode, record: boolean) => {
    const t0 = performance.now();
    const loaded = await loadLevel(level, p.dirs.get(level)!, p.keys, mode === 'bytes' ? p.files.get(level) : undefined);
    const t1 = performance.now();
    runModel(loaded.model, one);
    const t2 = performance.now();
    loaded.dispose();
    if (!record) return;
    const key = `${level}/${mode}`;
    (loadMs[key] ??= []).push(t1 - t0);
    (firstMs[key] ??= []).push(t2 - t0);
    if (loaded.timings) (timings[key] ??= []).push(loaded.timings);
  };
  // Decrypt alone, in the same rounds: openSealed on the in-memory sealed stream, and the one-shot AES call.
  const sealedFile = p.files.get('seal')!.get('weights.sealed')!;
  const sealedBytes = p.assembled.get('seal')!.sealedBytes;
  const into = new Uint8Array(sealedBytes);
  const contentKey = p.assembled.get('seal')!.contentKey;
  const aesKey = await crypto.subtle.importKey('raw', p.keys.aesKey as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['decrypt']);
  const aesFile = p.files.get('aesOneShot')!.get(AES_FILE)! as Uint8Array<ArrayBuffer>;
  const openMs: number[] = [];
  const oneShotMs: number[] = [];
  const decryptAlone = async (record: boolean) => {
    const a = await timeMs(() => openSealed(sealedFile, contentKey, { name: 'weights.sealed', into }));
    const b = await timeMs(() => crypto.subtle.decrypt({ name: 'AES-GCM', iv: p.keys.aesIv as Uint8Array<ArrayBuffer> }, aesKey, aesFile));
    if (record) {
      openMs.push(a);
      oneShotMs.push(b);
    }
  };
  for (const level of levels) for (const mode of ['bytes', 'disk'] as const) await loadOnce(level, mode, false);
  await decryptAlone(false);
  for (let r = 0; r < loadRuns; r++) {
    for (let k = 0; k < levels.length; k++) {
      const level = levels[(k + r) % levels.length]!;
      const modes = r % 2 === 0 ? (['bytes', 'disk'] as const) : (['disk', 'bytes'] as const);
      for (const mode of modes) await loadOnce(level, mode, true);
    }
    await decryptAlone(true);
  }

  // --- steady inference: one loaded model per level (plus lock ops), runs interleaved ---
  const steady = new Map<string, LoadedLevel | { model: tfl.LayersModel | GraphModel; dispose(): void }>();
  for (const level of levels) steady.set(level, await loadLevel(level, p.dirs.get(level)!, p.keys, p.files.get(level)));
  if (p.lockable !== undefined) {
    const lockOps = withLockOps(p.lockable, p.password!);
    steady.set('lockOps', { model: lockOps, dispose: () => undefined });
  }
  const order = [...steady.keys()];

  // Same model, same outputs: the sealed levels compute exactly what the unprotected model computes; an unlocked
  // model what the lock-op model computes.
  const probe = tf.tensor(inputs(p.sampleShape, 4, seed + 3), [4, ...p.sampleShape]);
  const outputOf = (key: string) => tf.tidy(() => {
    const out = steady.get(key)!.model.predict(probe) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? tf.concat(out.map((t) => tf.reshape(t, [4, -1])), 1) : tf.reshape(out, [4, -1]);
  });
  const maxDiff = (a: string, b: string) => tf.tidy(() => tf.max(tf.abs(tf.sub(outputOf(a), outputOf(b)))).dataSync()[0]!);
  const diffs: Record<string, number> = { sealVsUnprotected: maxDiff('seal', 'unprotected'), aesVsUnprotected: maxDiff('aesOneShot', 'unprotected') };
  if (steady.has('lockOps')) {
    diffs.lockVsLockOps = maxDiff('lock', 'lockOps');
    diffs.lockSealVsLockOps = maxDiff('lockSeal', 'lockOps');
    if (steady.has('lockAuto')) diffs.lockAutoVsLockOps = maxDiff('lockAuto', 'lockOps');
  }
  probe.dispose();

  const cpu: Record<number, Series> = {};
  const latency = async (batch: number, count: number): Promise<Series> => {
    const x = tf.tensor(inputs(p.sampleShape, batch, seed + 4 + batch), [batch, ...p.sampleShape]);
    const out: Series = {};
    const cpuOut: Series = (cpu[batch] = {});
    const warm = batch === 1 ? 5 : 1;
    for (const key of order) {
      for (let w = 0; w < warm; w++) runModel(steady.get(key)!.model, x);
      out[key] = [];
      cpuOut[key] = [];
    }
    for (let r = 0; r < count; r++) {
      for (let k = 0; k < order.length; k++) {
        const key = order[(k + r) % order.length]!; // rotate, so no level always follows the same one
        const c0 = process.cpuUsage();
        out[key]!.push(await timeMs(() => runModel(steady.get(key)!.model, x)));
        const c = process.cpuUsage(c0);
        cpuOut[key]!.push((c.user + c.system) / 1000);
      }
    }
    x.dispose();
    return out;
  };
  const b1 = await latency(1, batch1Runs);
  const bN = await latency(def.bigBatch, runs);
  for (const s of steady.values()) s.dispose();
  one.dispose();
  const paired = (series: Series, key: string) => median(series[key]!.map((t, i) => t / series.unprotected![i]!));

  const gbps = (bytes: number, ms: number) => bytes / ms / 1e6;
  const unsealOf = (level: Level, mode: Mode) => median((timings[`${level}/${mode}`] ?? []).map((t) => t.unseal));
  const throughput = {
    plaintextBytes: sealedBytes,
    openSealedMs: median(openMs),
    openSealedGBps: gbps(sealedBytes, median(openMs)),
    unsealBytesMs: unsealOf('seal', 'bytes'),
    unsealBytesGBps: gbps(sealedBytes, unsealOf('seal', 'bytes')),
    unsealDiskMs: unsealOf('seal', 'disk'),
    unsealDiskGBps: gbps(sealedBytes, unsealOf('seal', 'disk')),
    oneShotAesMs: median(oneShotMs),
    oneShotAesGBps: gbps(sealedBytes, median(oneShotMs)),
  };

  // --- figures and tables ---
  const figures: Record<string, LevelFigures> = {};
  const med = (s: Series, key: string) => median(s[key] ?? []);
  const timingMedians = (key: string): Partial<LoadTimings> | undefined => {
    const ts = timings[key];
    if (ts === undefined) return undefined;
    return Object.fromEntries((['read', 'licence', 'unseal', 'build', 'unlock', 'total'] as const).map((f) => [f, median(ts.map((t) => t[f]))]));
  };
  for (const key of order) {
    const level = key as Level;
    const isLevel = levels.includes(level);
    const tb = isLevel ? timingMedians(`${level}/bytes`) : undefined;
    const td = isLevel ? timingMedians(`${level}/disk`) : undefined;
    figures[key] = {
      loadBytesMs: isLevel ? med(loadMs, `${level}/bytes`) : NaN,
      loadDiskMs: isLevel ? med(loadMs, `${level}/disk`) : NaN,
      firstPredictionMs: isLevel ? med(firstMs, `${level}/bytes`) : NaN,
      batch1Ms: med(b1, key),
      bigBatchMs: med(bN, key),
      batch1Ratio: med(b1, key) / med(b1, 'unprotected'),
      bigBatchRatio: med(bN, key) / med(bN, 'unprotected'),
      batch1PairedRatio: paired(b1, key),
      bigBatchPairedRatio: paired(bN, key),
      batch1CpuPairedRatio: paired(cpu[1]!, key),
      bigBatchCpuPairedRatio: paired(cpu[def.bigBatch]!, key),
      ...(isLevel
        ? {
            peakRssDeltaBytes: memOf(level, 'bytes', (w) => w.peakRss - w.rssBefore),
            peakRssDeltaDisk: memOf(level, 'disk', (w) => w.peakRss - w.rssBefore),
            peakRssBytes: memOf(level, 'bytes', (w) => w.peakRss),
            peakRssDisk: memOf(level, 'disk', (w) => w.peakRss),
            peakTensorBytes: memOf(level, 'disk', (w) => w.peakTensorBytes - w.tensorBytesBefore),
            tensorBytesAfter: memOf(level, 'disk', (w) => w.tensorBytesAfter - w.tensorBytesBefore),
          }
        : {}),
      ...(tb ? { timingsBytes: tb } : {}),
      ...(td ? { timingsDisk: td } : {}),
    };
  }
  const u = figures.unprotected!;
  const label = (key: string) => (key === 'lockOps' ? 'lock as ops (paper)' : LEVEL_LABELS[key as Level]);

  lines.push('');
  lines.push(
    table(
      ['level', 'load, bytes ms [p10-p90]', 'x', 'load, disk ms [p10-p90]', 'x', 'first prediction ms', 'x', 'peak RSS Δ bytes MiB', 'x', 'peak RSS Δ disk MiB', 'x', 'peak tensor MiB'],
      levels.map((level) => {
        const f = figures[level]!;
        return [
          label(level),
          spread(loadMs[`${level}/bytes`]!),
          ratio(f.loadBytesMs, u.loadBytesMs),
          spread(loadMs[`${level}/disk`]!),
          ratio(f.loadDiskMs, u.loadDiskMs),
          fmt(f.firstPredictionMs),
          ratio(f.firstPredictionMs, u.firstPredictionMs),
          mib(f.peakRssDeltaBytes!),
          ratio(f.peakRssDeltaBytes!, u.peakRssDeltaBytes!),
          mib(f.peakRssDeltaDisk!),
          ratio(f.peakRssDeltaDisk!, u.peakRssDeltaDisk!),
          mib(f.peakTensorBytes!),
        ];
      }),
    ),
  );
  lines.push(
    `  ${loadRuns} timed loads per level and source (after one warm-up); peak RSS: the load's rise of the kernel's high-water mark in a fresh process, median of ${memRuns} ` +
      `(process peak RSS, bytes / disk, unprotected ${mib(u.peakRssBytes!)} / ${mib(u.peakRssDisk!)} MiB, lock + seal ${mib(figures.lockSeal?.peakRssBytes ?? figures.seal!.peakRssBytes!)} / ${mib(figures.lockSeal?.peakRssDisk ?? figures.seal!.peakRssDisk!)} MiB)`,
  );
  const autoVsAll = autoRatios(figures);
  if (autoVsAll !== undefined) {
    lines.push(
      `  lock + partial seal / lock + seal all: load x${ratio(autoVsAll.loadBytes, 1)} from bytes, x${ratio(autoVsAll.loadDisk, 1)} from disk; ` +
        `unseal (timings) x${ratio(autoVsAll.unsealBytes, 1)} / x${ratio(autoVsAll.unsealDisk, 1)}; first prediction x${ratio(autoVsAll.firstPrediction, 1)}; ` +
        `peak RSS Δ x${ratio(autoVsAll.peakRssDeltaBytes, 1)} / x${ratio(autoVsAll.peakRssDeltaDisk, 1)} (bytes / disk)`,
    );
  }
  lines.push('');
  lines.push(
    table(
      ['level', 'batch 1 ms [p10-p90]', 'x', 'paired x', 'CPU x', `batch ${def.bigBatch} ms [p10-p90]`, 'x', 'paired x', 'CPU x'],
      order.map((key) => {
        const f = figures[key]!;
        return [
          label(key),
          spread(b1[key]!),
          ratio3(f.batch1Ms, u.batch1Ms),
          f.batch1PairedRatio!.toFixed(3),
          f.batch1CpuPairedRatio!.toFixed(3),
          spread(bN[key]!),
          ratio3(f.bigBatchMs, u.bigBatchMs),
          f.bigBatchPairedRatio!.toFixed(3),
          f.bigBatchCpuPairedRatio!.toFixed(3),
        ];
      }),
    ),
  );
  lines.push(
    `  ${batch1Runs} runs at batch 1, ${runs} at batch ${def.bigBatch}, levels interleaved; x = ratio of medians, paired x = median of per-run ratios, CPU x = the same for process CPU time`,
  );
  lines.push(
    `  same outputs: seal vs unprotected max |diff| ${diffs.sealVsUnprotected!.toExponential(1)}, one-shot AES vs unprotected ${diffs.aesVsUnprotected!.toExponential(1)}` +
      (diffs.lockVsLockOps !== undefined ? `; unlocked (lock, lock + seal) vs lock ops ${diffs.lockVsLockOps.toExponential(1)}, ${diffs.lockSealVsLockOps!.toExponential(1)}` : '') +
      (diffs.lockAutoVsLockOps !== undefined ? `, lock + partial seal ${diffs.lockAutoVsLockOps.toExponential(1)}` : ''),
  );
  lines.push('');
  const timingRows: string[][] = [];
  for (const level of levels) {
    for (const mode of ['bytes', 'disk'] as const) {
      const t = figures[level]![mode === 'bytes' ? 'timingsBytes' : 'timingsDisk'];
      if (t === undefined) continue;
      timingRows.push([`${label(level)}, ${mode === 'bytes' ? 'from bytes' : 'from disk'}`, fmt(t.read!), fmt(t.licence!), fmt(t.unseal!), fmt(t.build!), fmt(t.unlock!), fmt(t.total!)]);
    }
  }
  lines.push(table(['runtime timings, median ms', 'read', 'licence', 'unseal', 'build', 'unlock', 'total'], timingRows));
  lines.push(
    `  decrypt: openSealed alone ${fmt(throughput.openSealedMs)} ms = ${throughput.openSealedGBps.toFixed(2)} GB/s; in the load (timings.unseal) ${throughput.unsealBytesGBps.toFixed(2)} GB/s from bytes, ` +
      `${throughput.unsealDiskGBps.toFixed(2)} GB/s from disk (reading included); one-shot AES-GCM ${fmt(throughput.oneShotAesMs)} ms = ${throughput.oneShotAesGBps.toFixed(2)} GB/s (${sealedBytes} bytes)`,
  );
  const extra: Record<string, unknown> = {
    title: def.title,
    kind: def.kind,
    parameters: p.params,
    weightBytes: p.weightBytes,
    sealedFileBytes: sealedFile.byteLength,
    sampleShape: p.sampleShape,
    bigBatch: def.bigBatch,
    runs: { batch1: batch1Runs, bigBatch: runs, load: loadRuns, memory: memRuns },
    throughput,
    sameOutputs: diffs,
    memoryRuns: mem,
  };
  if (p.auto !== undefined) {
    const a = p.assembled.get('lockAuto');
    extra.autoSeal = { ...p.auto, sealedBytes: a?.sealedBytes ?? p.weightBytes, share: a === undefined ? 1 : a.sealedBytes / a.weightBytes, ...(autoVsAll !== undefined ? { ratioToAll: autoVsAll } : { sameAs: 'lockSeal' }) };
  }
  if (p.password !== undefined) {
    extra.password = { lockPoints: p.password.lockPoints.map((k) => k.layer), folded: p.folded };
    const perWeight = paillier?.perWeightMs ?? NaN;
    const wholeMs = perWeight * (p.weightBytes / 4);
    extra.paillierWholeModelMs = wholeMs;
    lines.push(`  whole-model Paillier-${paillierBits} decrypt: ~${human(wholeMs)} (${fmt(perWeight)} ms per weight x ${(p.weightBytes / 4).toLocaleString('en-US')} weights; extrapolated, not run)`);
  }
  return { figures, extra };
}

/** Lock + partial seal over lock + seal all, for the load figures (undefined when there is no partial seal row). */
interface AutoRatios {
  loadBytes: number;
  loadDisk: number;
  unsealBytes: number;
  unsealDisk: number;
  firstPrediction: number;
  peakRssDeltaBytes: number;
  peakRssDeltaDisk: number;
}
function autoRatios(figures: Record<string, LevelFigures>): AutoRatios | undefined {
  const a = figures.lockAuto;
  const b = figures.lockSeal;
  if (a === undefined || b === undefined) return undefined;
  return {
    loadBytes: a.loadBytesMs / b.loadBytesMs,
    loadDisk: a.loadDiskMs / b.loadDiskMs,
    unsealBytes: a.timingsBytes!.unseal! / b.timingsBytes!.unseal!,
    unsealDisk: a.timingsDisk!.unseal! / b.timingsDisk!.unseal!,
    firstPrediction: a.firstPredictionMs / b.firstPredictionMs,
    peakRssDeltaBytes: a.peakRssDeltaBytes! / b.peakRssDeltaBytes!,
    peakRssDeltaDisk: a.peakRssDeltaDisk! / b.peakRssDeltaDisk!,
  };
}

// --- Paillier, once: the time to decrypt one fixed-point weight, from a sample ---

async function paillierPerWeight(): Promise<{ perWeightMs: number; maxError: number; keygenMs: number }> {
  const SCALE = 2 ** 24;
  const t0 = performance.now();
  const keys = await generateRandomKeys(paillierBits);
  const keygenMs = performance.now() - t0;
  const n = keys.publicKey.n;
  const rng = createRng(seed + 9);
  const plain = Array.from({ length: paillierSample }, () => (rng.next() - 0.5) * 0.2);
  const ciphertexts = plain.map((w) => {
    const m = BigInt(Math.round(w * SCALE));
    return keys.publicKey.encrypt(m < 0n ? m + n : m);
  });
  let maxError = 0;
  const t = performance.now();
  ciphertexts.forEach((c, j) => {
    let m = keys.privateKey.decrypt(c);
    if (m > n / 2n) m -= n;
    maxError = Math.max(maxError, Math.abs(Number(m) / SCALE - plain[j]!));
  });
  return { perWeightMs: (performance.now() - t) / paillierSample, maxError, keygenMs };
}

// --- the run ---

const started = new Date();
const loadStart = loadavg();
console.log(`bench:unlock ${started.toISOString()}; Node ${process.version}, TF.js wasm backend; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${mib(totalmem())} MiB; load average ${load()}`);
await initEngine();
const root = await mkdtemp(join(tmpdir(), 'edgepro-bench-unlock-'));
let paillier: Awaited<ReturnType<typeof paillierPerWeight>> | undefined;
const models: Record<string, Record<string, LevelFigures>> = {};
const details: Record<string, unknown> = {};
try {
  if (names.some((n) => MODELS[n].kind === 'layers')) paillier = await paillierPerWeight();
  warmup = await prepare('lenet5', join(root, 'warmup'));
  warmup.lockable?.model.dispose();
  for (const name of names) {
    const prepared = await prepare(name, root);
    const result = await benchModel(prepared);
    models[name] = result.figures;
    details[name] = result.extra;
    prepared.lockable?.model.dispose();
    console.log(`\n${prepared.lines.join('\n')}\n  (load average now ${load()})`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

// KDFs of passphrase licences (paid once per licence opening, tunable; a device licence needs none).
const salt = crypto.getRandomValues(new Uint8Array(16));
const scryptMs: number[] = [];
const pbkdf2Ms: number[] = [];
for (let r = 0; r < 3; r++) {
  scryptMs.push(await timeMs(() => deriveFromPassphrase('correct horse battery staple', salt, DEFAULT_KDF)));
  pbkdf2Ms.push(await timeMs(() => deriveFromPassphrase('correct horse battery staple', salt, { name: 'pbkdf2-sha256', iterations: DEFAULT_PBKDF2_ITERATIONS })));
}
const kdf = DEFAULT_KDF as { N: number; r: number; p: number };
console.log('');
console.log(
  table(
    ['passphrase KDF (default parameters)', 'median ms of 3'],
    [
      [`scrypt N=2^${Math.log2(kdf.N)}, r=${kdf.r}, p=${kdf.p} (@noble/hashes)`, fmt(median(scryptMs))],
      [`PBKDF2-SHA256 ${DEFAULT_PBKDF2_ITERATIONS} iterations (WebCrypto)`, fmt(median(pbkdf2Ms))],
    ],
  ),
);
if (paillier !== undefined) {
  console.log(`Paillier-${paillierBits}: ${paillierSample} weights decrypted (fixed point 2^-24, max error ${paillier.maxError.toExponential(1)}), ${fmt(paillier.perWeightMs)} ms per weight; key generation ${human(paillier.keygenMs)}`);
}

// --- the targets ---

interface Check {
  target: string;
  value: string;
  pass: boolean;
}
const checks: Check[] = [];
const within = (r: number | undefined, limit: number) => r !== undefined && Number.isFinite(r) && r <= limit;
for (const name of names) {
  const f = models[name]!;
  const big = MODELS[name].bigBatch;
  // The one-shot AES model is the unprotected graph with the same weights: its ratio is this run's noise floor.
  const floor = f.aesOneShot!;
  for (const level of ['seal', 'lockSeal', 'lockAuto'] as const) {
    const g = f[level];
    if (g === undefined) continue;
    checks.push({
      target: `${name}: ${LEVEL_LABELS[level]} batch 1 within 2% of unprotected`,
      value: `x${g.batch1Ratio!.toFixed(3)} (CPU ${g.batch1CpuPairedRatio!.toFixed(3)}; same graph ${floor.batch1Ratio!.toFixed(3)})`,
      pass: within(g.batch1Ratio, 1.02),
    });
    checks.push({
      target: `${name}: ${LEVEL_LABELS[level]} batch ${big} within 2% of unprotected`,
      value: `x${g.bigBatchRatio!.toFixed(3)} (CPU ${g.bigBatchCpuPairedRatio!.toFixed(3)}; same graph ${floor.bigBatchRatio!.toFixed(3)})`,
      pass: within(g.bigBatchRatio, 1.02),
    });
  }
}
const largeModels = names.filter((n) => (details[n] as { parameters: number }).parameters >= 10_000_000);
for (const name of largeModels) {
  const f = models[name]!;
  const u = f.unprotected!;
  for (const level of ['lockSeal', 'seal'] as const) {
    const g = f[level];
    if (g === undefined) continue;
    for (const mode of ['bytes', 'disk'] as const) {
      const l = mode === 'bytes' ? g.loadBytesMs / u.loadBytesMs : g.loadDiskMs / u.loadDiskMs;
      checks.push({ target: `${name}: ${LEVEL_LABELS[level]} load from ${mode} <= 1.5x unprotected`, value: `x${l.toFixed(2)}`, pass: within(l, 1.5) });
      const m = mode === 'bytes' ? g.peakRssDeltaBytes! / u.peakRssDeltaBytes! : g.peakRssDeltaDisk! / u.peakRssDeltaDisk!;
      checks.push({ target: `${name}: ${LEVEL_LABELS[level]} peak RSS during load from ${mode} <= unprotected + 10%`, value: `x${m.toFixed(2)} (${mib(mode === 'bytes' ? g.peakRssDeltaBytes! : g.peakRssDeltaDisk!)} vs ${mib(mode === 'bytes' ? u.peakRssDeltaBytes! : u.peakRssDeltaDisk!)} MiB)`, pass: within(m, 1.1) });
    }
  }
  const a = f.aesOneShot!;
  console.log(`\n${name}: one-shot AES peak RSS during load x${(a.peakRssDeltaBytes! / u.peakRssDeltaBytes!).toFixed(2)} (bytes), x${(a.peakRssDeltaDisk! / u.peakRssDeltaDisk!).toFixed(2)} (disk) of the unprotected load's`);
}
const largest = [...names].sort((a, b) => (details[b] as { weightBytes: number }).weightBytes - (details[a] as { weightBytes: number }).weightBytes)[0];
if (largest !== undefined) {
  const t = (details[largest] as { throughput: Record<string, number> }).throughput;
  checks.push({ target: `${largest}: Node decrypts the sealed stream at >= 0.8 GB/s (openSealed alone)`, value: `${t.openSealedGBps!.toFixed(2)} GB/s`, pass: t.openSealedGBps! >= 0.8 });
  checks.push({ target: `${largest}: ... in the load from bytes (timings.unseal)`, value: `${t.unsealBytesGBps!.toFixed(2)} GB/s`, pass: t.unsealBytesGBps! >= 0.8 });
  checks.push({ target: `${largest}: ... in the load from disk (timings.unseal, reading included)`, value: `${t.unsealDiskGBps!.toFixed(2)} GB/s`, pass: t.unsealDiskGBps! >= 0.8 });
}
console.log('');
console.log(table(['target', 'measured', 'result'], checks.map((c) => [c.target, c.value, c.pass ? 'pass' : 'FAIL'])));
console.log('  inference: x = ratio of medians (the target), CPU = paired CPU-time ratio, same graph = one-shot AES (the unprotected graph, same weights): the noise floor');
const loadEnd = loadavg();
console.log(`\nload average at start ${loadStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${loadEnd.map((x) => x.toFixed(2)).join(' / ')} (1 / 5 / 15 min); ${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min`);

if (values.json) {
  const doc = {
    benchmark: 'unlock',
    date: started.toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavg: { start: loadStart, end: loadEnd },
    models,
    details,
    paillier: paillier === undefined ? undefined : { bits: paillierBits, sampledWeights: paillierSample, ...paillier, extrapolated: true },
    kdf: { scryptDefaultMs: median(scryptMs), pbkdf2DefaultMs: median(pbkdf2Ms), scrypt: DEFAULT_KDF, pbkdf2Iterations: DEFAULT_PBKDF2_ITERATIONS },
    targets: checks,
  };
  const temp = `${values.json}.tmp`;
  writeFileSync(temp, JSON.stringify(doc, null, 2));
  renameSync(temp, values.json);
  console.log(`wrote ${values.json}`);
}
