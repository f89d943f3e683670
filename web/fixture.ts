/**
 * Builds what the demo page serves, as bundles written by the library itself:
 * - `model/`: a LeNet-5 trained on the embedded MNIST, locked and sealed (the default level: lock + seal all);
 * - `model-lock/`: the same locked model with its weights in the clear (the lock alone, the paper's form);
 * - `graph/`: a real pretrained TF.js graph model (@vladmandic/human's faceres) sealed with no training;
 * - demo credentials per bundle (a passphrase licence and a device licence for each LeNet-5 bundle, a device licence
 *   for the graph model), all for one demo device key and signed by one demo vendor key the page trusts;
 * - 20 held-out test digits, and TF.js's .wasm binaries.
 * Training takes a minute or two, so the result is cached in `.cache/web-fixture/` (gitignored) and rebuilt only
 * when missing or made by an older version of this script.
 *
 *   npx tsx web/fixture.ts            # build if needed
 *   npx tsx web/fixture.ts --force    # rebuild
 */
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import {
  assembleBundle,
  buildLeNet5,
  buildLockGraph,
  directorySource,
  encodeKeyFile,
  evaluateClassifier,
  generateDeviceKeyPair,
  generateVendorKeyPair,
  initEngine,
  issueLicence,
  loadEmbeddedMnist,
  loadProtectedModel,
  predictWithPassword,
  protect,
  sampleStratified,
  scorePredictions,
  sealModel,
  serializeModel,
  stratifiedSplit,
  trainClassifier,
  writeBundle,
  type AssembledBundle,
  type Dataset,
  type KeyPair,
} from '../src/index.js';
import { writeFileAtomic, writeFilesAtomic } from '../src/util/node_fs.js';

/** Bump when the fixture's content or layout changes: a cache made by an older script is rebuilt. */
const FIXTURE_VERSION = 6;
const SEED = 0;
const BASELINE_EPOCHS = 2;
const LOCK_EPOCHS = 6;
const SAMPLE_COUNT = 20;
/** The demo passphrase licences' passphrase (the README and the page's help name it). */
export const DEMO_PASSPHRASE = 'edgepro demo';
/**
 * Cheap but real: scrypt at 2^14 x 8 (16 MiB), about a tenth of a second in a browser, so the demo and its test stay
 * quick. Real licences keep the library's default (2^17, about a second).
 */
const DEMO_KDF = { name: 'scrypt', N: 2 ** 14, r: 8, p: 1 } as const;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Everything the page fetches lives under `public/` (Vite's publicDir); the manifest sits beside it. */
export const FIXTURE_DIR = join(root, '.cache', 'web-fixture');
export const PUBLIC_DIR = join(FIXTURE_DIR, 'public');
const MANIFEST = join(FIXTURE_DIR, 'fixture.json');
/** The pretrained graph model: a TF.js GraphModel (input [1, 224, 224, 3] float32, three outputs), 6.98 MB of weights. */
const GRAPH_MODEL = join(root, 'node_modules', '@vladmandic', 'human', 'models', 'faceres.json');

/** One bundle the fixture serves, and the demo licences issued for it (paths under public/). */
export interface FixtureBundle {
  /** The bundle's directory under public/. */
  dir: string;
  seal: 'all' | 'none';
  locked: boolean;
  fingerprint: string;
  sealedBytes: number;
  weightBytes: number;
  /** The bundle's files, as the library laid them out. */
  files: string[];
  /** The passphrase licence (the LeNet-5 bundles only). */
  licence?: string;
  deviceLicence: string;
}

export interface FixtureManifest {
  version: number;
  seed: number;
  baselineEpochs: number;
  lockEpochs: number;
  /**
   * Accuracies on the 2,000 held-out embedded MNIST digits: the baseline, the locked model with its password (through
   * the lock graph), the locked model without it, and each LeNet-5 bundle as the runtime loads it with its owner key.
   */
  accuracy: { baseline: number; authorized: number; unauthorized: number; loaded: { model: number; 'model-lock': number } };
  samples: number;
  /** The unlocked model's classes for the page's sample digits, computed in Node (the page must show the same), and how many are right. */
  sampleClasses: number[];
  sampleRight: number;
  /** The demo credentials: the passphrase, the KDF of the passphrase licences, the one device key, the vendor key. */
  demo: { passphrase: string; kdf: typeof DEMO_KDF; deviceKey: string; vendorPublicKey: string };
  bundles: { model: FixtureBundle; 'model-lock': FixtureBundle; graph: FixtureBundle };
  /** The graph model's original files, copied unsealed for the e2e test's bit-identity check (the page never loads them). */
  graphOriginal: { modelJson: string; inputShape: number[] };
  seconds: number;
  /** Files under public/ the page and the test need. */
  files: string[];
}

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** The .wasm binaries of the installed @tensorflow/tfjs-backend-wasm, copied beside the page on every run (cheap). */
async function copyWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  await mkdir(join(PUBLIC_DIR, 'wasm'), { recursive: true });
  for (const name of WASM_FILES) await copyFile(join(dist, 'dist', name), join(PUBLIC_DIR, 'wasm', name));
}

async function readManifest(): Promise<FixtureManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as FixtureManifest;
    if (manifest.version !== FIXTURE_VERSION) return undefined;
    return manifest.files.every((f) => existsSync(join(PUBLIC_DIR, f))) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Held-out digits for the page: pixels as bytes (MNIST's are exact k/255), base64, with their labels. */
function encodeSamples(x: Float32Array, y: Int32Array): { label: number; pixels: string }[] {
  const out: { label: number; pixels: string }[] = [];
  for (let i = 0; i < y.length; i++) {
    const bytes = Uint8Array.from(x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
    out.push({ label: y[i]!, pixels: Buffer.from(bytes).toString('base64') });
  }
  return out;
}

/** A bundle's accuracy on `test` as a device gets it: loaded by the runtime with the owner key. */
async function loadedAccuracy(assembled: AssembledBundle, test: Dataset): Promise<number> {
  const session = await loadProtectedModel(assembled.bundle, { contentKey: assembled.contentKey });
  try {
    return scorePredictions(await session.predictClass(test.x), test.y, 10).accuracy;
  } finally {
    session.dispose();
  }
}

/**
 * The owner's side of shipping one bundle: write it, then issue the demo licences for its fingerprint and forget
 * its content key (the demo never issues more). Returns what the manifest records.
 */
async function ship(
  assembled: AssembledBundle,
  dir: string,
  seal: 'all' | 'none',
  locked: boolean,
  keys: { vendor: KeyPair; device: KeyPair },
  passphrase: boolean,
): Promise<FixtureBundle> {
  await writeBundle(assembled.bundle, join(PUBLIC_DIR, dir));
  const signed = { modelFingerprint: assembled.fingerprint, vendorPrivateKey: keys.vendor.privateKey };
  const entry: FixtureBundle = {
    dir,
    seal,
    locked,
    fingerprint: assembled.fingerprint,
    sealedBytes: assembled.sealedBytes,
    weightBytes: assembled.weightBytes,
    files: assembled.bundle.fileNames(),
    deviceLicence: `demo/${dir}/device.licence`,
  };
  const files = [{ path: join(PUBLIC_DIR, entry.deviceLicence), data: await issueLicence(assembled.contentKey, { devicePublicKey: keys.device.publicKey }, signed) }];
  if (passphrase) {
    entry.licence = `demo/${dir}/demo.licence`;
    files.push({ path: join(PUBLIC_DIR, entry.licence), data: await issueLicence(assembled.contentKey, { passphrase: DEMO_PASSPHRASE, kdf: DEMO_KDF }, signed) });
  }
  await writeFilesAtomic(files);
  assembled.contentKey.fill(0);
  return entry;
}

async function build(log: (line: string) => void): Promise<FixtureManifest> {
  const started = performance.now();
  await initEngine();
  const { train, test } = stratifiedSplit(loadEmbeddedMnist(), { testSize: 2000, seed: SEED });
  log(`fixture: training LeNet-5 on ${train.y.length} embedded MNIST digits (${BASELINE_EPOCHS} epochs)`);
  const baseline = buildLeNet5({ seed: SEED });
  trainClassifier(baseline.model, train, { epochs: BASELINE_EPOCHS, seed: SEED });
  const baselineAccuracy = evaluateClassifier(baseline.model, test).accuracy;
  log(`fixture: baseline accuracy ${(baselineAccuracy * 100).toFixed(1)}%; lock training (${LOCK_EPOCHS} epochs)`);
  // A demo fixture, rebuilt identically on every machine (the e2e test counts its right answers): its password comes
  // from the seed. A model you ship gets one from WebCrypto (the default).
  const sealedAll = await protect(baseline, train, { epochs: LOCK_EPOCHS, seed: SEED, passwordRandomness: 'seed', seal: 'all' });
  const { protected: locked, password } = sealedAll.lock;
  // The lock alone, from the same lock training: the same weights and password, in the clear, under its own key.
  const lockOnly = await assembleBundle(await serializeModel(locked), { seal: 'none', password });
  const authorized = scorePredictions(predictWithPassword(buildLockGraph(locked), test, password), test.y, 10).accuracy;
  const unauthorized = evaluateClassifier(locked.model, test).accuracy;
  const loaded = { model: await loadedAccuracy(sealedAll, test), 'model-lock': await loadedAccuracy(lockOnly, test) };
  log(`fixture: authorized ${(authorized * 100).toFixed(1)}% (loaded: sealed ${(loaded.model * 100).toFixed(1)}%, lock alone ${(loaded['model-lock'] * 100).toFixed(1)}%), unauthorized ${(unauthorized * 100).toFixed(1)}%`);

  log('fixture: sealing the pretrained graph model (faceres)');
  const graph = await sealModel(directorySource(GRAPH_MODEL), { seal: 'all' });

  await rm(FIXTURE_DIR, { recursive: true, force: true });
  const keys = { vendor: await generateVendorKeyPair(), device: await generateDeviceKeyPair() };
  const bundles = {
    model: await ship(sealedAll, 'model', 'all', true, keys, true),
    'model-lock': await ship(lockOnly, 'model-lock', 'none', true, keys, true),
    graph: await ship(graph, 'graph', 'all', false, keys, false),
  };
  // The graph model's original files, unsealed: only the e2e test loads them, to check that the sealed bundle gives
  // bit-identical outputs. The page never links them.
  await mkdir(join(PUBLIC_DIR, 'graph-original'), { recursive: true });
  for (const name of ['faceres.json', 'faceres.bin']) await copyFile(join(dirname(GRAPH_MODEL), name), join(PUBLIC_DIR, 'graph-original', name));
  await writeFilesAtomic([
    { path: join(PUBLIC_DIR, 'demo', 'device.key'), data: encodeKeyFile('device-private', keys.device.privateKey) },
    // The page's built-in trust anchor: licences not signed by this vendor are refused.
    { path: join(PUBLIC_DIR, 'vendor.pub'), data: encodeKeyFile('vendor-public', keys.vendor.publicKey) },
  ]);
  const samples = sampleStratified(test, SAMPLE_COUNT, SEED + 1);
  // On the pixels as the page gets them (bytes / 255), so that a rounding cannot flip a class.
  const shown = { ...samples, x: Float32Array.from(samples.x, (v) => Math.round(v * 255) / 255) };
  const sampleClasses = Array.from(predictWithPassword(buildLockGraph(locked), shown, password));
  const sampleRight = sampleClasses.filter((c, i) => c === samples.y[i]).length;
  await writeFileAtomic(join(PUBLIC_DIR, 'samples.json'), JSON.stringify({ source: 'embedded MNIST, held-out test split', samples: encodeSamples(samples.x, samples.y) }));
  baseline.model.dispose();
  locked.model.dispose();

  const bundleFiles = (b: FixtureBundle) => [...b.files.map((n) => `${b.dir}/${n}`), b.deviceLicence, ...(b.licence === undefined ? [] : [b.licence])];
  const manifest: FixtureManifest = {
    version: FIXTURE_VERSION,
    seed: SEED,
    baselineEpochs: BASELINE_EPOCHS,
    lockEpochs: LOCK_EPOCHS,
    accuracy: { baseline: baselineAccuracy, authorized, unauthorized, loaded },
    samples: SAMPLE_COUNT,
    sampleClasses,
    sampleRight,
    demo: { passphrase: DEMO_PASSPHRASE, kdf: DEMO_KDF, deviceKey: 'demo/device.key', vendorPublicKey: 'vendor.pub' },
    bundles,
    graphOriginal: { modelJson: 'graph-original/faceres.json', inputShape: [1, 224, 224, 3] },
    seconds: (performance.now() - started) / 1000,
    files: [
      ...bundleFiles(bundles.model),
      ...bundleFiles(bundles['model-lock']),
      ...bundleFiles(bundles.graph),
      'graph-original/faceres.json',
      'graph-original/faceres.bin',
      'demo/device.key',
      'vendor.pub',
      'samples.json',
    ],
  };
  const missing = manifest.files.filter((f) => !existsSync(join(PUBLIC_DIR, f)));
  if (missing.length > 0) throw new Error(`the fixture is missing ${missing.join(', ')}`);
  // Written last: a build killed half-way leaves no manifest, so the next run starts over.
  await writeFileAtomic(MANIFEST, JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Returns the cached fixture, building it first if it is missing or stale. */
export async function ensureFixture(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<FixtureManifest> {
  const log = options.log ?? (() => undefined);
  let manifest = options.force ? undefined : await readManifest();
  if (manifest === undefined) manifest = await build(log);
  else log(`fixture: cached in ${FIXTURE_DIR}`);
  await copyWasm();
  return manifest;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureFixture({ force: process.argv.includes('--force'), log: (line) => console.log(line) }).then(
    (m) => console.log(`fixture: ready (authorized ${(m.accuracy.authorized * 100).toFixed(1)}%, unauthorized ${(m.accuracy.unauthorized * 100).toFixed(1)}%)`),
    (error: unknown) => {
      console.error(`fixture: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
