/**
 * The runtime in an app, in Debian's Chromium driven by playwright-core: the page of test/web/app_check.ts (TF.js
 * imported by the app, its backend chosen by the app) opens the demo fixture's sealed, locked LeNet-5 with its
 * device licence through the IOHandler and through `loadProtectedModel`. The page keeps its backend, and both give
 * the predictions of the unlocked model in Node.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureManifest } from '../../web/fixture.js';
import { initEngine } from '../../src/engine/index.js';
import { directorySource } from '../../src/bundle/directory.js';
import { decodeKeyFile, loadProtectedModel } from '../../src/runtime/index.js';
import type { AppCheckInput, AppCheckResult } from './app_check.js';
import { serveDirectory } from './static_server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const PUBLIC = join(ROOT, '.cache/web-fixture/public');
const APP = join(ROOT, '.cache/web-app-check');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const COUNT = 20;

let browser: Browser;
let server: { url: string; close: () => Promise<void> };
let fixture: FixtureManifest;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run does)`);
  const fixtureRun = spawnSync(process.execPath, ['--import', 'tsx', 'web/fixture.ts'], { cwd: ROOT, encoding: 'utf8' });
  if (fixtureRun.status !== 0) throw new Error(`web/fixture.ts failed:\n${fixtureRun.stdout}\n${fixtureRun.stderr}`);
  fixture = JSON.parse(await readFile(join(ROOT, '.cache/web-fixture/fixture.json'), 'utf8')) as FixtureManifest;
  await mkdir(APP, { recursive: true });
  // The app's bundle, as its author's bundler makes it: `edgepro/runtime` is the package (here, its sources).
  await build({
    entryPoints: [join(ROOT, 'test/web/app_check.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    alias: { 'edgepro/runtime': join(ROOT, 'src/runtime/index.ts') },
    outfile: join(APP, 'app_check.js'),
    logLevel: 'warning',
  });
  await writeFile(join(APP, 'index.html'), '<!doctype html><meta charset="utf-8"><title>app check</title><script type="module" src="app_check.js"></script>\n');
  server = await serveDirectory(PUBLIC, { mounts: { 'app-check': APP } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('an app on TF.js opens a protected model in Chromium', () => {
  it('through the IOHandler and loadProtectedModel, on the backend it chose, with the unlocked model\'s predictions in Node', async () => {
    const samples = (JSON.parse(await readFile(join(PUBLIC, 'samples.json'), 'utf8')) as { samples: { pixels: string }[] }).samples.slice(0, COUNT);
    const pixels = samples.flatMap((s) => Array.from(Buffer.from(s.pixels, 'base64'), (b) => b / 255));
    const entry = fixture.bundles.model;
    const input: AppCheckInput = { bundle: `${entry.dir}/`, licence: entry.deviceLicence, deviceKey: fixture.demo.deviceKey, vendorKey: fixture.demo.vendorPublicKey, pixels, count: COUNT };

    // The unlocked model in Node, with the same licence.
    await initEngine();
    const key = async (file: string, kind: 'device-private' | 'vendor-public') => decodeKeyFile(await readFile(join(PUBLIC, file), 'utf8'), kind).key;
    const node = await loadProtectedModel(directorySource(join(PUBLIC, entry.dir)), {
      licence: await readFile(join(PUBLIC, entry.deviceLicence)),
      deviceKey: await key(fixture.demo.deviceKey, 'device-private'),
      vendorKey: await key(fixture.demo.vendorPublicKey, 'vendor-public'),
    });
    expect(node.isSealed && node.isUnlocked).toBe(true);
    const expected = await node.predict(Float32Array.from(pixels));
    node.dispose();

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}app-check/`);
    await page.waitForFunction(() => typeof (globalThis as { appCheck?: unknown }).appCheck === 'function');
    const result = await page.evaluate(async (arg) => {
      const run = (globalThis as unknown as { appCheck: (input: AppCheckInput) => Promise<AppCheckResult> }).appCheck;
      const base = new URL('../', location.href);
      const at = (p: string) => new URL(p, base).href;
      return run({ ...arg, bundle: at(arg.bundle), licence: at(arg.licence), deviceKey: at(arg.deviceKey), vendorKey: at(arg.vendorKey) });
    }, input);
    await page.close();
    expect(errors).toEqual([]);

    // The page's backend, before and after both loads: edgepro never switched it.
    expect(['cpu', 'webgl']).toContain(result.backend.chosen);
    expect(result.backend.afterHandler).toBe(result.backend.chosen);
    expect(result.backend.afterLoad).toBe(result.backend.chosen);
    expect(result.tensorsLeft).toBe(0);
    // The same predictions as the unlocked model in Node (wasm there, the page's backend here: float32 tolerance).
    expect(result.session.classes).toEqual(Array.from(expected.classes));
    for (const got of [result.session.probabilities, result.handler.probabilities]) {
      expect(got).toHaveLength(expected.probabilities.length);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - expected.probabilities[i]!)).toBeLessThan(1e-4);
    }
    expect(result.session.top.every((t, i) => t.length === 3 && t[0]!.class === result.session.classes[i])).toBe(true);
    // A real model: the digits are mostly right.
    const labels = samples.map((s) => (s as unknown as { label: number }).label);
    expect(result.session.classes.filter((c, i) => c === labels[i]).length).toBeGreaterThanOrEqual(17);
  }, 240_000);
});
