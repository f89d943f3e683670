/**
 * Builds what the demo page serves: a protected LeNet-5 trained on the embedded MNIST with its sealed password
 * (`model/password.edgepro`), demo credentials (a passphrase licence, a device key with its licence, both signed by a
 * demo vendor key), 20 held-out test digits, and TF.js's .wasm binaries. Training takes a minute or two, so the result is cached
 * in `.cache/web-fixture/` (gitignored) and rebuilt only when missing or made by an older version of this script.
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
  encodeKeyFile,
  evaluateClassifier,
  fingerprintWeights,
  generateDeviceKeyPair,
  generateVendorKeyPair,
  issueLicence,
  sealPassword,
  initEngine,
  loadEmbeddedMnist,
  predictWithPassword,
  buildLockGraph,
  protectModel,
  sampleStratified,
  saveModelDir,
  scorePredictions,
  stratifiedSplit,
  trainClassifier,
  buildLeNet5,
} from '../src/index.js';
import { writeFileAtomic, writeFilesAtomic } from '../src/util/node_fs.js';

/** Bump when the fixture's content or layout changes: a cache made by an older script is rebuilt. */
const FIXTURE_VERSION = 2;
const SEED = 0;
const BASELINE_EPOCHS = 2;
const LOCK_EPOCHS = 6;
const SAMPLE_COUNT = 20;
/** The demo passphrase licence's passphrase (the README and the page's help name it). */
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

export interface FixtureManifest {
  version: number;
  seed: number;
  baselineEpochs: number;
  lockEpochs: number;
  /** Accuracies on the 2,000 held-out embedded MNIST digits. */
  accuracy: { baseline: number; authorized: number; unauthorized: number };
  samples: number;
  /** The demo credentials: where they are (under public/) and the passphrase of the passphrase licence. */
  demo: { passphrase: string; licence: string; deviceLicence: string; deviceKey: string; vendorPublicKey: string; kdf: typeof DEMO_KDF };
  seconds: number;
  /** Files under public/ the page needs. */
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
  const { protected: locked, password } = await protectModel(baseline, train, { epochs: LOCK_EPOCHS, seed: SEED, passwordRandomness: 'seed' });
  const authorized = scorePredictions(predictWithPassword(buildLockGraph(locked), test, password), test.y, 10).accuracy;
  const unauthorized = evaluateClassifier(locked.model, test).accuracy;
  log(`fixture: authorized ${(authorized * 100).toFixed(1)}%, unauthorized ${(unauthorized * 100).toFixed(1)}%`);

  await rm(FIXTURE_DIR, { recursive: true, force: true });
  await saveModelDir(locked, join(PUBLIC_DIR, 'model'));
  // The owner's side of shipping: seal the password for exactly these weights, then issue licences for the content
  // key. The content key (owner.key) is not kept: the demo never issues more licences.
  const modelFingerprint = await fingerprintWeights(new Uint8Array(await readFile(join(PUBLIC_DIR, 'model', 'weights.bin'))));
  const { container, contentKey } = await sealPassword(password, { modelFingerprint });
  await writeFileAtomic(join(PUBLIC_DIR, 'model', 'password.edgepro'), container);
  const vendor = await generateVendorKeyPair();
  const device = await generateDeviceKeyPair();
  const signed = { modelFingerprint, vendorPrivateKey: vendor.privateKey };
  await writeFilesAtomic([
    { path: join(PUBLIC_DIR, 'demo', 'demo.licence'), data: await issueLicence(contentKey, { passphrase: DEMO_PASSPHRASE, kdf: DEMO_KDF }, signed) },
    { path: join(PUBLIC_DIR, 'demo', 'device.licence'), data: await issueLicence(contentKey, { devicePublicKey: device.publicKey }, signed) },
    { path: join(PUBLIC_DIR, 'demo', 'device.key'), data: encodeKeyFile('device-private', device.privateKey) },
    // The page's built-in trust anchor: licences not signed by this vendor are refused.
    { path: join(PUBLIC_DIR, 'vendor.pub'), data: encodeKeyFile('vendor-public', vendor.publicKey) },
  ]);
  contentKey.fill(0);
  const samples = sampleStratified(test, SAMPLE_COUNT, SEED + 1);
  await writeFileAtomic(join(PUBLIC_DIR, 'samples.json'), JSON.stringify({ source: 'embedded MNIST, held-out test split', samples: encodeSamples(samples.x, samples.y) }));
  baseline.model.dispose();
  locked.model.dispose();

  const manifest: FixtureManifest = {
    version: FIXTURE_VERSION,
    seed: SEED,
    baselineEpochs: BASELINE_EPOCHS,
    lockEpochs: LOCK_EPOCHS,
    accuracy: { baseline: baselineAccuracy, authorized, unauthorized },
    samples: SAMPLE_COUNT,
    demo: { passphrase: DEMO_PASSPHRASE, licence: 'demo/demo.licence', deviceLicence: 'demo/device.licence', deviceKey: 'demo/device.key', vendorPublicKey: 'vendor.pub', kdf: DEMO_KDF },
    seconds: (performance.now() - started) / 1000,
    files: ['model/model.json', 'model/weights.bin', 'model/password.edgepro', 'demo/demo.licence', 'demo/device.licence', 'demo/device.key', 'vendor.pub', 'samples.json'],
  };
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
