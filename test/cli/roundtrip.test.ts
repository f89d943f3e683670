/**
 * The owner's and the device's work end to end, through the built CLI as a user runs it: train -> protect -> keygen
 * -> licence issue -> infer on real digits (PNG, IDX and CSV), and what each mistake on the way prints.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmbeddedMnist } from '../../src/data/mnist.js';
import { stratifiedSplit } from '../../src/data/split.js';
import { encodeIdx } from '../data/helpers.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { openProtected } from '../../src/cli/protected_files.js';

type Result = CliResult;
const edgepro = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env });

/** A failure the way the CLI must report it: one line on stderr, nothing on stdout, the given exit code. */
function expectOneLine(r: Result, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** The same data flags for every command, so protect and eval see the same split. */
const DATA = ['--limit', '1500', '--test-size', '300', '--seed', '0'];
const DIGITS = 12;

let dir: string;
let labels: number[];
let protectReport: { authorizedAccuracy: number; unauthorizedAccuracy: number; ownerKey: string; modelFingerprint: string; unlock: { folded: string[]; lockOps: string[] } };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-roundtrip-'));
  const train = await edgepro(['train', ...DATA, '--epochs', '3', '--out', 'base', '--quiet']);
  expect(train.code, train.stderr).toBe(0);
  // --reproducible-password: the assertions below count right digits, which must not depend on a random password.
  const protect = await edgepro(['protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '6', '--lr', '0.003', '--reproducible-password', '--out', 'prot', '--json', 'protect.json', '--quiet']);
  expect(protect.code, protect.stderr).toBe(0);
  expect(protect.stderr).toMatch(/keep prot\.owner\.key secret and never ship it/);
  protectReport = JSON.parse(await readFile(join(dir, 'protect.json'), 'utf8'));

  // Real digits the model never trained on (the held-out test split): PNGs as a user would have them.
  const { test } = stratifiedSplit(loadEmbeddedMnist(), { testSize: 300, seed: 0 });
  labels = Array.from(test.y.subarray(0, DIGITS));
  for (let i = 0; i < DIGITS; i++) {
    // Half light-on-dark 28x28 (as MNIST), half dark ink on white paper at 56x56 (inverted and scaled by infer).
    const big = i % 2 === 1;
    const size = big ? 56 : 28;
    const png = new PNG({ width: size, height: size });
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = Math.round(test.x[i * 784 + Math.floor(y / (size / 28)) * 28 + Math.floor(x / (size / 28))]! * 255);
        png.data.set(big ? [255 - v, 255 - v, 255 - v, 255] : [v, v, v, 255], (y * size + x) * 4);
      }
    }
    await writeFile(join(dir, `digit${i}.png`), PNG.sync.write(png));
  }
  // The next digits as an IDX images file with its labels, and as CSV rows of pixels with a label column.
  const pixels = Uint8Array.from(test.x.subarray(DIGITS * 784, (DIGITS + 6) * 784), (v) => Math.round(v * 255));
  await writeFile(join(dir, 'digits-idx3-ubyte'), encodeIdx([6, 28, 28], pixels));
  await writeFile(join(dir, 'labels-idx1-ubyte'), encodeIdx([6], test.y.subarray(DIGITS, DIGITS + 6)));
  const rows = [[...Array.from({ length: 784 }, (_, p) => `p${p}`), 'digit'].join(',')];
  for (let i = DIGITS + 6; i < DIGITS + 10; i++) rows.push([...Array.from(test.x.subarray(i * 784, (i + 1) * 784), (v) => v.toFixed(4)), test.y[i]].join(','));
  await writeFile(join(dir, 'digits.csv'), rows.join('\n'));

  const [device, vendor] = await Promise.all([
    edgepro(['keygen', 'device', '--out', 'keys/device1', '--quiet']),
    edgepro(['keygen', 'vendor', '--out', 'keys/vendor', '--quiet']),
  ]);
  expect(device.code, device.stderr).toBe(0);
  expect(vendor.code, vendor.stderr).toBe(0);
  await writeFile(join(dir, 'passphrase.txt'), 'correct horse battery staple\n');
  const [licence, byPassphrase] = await Promise.all([
    edgepro(['licence', 'issue', 'prot', '--device-key', 'keys/device1.pub', '--sign', 'keys/vendor.key', '--expires', '30d', '--out', 'device1.licence']),
    // PBKDF2 (0.6 s a derivation) rather than the default scrypt (3 s): the crypto tests cover scrypt.
    edgepro(['licence', 'issue', 'prot', '--passphrase-file', 'passphrase.txt', '--kdf', 'pbkdf2', '--out', 'trial.licence', '--quiet']),
  ]);
  expect(licence.code, licence.stderr).toBe(0);
  expect(licence.stdout).toMatch(/device1\.licence.*device keys\/device1\.pub\s+yes/);
  expect(byPassphrase.code, byPassphrase.stderr).toBe(0);
}, 240_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const INPUTS = [...Array.from({ length: DIGITS }, (_, i) => `digit${i}.png`), 'digits-idx3-ubyte', 'digits.csv'];
const INPUT_FLAGS = ['--labels', 'labels-idx1-ubyte', '--label', 'digit'];

describe('edgepro round trip: train -> protect -> licence -> infer', () => {
  it('protect writes the model, its sealed password and a secret owner key outside the directory', async () => {
    expect(protectReport.authorizedAccuracy).toBeGreaterThan(0.8);
    expect(protectReport.unauthorizedAccuracy).toBeLessThan(0.5);
    // LeNet-5's four locks all fold into the weights: the unlocked model runs no lock op.
    expect(protectReport.unlock).toEqual({ folded: ['pool1', 'pool2', 'fc1', 'fc2'], lockOps: [] });
    // The default level, lock + seal all: the weights ship sealed, only the architecture is in the clear.
    expect((await readdir(join(dir, 'prot'))).sort()).toEqual(['model.json', 'password.edgepro', 'weights.sealed']);
    expect(((await stat(join(dir, 'prot.owner.key'))).mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(join(dir, 'keys/device1.key'))).mode & 0o777).toString(8)).toBe('600');
    expect(await readFile(join(dir, 'prot.owner.key'), 'utf8')).toMatch(/never ship it/);
  });

  it('infer with the device licence: the right class for most PNG, IDX and CSV digits', async () => {
    const r = await edgepro(['infer', 'prot', ...INPUTS, ...INPUT_FLAGS, '--licence', 'device1.licence', '--device-key', 'keys/device1.key', '--vendor-key', 'keys/vendor.pub', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { predictions } = JSON.parse(r.stdout) as { predictions: { input: string; class: number; probability: number; expected?: string }[] };
    expect(predictions).toHaveLength(DIGITS + 6 + 4);
    const pngRight = predictions.slice(0, DIGITS).filter((p, i) => p.class === labels[i]).length;
    expect(pngRight).toBeGreaterThanOrEqual(9);
    const restRight = predictions.slice(DIGITS).filter((p) => String(p.class) === p.expected).length;
    expect(restRight).toBeGreaterThanOrEqual(7);
    for (const p of predictions) expect(p.probability).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/6 image\(s\) scaled to the model's 28x28/);
    expect(r.stderr).toMatch(/6 image\(s\) inverted/);
  });

  it('infer prints an aligned table, and the passphrase licence gives the same answers', async () => {
    const [device, trial] = await Promise.all([
      edgepro(['infer', 'prot', 'digit0.png', 'digit1.png', '--licence', 'device1.licence', '--device-key', 'keys/device1.key', '--vendor-key', 'keys/vendor.pub', '--quiet']),
      edgepro(['infer', 'prot', 'digit0.png', 'digit1.png', '--licence', 'trial.licence', '--allow-unsigned', '--quiet'], { EDGEPRO_PASSPHRASE: 'correct horse battery staple' }),
    ]);
    expect(device.code, device.stderr).toBe(0);
    expect(trial.code, trial.stderr).toBe(0);
    expect(trial.stdout).toBe(device.stdout);
    const lines = device.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^input\s+class\s+probability$/);
    expect(lines[2]!.indexOf('%')).toBe(lines[3]!.indexOf('%'));
  });

  it('without a licence infer says the model is locked and predicts nothing', async () => {
    expectOneLine(await edgepro(['infer', 'prot', 'digit0.png']), 2, /prot is locked.*--licence/);
  });

  it('eval opens the password with the owner key and reports', async () => {
    const r = await edgepro(['eval', 'prot', ...DATA, '--trials', '3', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.authorizedAccuracy).toBeCloseTo(protectReport.authorizedAccuracy, 6);
    expect(report.trials).toBe(3);
    expect(report.wrongPasswordAccuracy.mean).toBeLessThan(report.authorizedAccuracy);
  });

  it('eval and attack refuse data flags that hold out other samples than protect did (the record beside the owner key)', async () => {
    const record = JSON.parse(await readFile(join(dir, 'prot.owner.key.holdout.json'), 'utf8'));
    expect(record).toMatchObject({ format: 'edgepro-holdout', version: 1, idx: null, csv: null, seed: 0, testSamples: 300 });
    expect(record.modelFingerprint).toBe(protectReport.modelFingerprint);
    const [otherSeed, otherSize, attack] = await Promise.all([
      edgepro(['eval', 'prot', '--limit', '1500', '--test-size', '300', '--seed', '1']),
      edgepro(['eval', 'prot', '--seed', '0']),
      edgepro(['attack', 'prune', '--model', 'prot', '--seed', '2']),
    ]);
    expectOneLine(otherSeed, 2, /hold out other samples than protect did .*\(seed differ\).*use --test-size 300 --seed 0 \(recorded in .*prot\.owner\.key\.holdout\.json\)/);
    expectOneLine(otherSize, 2, /\(testSamples differ\)/);
    expectOneLine(attack, 2, /\(seed, testSamples differ\)/);
  });

  it('wrong key, tampered licence, missing file: one line naming the file, exit 1', async () => {
    const key = ['--licence', 'device1.licence', '--device-key', 'keys/device1.key', '--vendor-key', 'keys/vendor.pub'];
    const bytes = await readFile(join(dir, 'device1.licence'));
    bytes[bytes.length - 70]! ^= 1;
    await writeFile(join(dir, 'tampered.licence'), bytes);
    await edgepro(['keygen', 'device', '--out', 'keys/device2', '--quiet']);
    // Independent processes: run them side by side.
    const [wrongPassphrase, tampered, otherDevice, wrongKind, missingInput, missingLicence, missingModel, wrongSize] = await Promise.all([
      edgepro(['infer', 'prot', 'digit0.png', '--licence', 'trial.licence', '--passphrase', 'wrong', '--allow-unsigned']),
      edgepro(['infer', 'prot', 'digit0.png', '--licence', 'tampered.licence', '--device-key', 'keys/device1.key', '--vendor-key', 'keys/vendor.pub']),
      edgepro(['infer', 'prot', 'digit0.png', '--licence', 'device1.licence', '--device-key', 'keys/device2.key', '--vendor-key', 'keys/vendor.pub']),
      edgepro(['infer', 'prot', 'digit0.png', '--licence', 'device1.licence', '--device-key', 'keys/vendor.key', '--vendor-key', 'keys/vendor.pub']),
      edgepro(['infer', 'prot', 'nope.png', ...key]),
      edgepro(['infer', 'prot', 'digit0.png', '--licence', 'gone.licence', '--device-key', 'keys/device1.key', '--vendor-key', 'keys/vendor.pub']),
      edgepro(['infer', 'missing-model', 'digit0.png', ...key]),
      edgepro(['infer', 'prot', 'digit1.png', ...key, '--no-resize']),
    ]);
    expectOneLine(wrongPassphrase, 1, /trial\.licence: .*did not decrypt.*check the passphrase/);
    expectOneLine(tampered, 1, /tampered\.licence: .*(signature|decrypt)/);
    expectOneLine(otherDevice, 1, /device1\.licence: .*another device key/);
    expectOneLine(wrongKind, 1, /keys\/vendor\.key: .*vendor-private.*expected a device-private/);
    expectOneLine(missingInput, 1, /nope\.png/);
    expectOneLine(missingLicence, 1, /licence not found: gone\.licence/);
    expectOneLine(missingModel, 1, /model file not found: .*missing-model\/model\.json/);
    expectOneLine(wrongSize, 1, /digit1\.png: the image is 56x56 but the model takes 28x28/);
  });

  it('the owner key is checked before a licence is issued; expiry and recipients are checked as usage', async () => {
    await writeFile(join(dir, 'other.key'), (await readFile(join(dir, 'keys/device1.key'), 'utf8')).replace('device-private', 'content-key'), { mode: 0o600 });
    const [wrongOwner, noRecipient, past, evalWrongOwner] = await Promise.all([
      edgepro(['licence', 'issue', 'prot', '--key', 'other.key', '--passphrase', 'x', '--out', 'x.licence']),
      edgepro(['licence', 'issue', 'prot', '--out', 'x.licence']),
      edgepro(['licence', 'issue', 'prot', '--passphrase', 'x', '--expires', '2001-01-01', '--out', 'x.licence']),
      edgepro(['eval', 'prot', '--key', 'other.key']),
    ]);
    expectOneLine(wrongOwner, 1, /password\.edgepro: .*did not decrypt.*other\.key the owner key/);
    expectOneLine(noRecipient, 2, /whom is the licence for/);
    expectOneLine(past, 2, /--expires 2001-01-01 is not in the future/);
    expectOneLine(evalWrongOwner, 1, /password\.edgepro: .*did not decrypt/);
    expect((await readdir(dir)).filter((f) => f.includes('x.licence') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('draws the password from WebCrypto: the same --seed twice gives two passwords, unless --reproducible-password', async () => {
    const run = (out: string, extra: string[] = []) => edgepro(['protect', '--no-audit', '--from', 'base', ...DATA, '--limit', '200', '--epochs', '0', ...extra, '--out', out, '--json', '--quiet']);
    const results = await Promise.all([run('rand1'), run('rand2'), run('seed1', ['--reproducible-password']), run('seed2', ['--reproducible-password'])]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(results[0]!.stdout).password.randomness).toBe('crypto');
    expect(JSON.parse(results[2]!.stdout).password.randomness).toBe('seed');
    const [rand1, rand2, seed1, seed2] = await Promise.all(['rand1', 'rand2', 'seed1', 'seed2'].map(async (d) => (await openProtected(join(dir, d), join(dir, `${d}.owner.key`))).password));
    expect(rand2).not.toEqual(rand1);
    expect(seed2).toEqual(seed1);
    expect(rand1!.lockPoints.map((k) => k.neurons.length)).toEqual(seed1!.lockPoints.map((k) => k.neurons.length));
  });

  it('refuses to overwrite keys, or to put the owner key inside the model directory', async () => {
    const [keygen, inside, again] = await Promise.all([
      edgepro(['keygen', 'device', '--out', 'keys/device1']),
      edgepro(['protect', '--out', 'prot2', '--key-out', 'prot2/owner.key']),
      edgepro(['protect', '--from', 'base', '--out', 'prot']),
    ]);
    expectOneLine(keygen, 2, /keys\/device1\.key already exists.*--force/);
    expectOneLine(inside, 2, /inside the model directory/);
    expectOneLine(again, 2, /prot\.owner\.key already exists/);
  });
});
