/**
 * The browser demo end to end, in Debian's Chromium driven by playwright-core: build the fixture (cached) and the
 * page, serve it on 127.0.0.1, then use the page as a person would — the sealed default model (nothing runs before a
 * licence; a passphrase licence, a device licence), the lock alone (locked at chance, then unlocked), wrong and
 * tampered credentials, a drawn digit. Then, on a separate check page (test/web/graph_check.ts, bundled here), a
 * sealed pretrained graph model against its original files. Saves screenshots and the measured figures (the
 * runtime's own timings) under test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FixtureManifest } from '../../web/fixture.js';
import type { GraphCheckFiles, GraphCheckResult } from './graph_check.js';
import { serveDirectory } from './static_server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const RESULTS = join(ROOT, 'test-results');
const PUBLIC = join(ROOT, '.cache/web-fixture/public');
const GRAPH_CHECK = join(ROOT, '.cache/web-graph-check');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

function run(args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

let fixture: FixtureManifest;
let browser: Browser;
let page: Page;
let server: { url: string; close: () => Promise<void> };
const pageErrors: string[] = [];
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run does)`);
  // The same steps as `npm run demo:web`: the fixture (trained once, then cached), then the page.
  const fixtureStart = performance.now();
  run(['--import', 'tsx', 'web/fixture.ts']);
  measured.fixtureSeconds = (performance.now() - fixtureStart) / 1000;
  fixture = JSON.parse(await readFile(join(ROOT, '.cache/web-fixture/fixture.json'), 'utf8')) as FixtureManifest;
  measured.fixture = { accuracy: fixture.accuracy, trainedSeconds: fixture.seconds };
  run([join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
  // The graph-model check page: the runtime and tfjs-converter bundled for the browser, served beside the demo.
  await mkdir(GRAPH_CHECK, { recursive: true });
  await build({ entryPoints: [join(ROOT, 'test/web/graph_check.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', outfile: join(GRAPH_CHECK, 'graph_check.js'), logLevel: 'warning' });
  await writeFile(join(GRAPH_CHECK, 'index.html'), '<!doctype html><meta charset="utf-8"><title>graph model check</title><script type="module" src="graph_check.js"></script>\n');
  server = await serveDirectory(join(ROOT, '.cache/web-dist'), { mounts: { 'graph-check': GRAPH_CHECK } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const loadStart = performance.now();
  await page.goto(server.url);
  await page.locator('#model-state[data-state="sealed"]').waitFor({ timeout: 60_000 });
  measured.pageLoadMs = Math.round(performance.now() - loadStart);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (Object.keys(measured).length > 0) {
    await mkdir(RESULTS, { recursive: true });
    await writeFile(join(RESULTS, 'web-e2e.json'), JSON.stringify(measured, null, 2));
  }
});

/** At least this many of the 20 test digits right once authorized: the fixture's accuracy (95.7%) less a margin. */
/**
 * What the unlocked model gets right on the page's 20 digits, as Node computed it when the fixture was made: the page
 * must match it exactly (same model, same password). A floor keeps the check from passing on a model that learned nothing.
 */
function authorizedRight(): number {
  expect(fixture.sampleRight).toBeGreaterThanOrEqual(15);
  return fixture.sampleRight;
}

/** Clicks each test digit in turn and reads the page's prediction; returns how many it got right. */
async function clickThroughSamples(): Promise<{ right: number; total: number; predicted: string[] }> {
  const buttons = page.locator('#samples button');
  const total = await buttons.count();
  const predicted: string[] = [];
  let right = 0;
  for (let i = 0; i < total; i++) {
    const button = buttons.nth(i);
    await button.click();
    const label = await button.getAttribute('data-label');
    const shown = (await page.locator('#prediction').getAttribute('data-class')) ?? '';
    predicted.push(shown);
    if (shown === label) right++;
  }
  return { right, total, predicted };
}

/** The page's own batch run over all test digits: "k of n right". */
async function runAll(): Promise<number> {
  await page.click('#run-all');
  return Number(await page.locator('#batch-result').getAttribute('data-correct'));
}

/** Submits the licence form; returns the error shown, or null once the model is unlocked. */
async function submit(): Promise<string | null> {
  await page.click('#unlock');
  const error = page.locator('#error');
  await page.waitForFunction(() => {
    const state = document.getElementById('model-state')?.dataset.state;
    return state === 'unlocked' || (state !== 'unlocking' && !document.getElementById('error')!.hidden);
  }, undefined, { timeout: 30_000 });
  return (await error.isVisible()) ? await error.textContent() : null;
}

async function chooseFile(selector: string, name: string, buffer: Buffer): Promise<void> {
  await page.setInputFiles(selector, { name, mimeType: 'application/octet-stream', buffer });
}

async function usePassphraseLicence(licence: string, passphrase = fixture.demo.passphrase): Promise<void> {
  await chooseFile('#licence-file', 'demo.licence', await readFile(join(PUBLIC, licence)));
  await page.setInputFiles('#device-key-file', []);
  await page.fill('#passphrase', passphrase);
}

async function useDeviceLicence(licence: string): Promise<void> {
  await chooseFile('#licence-file', 'device.licence', await readFile(join(PUBLIC, licence)));
  await chooseFile('#device-key-file', 'device.key', await readFile(join(PUBLIC, fixture.demo.deviceKey)));
  await page.fill('#passphrase', '');
}

/** The runtime's timings the page shows, as it attached them to the state line. */
async function shownTimings(): Promise<{ opened: string | null; timings: Record<string, number> }> {
  const state = page.locator('#model-state');
  return { opened: await state.getAttribute('data-opened'), timings: JSON.parse((await state.getAttribute('data-timings')) ?? '{}') as Record<string, number> };
}

async function chooseLevel(id: 'model' | 'model-lock', settled: 'sealed' | 'locked'): Promise<void> {
  await page.check(`#bundle-${id}`);
  await page.locator(`#model-state[data-state="${settled}"]`).waitFor({ timeout: 30_000 });
}

describe('browser demo (Chromium): the default level, lock + seal', () => {
  it('is sealed at start: nothing runs before a licence', async () => {
    expect(await page.isChecked('#bundle-model')).toBe(true);
    expect(await page.locator('#model-state').textContent()).toMatch(/^Sealed: nothing runs without a licence/);
    expect(await page.isDisabled('#run-all')).toBe(true);
    await page.locator('#samples button').first().click();
    expect(await page.locator('#prediction').getAttribute('data-class')).toBe('');
    expect(await page.locator('#truth').textContent()).toBe('sealed: nothing runs without a licence');
    expect(await page.locator('#probabilities li').count()).toBe(0);
    // The help names the passphrase the fixture used, and links this bundle's licences.
    expect(await page.locator('#demo-help kbd').textContent()).toBe(fixture.demo.passphrase);
    expect(await page.getAttribute('#demo-licence', 'href')).toBe(fixture.bundles.model.licence);
    expect(await page.getAttribute('#demo-device-licence', 'href')).toBe(fixture.bundles.model.deviceLicence);
  });

  it('a wrong passphrase and a tampered licence are refused with clear messages, and the model stays sealed', async () => {
    const licence = await readFile(join(PUBLIC, fixture.bundles.model.licence!));
    await chooseFile('#licence-file', 'demo.licence', licence);
    await page.fill('#passphrase', `${fixture.demo.passphrase}!`);
    expect(await submit()).toMatch(/^Wrong passphrase or device key/);
    expect(await page.locator('#error').getAttribute('data-code')).toBe('ERR_DECRYPTION_FAILED');
    measured.wrongPassphraseMessage = await page.locator('#error').textContent();

    // One flipped bit in the wrapped key: the vendor signature no longer verifies.
    const tampered = Buffer.from(licence);
    tampered[tampered.length - 80]! ^= 1;
    await chooseFile('#licence-file', 'demo.licence', tampered);
    await page.fill('#passphrase', fixture.demo.passphrase);
    expect(await submit()).toMatch(/signed by another vendor/);
    expect(await page.locator('#error').getAttribute('data-code')).toBe('ERR_SIGNATURE');
    measured.tamperedLicenceMessage = await page.locator('#error').textContent();
    expect(await page.locator('#model-state').getAttribute('data-state')).toBe('sealed');
    expect(await page.isDisabled('#run-all')).toBe(true);
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'web-demo-sealed.png'), fullPage: true });
  });

  it('its passphrase licence unseals and unlocks it: the test digits are recognised, and the load timings shown', async () => {
    await usePassphraseLicence(fixture.bundles.model.licence!);
    expect(await submit()).toBeNull();
    expect(await page.locator('#model-state').textContent()).toMatch(/^Unsealed and unlocked in [\d.]+\sms: model read .* licence opened \(scrypt.* weights decrypted/);
    const { opened, timings } = await shownTimings();
    expect(opened).toBe('load');
    expect(Object.keys(timings).sort()).toEqual(['build', 'engine', 'licence', 'read', 'total', 'unlock', 'unseal']);
    expect(timings.unseal).toBeGreaterThan(0);
    expect(timings.read! + timings.licence! + timings.unseal! + timings.engine! + timings.build! + timings.unlock!).toBeCloseTo(timings.total!, 1);
    measured.sealedPassphraseLoadMs = timings;
    const { right, total, predicted } = await clickThroughSamples();
    expect(total).toBe(20);
    measured.sealedUnlockedCorrect = `${right}/${total}`;
    expect(predicted).toEqual(fixture.sampleClasses.map(String));
    expect(right).toBe(authorizedRight());
    expect(await runAll()).toBe(right);
    const values = await page.locator('#probabilities .value').allTextContents();
    expect(values).toHaveLength(10);
    expect(values.reduce((s, v) => s + Number.parseFloat(v), 0)).toBeCloseTo(100, 0);
  });

  it('forgetting the licence seals it again; the device licence opens it', async () => {
    await page.click('#relock');
    await page.locator('#model-state[data-state="sealed"]').waitFor();
    expect(await page.isDisabled('#run-all')).toBe(true);
    expect(await page.locator('#batch-result').getAttribute('data-correct')).toBeNull();
    await useDeviceLicence(fixture.bundles.model.deviceLicence);
    expect(await submit()).toBeNull();
    expect(await page.locator('#model-state').textContent()).toMatch(/X25519 device key/);
    const { opened, timings } = await shownTimings();
    expect(opened).toBe('load');
    measured.sealedDeviceLoadMs = timings;
    const right = await runAll();
    measured.sealedDeviceUnlockedCorrect = `${right}/20`;
    expect(right).toBe(authorizedRight());
  });
});

describe('browser demo (Chromium): the lock alone', () => {
  it('loads locked and answers about as well as chance on the 20 held-out digits', async () => {
    await chooseLevel('model-lock', 'locked');
    expect(await page.locator('#model-state').textContent()).toMatch(/^Locked: no licence\. The model runs \(loaded in [\d.]+\sms\)/);
    const { opened, timings } = await shownTimings();
    expect(opened).toBe('load');
    measured.lockOnlyLockedLoadMs = timings;
    expect(await page.getAttribute('#demo-licence', 'href')).toBe(fixture.bundles['model-lock'].licence);
    const { right, total, predicted } = await clickThroughSamples();
    expect(total).toBe(20);
    measured.lockedCorrect = `${right}/${total}`;
    measured.lockedPredictions = predicted;
    expect(right / total).toBeLessThanOrEqual(0.3);
    expect(await runAll()).toBe(right);
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'web-demo-locked.png'), fullPage: true });
  });

  it("refuses the sealed bundle's licence (another model), and unlocks with its own passphrase licence", async () => {
    await usePassphraseLicence(fixture.bundles.model.licence!);
    expect(await submit()).toMatch(/for another model/);
    expect(await page.locator('#error').getAttribute('data-code')).toBe('ERR_MODEL_MISMATCH');
    measured.otherModelMessage = await page.locator('#error').textContent();
    expect(await page.locator('#model-state').getAttribute('data-state')).toBe('locked');

    await usePassphraseLicence(fixture.bundles['model-lock'].licence!);
    expect(await submit()).toBeNull();
    expect(await page.locator('#model-state').textContent()).toMatch(/^Unlocked in [\d.]+\sms: licence opened \(scrypt/);
    const { opened, timings } = await shownTimings();
    expect(opened).toBe('unlock');
    expect(Object.keys(timings).sort()).toEqual(['container', 'fold', 'licence', 'total']);
    expect(timings.licence! + timings.container! + timings.fold!).toBeCloseTo(timings.total!, 1);
    measured.lockOnlyPassphraseUnlockMs = timings;
    const { right, total, predicted } = await clickThroughSamples();
    measured.lockOnlyUnlockedCorrect = `${right}/${total}`;
    expect(predicted).toEqual(fixture.sampleClasses.map(String));
    expect(right).toBe(authorizedRight());
    expect(await runAll()).toBe(right);
  });

  it('locks again, then unlocks with its device licence', async () => {
    await page.click('#relock');
    await page.locator('#model-state[data-state="locked"]').waitFor();
    expect((await runAll()) / 20).toBeLessThanOrEqual(0.3);
    await useDeviceLicence(fixture.bundles['model-lock'].deviceLicence);
    expect(await submit()).toBeNull();
    expect(await page.locator('#model-state').textContent()).toMatch(/X25519 device key/);
    measured.lockOnlyDeviceUnlockMs = (await shownTimings()).timings;
    expect(await runAll()).toBe(authorizedRight());
  });
});

describe('browser demo (Chromium): back to the default', () => {
  it('recognises a digit drawn on the pad once the sealed model is opened', async () => {
    await chooseLevel('model', 'sealed');
    await useDeviceLicence(fixture.bundles.model.deviceLicence);
    expect(await submit()).toBeNull();
    await page.click('#clear');
    const pad = await page.locator('#pad').boundingBox();
    expect(pad).not.toBeNull();
    const { x, y, width, height } = pad!;
    // A "7": a bar across the top, then a stroke down to the bottom left.
    await page.mouse.move(x + width * 0.3, y + height * 0.22);
    await page.mouse.down();
    await page.mouse.move(x + width * 0.7, y + height * 0.22, { steps: 8 });
    await page.mouse.move(x + width * 0.45, y + height * 0.8, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => page.locator('#prediction').getAttribute('data-class')).toBe('7');
    expect(await page.locator('#truth').textContent()).toBe('your drawing');
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'web-demo.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});

describe('a sealed pretrained graph model in Chromium (faceres, 6.98 MB; five loads of each)', () => {
  let result: GraphCheckResult;

  beforeAll(async () => {
    const check = await browser.newPage();
    const errors: string[] = [];
    check.on('pageerror', (error) => errors.push(error.message));
    await check.goto(`${server.url}graph-check/`);
    await check.waitForFunction(() => typeof (globalThis as { checkGraph?: unknown }).checkGraph === 'function');
    const files: GraphCheckFiles = {
      sealed: `${fixture.bundles.graph.dir}/`,
      deviceLicence: fixture.bundles.graph.deviceLicence,
      deviceKey: fixture.demo.deviceKey,
      vendorKey: fixture.demo.vendorPublicKey,
      original: fixture.graphOriginal.modelJson,
      inputShape: fixture.graphOriginal.inputShape,
      unlicensed: [`${fixture.bundles.graph.dir}/`, `${fixture.bundles.model.dir}/`],
    };
    result = await check.evaluate(
      ([base, f]) => (globalThis as unknown as { checkGraph: (b: string, f: GraphCheckFiles) => Promise<GraphCheckResult> }).checkGraph(base, f),
      [server.url, files] as const,
    );
    await check.close();
    expect(errors).toEqual([]);
  }, 120_000);

  it('loads with its device licence through loadProtectedModel, and its outputs are bit-identical to the original', () => {
    expect(result.backend).toBe('wasm');
    expect(result.outputs.map((o) => o.name).sort()).toEqual(['age_pred/Softmax:0', 'gender_pred/Sigmoid:0', 'global_pooling/Mean']);
    for (const output of result.outputs) {
      const sealed = Buffer.from(output.sealed, 'base64');
      const original = Buffer.from(output.original, 'base64');
      expect(sealed.byteLength, output.name).toBe(output.shape.reduce((a, b) => a * b, 1) * 4);
      expect(sealed.equals(original), `${output.name} bytes`).toBe(true);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    measured.graph = {
      model: '@vladmandic/human faceres (GraphModel, input [1, 224, 224, 3], 3 outputs)',
      weightBytes: fixture.bundles.graph.weightBytes,
      bitIdentical: true,
      outputs: result.outputs.map((o) => ({ name: o.name, shape: o.shape })),
      sealedLoadMs: result.sealedLoads,
      sealedLoadMedianMs: median(result.sealedLoads.map((t) => t.total)),
      unsealMedianMs: median(result.sealedLoads.map((t) => t.unseal)),
      originalLoadMs: result.originalLoadMs,
      originalLoadMedianMs: median(result.originalLoadMs),
    };
  });

  it('without a licence the runtime refuses sealed bundles: ERR_SEALED', () => {
    expect(result.unlicensed).toEqual({ [`${fixture.bundles.graph.dir}/`]: 'ERR_SEALED', [`${fixture.bundles.model.dir}/`]: 'ERR_SEALED' });
  });
});
