/**
 * The browser demo end to end, in Debian's Chromium driven by playwright-core: build the fixture (cached) and the
 * page, serve it on 127.0.0.1, then use the page as a person would: test digits locked and unlocked, a wrong
 * credential, a drawn digit. Saves a screenshot and the measured figures under test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveDirectory } from './static_server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const RESULTS = join(ROOT, 'test-results');
const PUBLIC = join(ROOT, '.cache/web-fixture/public');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

function run(args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

let fixture: { demo: { passphrase: string; licence: string; deviceLicence: string; deviceKey: string }; accuracy: Record<string, number>; seconds: number };
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
  fixture = JSON.parse(await readFile(join(ROOT, '.cache/web-fixture/fixture.json'), 'utf8')) as typeof fixture;
  measured.fixture = { accuracy: fixture.accuracy, trainedSeconds: fixture.seconds };
  run([join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
  server = await serveDirectory(join(ROOT, '.cache/web-dist'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const loadStart = performance.now();
  await page.goto(server.url);
  await page.locator('#model-state[data-state="locked"]').waitFor({ timeout: 60_000 });
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

/** Clicks each test digit in turn and reads the page's prediction; returns how many it got right. */
async function clickThroughSamples(): Promise<{ right: number; total: number; predicted: number[] }> {
  const buttons = page.locator('#samples button');
  const total = await buttons.count();
  const predicted: number[] = [];
  let right = 0;
  for (let i = 0; i < total; i++) {
    const button = buttons.nth(i);
    await button.click();
    const label = Number(await button.getAttribute('data-label'));
    const shown = Number(await page.locator('#prediction').getAttribute('data-class'));
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

/** Submits the unlock form; returns the error shown, or null once the model is unlocked. */
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

describe('browser demo (Chromium)', () => {
  it('locked, the model answers about as well as chance on 20 held-out digits', async () => {
    const { right, total, predicted } = await clickThroughSamples();
    expect(total).toBe(20);
    measured.lockedCorrect = `${right}/${total}`;
    measured.lockedPredictions = predicted;
    expect(right / total).toBeLessThanOrEqual(0.3);
    expect(await runAll()).toBe(right);
    // The bar list shows ten probabilities summing to 100% (rounded to 0.1% each).
    const values = await page.locator('#probabilities .value').allTextContents();
    expect(values).toHaveLength(10);
    expect(values.reduce((s, v) => s + Number.parseFloat(v), 0)).toBeCloseTo(100, 0);
    // The help names the passphrase the fixture really used.
    expect(await page.locator('#demo-help kbd').textContent()).toBe(fixture.demo.passphrase);
  });

  it('a wrong passphrase and a tampered licence are refused with clear messages, and the model stays locked', async () => {
    const licence = await readFile(join(PUBLIC, fixture.demo.licence));
    await chooseFile('#licence-file', 'demo.licence', licence);
    await page.fill('#passphrase', `${fixture.demo.passphrase}!`);
    expect(await submit()).toMatch(/wrong passphrase or device key, or the licence was altered/);
    measured.wrongPassphraseMessage = await page.locator('#error').textContent();

    // One flipped bit in the wrapped key: the vendor signature no longer verifies.
    const tampered = Buffer.from(licence);
    tampered[tampered.length - 80]! ^= 1;
    await chooseFile('#licence-file', 'demo.licence', tampered);
    await page.fill('#passphrase', fixture.demo.passphrase);
    expect(await submit()).toMatch(/altered or not issued by this model's vendor/);
    measured.tamperedLicenceMessage = await page.locator('#error').textContent();
    expect(await page.locator('#model-state').getAttribute('data-state')).toBe('locked');
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'web-demo-locked.png'), fullPage: true });
  });

  it('unlocked by its passphrase licence, it gets at least 18 of the 20 right and says how long unlocking took', async () => {
    await chooseFile('#licence-file', 'demo.licence', await readFile(join(PUBLIC, fixture.demo.licence)));
    await page.fill('#passphrase', fixture.demo.passphrase);
    expect(await submit()).toBeNull();
    const state = page.locator('#model-state');
    expect(await state.getAttribute('data-state')).toBe('unlocked');
    expect(await state.textContent()).toMatch(/Unlocked in [\d.]+\sms: licence opened \(scrypt/);
    const timing = Object.fromEntries(
      await Promise.all(['unlock', 'licence', 'container', 'fold'].map(async (k) => [k, Number(await state.getAttribute(`data-${k}-ms`))] as const)),
    );
    expect(timing.unlock).toBeGreaterThan(0);
    expect(timing.licence! + timing.container! + timing.fold!).toBeCloseTo(timing.unlock!, 1);
    const { right, total } = await clickThroughSamples();
    measured.unlockedCorrect = `${right}/${total}`;
    measured.passphraseUnlockMs = timing;
    expect(right / total).toBeGreaterThanOrEqual(0.9);
    expect(await runAll()).toBe(right);
  });

  it('locks again, then unlocks with the device key licence', async () => {
    await page.click('#relock');
    await page.locator('#model-state[data-state="locked"]').waitFor();
    const lockedAgain = await runAll();
    expect(lockedAgain / 20).toBeLessThanOrEqual(0.3);
    await chooseFile('#licence-file', 'device.licence', await readFile(join(PUBLIC, fixture.demo.deviceLicence)));
    await chooseFile('#device-key-file', 'device.key', await readFile(join(PUBLIC, fixture.demo.deviceKey)));
    await page.fill('#passphrase', '');
    expect(await submit()).toBeNull();
    expect(await page.locator('#model-state').textContent()).toMatch(/X25519 device key/);
    const right = await runAll();
    measured.deviceUnlockMs = Number(await page.locator('#model-state').getAttribute('data-unlock-ms'));
    measured.deviceUnlockedCorrect = `${right}/20`;
    expect(right / 20).toBeGreaterThanOrEqual(0.9);
  });

  it('recognises a digit drawn on the pad', async () => {
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
