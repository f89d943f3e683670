/**
 * Sealed ONNX models under onnxruntime-web in Debian's Chromium (playwright-core): the fixtures sealed and licensed
 * here, served on 127.0.0.1 beside onnxruntime-web's own files, opened by a page bundled from onnx_check.ts. The
 * sealed model's outputs must equal the original's in the browser, and match Node's. The runtime's load timings go
 * to test-results/onnx-chromium.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import * as ortWeb from 'onnxruntime-web';
import { serveDirectory } from '../web/static_server.js';
import { sealOnnxModel } from '../../src/owner/protect.js';
import { onnxFileReader, writeBundle } from '../../src/bundle/directory.js';
import { issueLicence } from '../../src/crypto/index.js';
import { FIXTURE_DIR, FIXTURE_MODELS, INPUTS } from './make_fixtures.js';
import type { OnnxCheckRequest, OnnxCheckResult } from './onnx_check.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const SITE = join(ROOT, '.cache/onnx-check');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const SAMPLES = 4;
const INPUT = Array.from({ length: SAMPLES * INPUTS }, (_, i) => Math.fround(Math.sin(i * 0.13) * 1.5));
const MODELS = FIXTURE_MODELS;

let browser: Browser;
let page: Page;
let server: { url: string; close: () => Promise<void> };
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run does)`);
  await rm(SITE, { recursive: true, force: true });
  await mkdir(join(SITE, 'original'), { recursive: true });
  for (const m of MODELS) for (const file of [m.name, ...m.externalData]) await copyFile(join(FIXTURE_DIR, file), join(SITE, 'original', file));
  // One owner key for both bundles, so one licence per bundle from it.
  const licences: Uint8Array[] = [];
  let contentKey: Uint8Array | undefined;
  for (const m of MODELS) {
    const sealed = await sealOnnxModel(new Uint8Array(await readFile(join(FIXTURE_DIR, m.name))), {
      readExternal: onnxFileReader(join(FIXTURE_DIR, m.name)),
      ...(contentKey !== undefined ? { contentKey } : {}),
      chunkBytes: 4096,
    });
    contentKey ??= sealed.contentKey;
    await writeBundle(sealed.bundle, join(SITE, 'sealed', m.name.replace('.onnx', '')));
    licences.push(await issueLicence(sealed.contentKey, { passphrase: 'correct horse', kdf: { name: 'pbkdf2-sha256', iterations: 1000 } }, { modelFingerprint: sealed.fingerprint }));
  }
  for (const [i, licence] of licences.entries()) await writeFile(join(SITE, `licence-${i}.licence`), licence);
  await build({ entryPoints: [join(ROOT, 'test/onnx/onnx_check.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', outfile: join(SITE, 'onnx_check.js'), logLevel: 'warning' });
  await writeFile(join(SITE, 'index.html'), '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="onnx_check.js"></script>\n');
  server = await serveDirectory(SITE, { mounts: { ort: join(ROOT, 'node_modules/onnxruntime-web/dist') } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.url);
  await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 60_000 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function nodeOutputs(name: string, externalData: string[], dims: number[]): Promise<number[]> {
  const session = await ortWeb.InferenceSession.create(new Uint8Array(await readFile(join(FIXTURE_DIR, name))), {
    externalData: await Promise.all(externalData.map(async (path) => ({ path, data: new Uint8Array(await readFile(join(FIXTURE_DIR, path))) }))),
  });
  const out = await session.run({ x: new ortWeb.Tensor('float32', Float32Array.from(INPUT), dims) });
  await session.release();
  return Array.from(out.probs!.data as Float32Array);
}

describe('sealed ONNX in Chromium with onnxruntime-web', () => {
  it('gives the original outputs, and refuses a wrong passphrase and no licence with their codes', async () => {
    const results: OnnxCheckResult[] = [];
    for (const [i, m] of MODELS.entries()) {
      const request: OnnxCheckRequest = {
        models: [{ name: m.name, sealed: `/sealed/${m.name.replace('.onnx', '')}/`, original: `/original/${m.name}`, externalData: m.externalData }],
        licence: `/licence-${i}.licence`,
        passphrase: 'correct horse',
        input: INPUT,
        dims: m.dims(SAMPLES),
      };
      results.push(await page.evaluate((r) => (globalThis as unknown as { onnxCheck: (r: OnnxCheckRequest) => Promise<OnnxCheckResult> }).onnxCheck(r), request));
    }
    expect(pageErrors).toEqual([]);
    await mkdir(join(ROOT, 'test-results'), { recursive: true });
    await writeFile(join(ROOT, 'test-results/onnx-chromium.json'), JSON.stringify(results.map((r) => ({ model: r.results[0]!.name, timings: r.results[0]!.timings })), null, 2));
    for (const [i, result] of results.entries()) {
      const m = MODELS[i]!;
      const [one] = result.results;
      expect(one!.sealed.length).toBe(SAMPLES * 10);
      expect(one!.sealed, m.name).toEqual(one!.original);
      const node = await nodeOutputs(m.name, m.externalData, m.dims(SAMPLES));
      one!.sealed.forEach((v, j) => expect(v).toBeCloseTo(node[j]!, 6));
      expect(result.wrongPassphrase).toBe('ERR_DECRYPTION_FAILED');
      expect(result.noLicence).toBe('ERR_SEALED');
    }
  });
});
