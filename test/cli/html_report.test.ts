/**
 * `edgepro eval --html` and `edgepro attack --html` through the built CLI on a tiny model, then both pages opened in
 * Debian's Chromium (playwright-core): the SVG charts render, each chart has its table, and the page asks for nothing
 * beyond its own file:// URL. Screenshots go to test-results/eval-report.png and test-results/attack-report.png.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { runCli } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const RESULTS = resolve('test-results');
const DATA = ['--limit', '800', '--test-size', '200', '--seed', '0'];
let dir: string;
let browser: Browser;
const edgepro = (...args: string[]) => runCli(args, { cwd: dir });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
  dir = await mkdtemp(join(tmpdir(), 'edgepro-html-'));
  const train = await edgepro('train', '--arch', 'mlp', ...DATA, '--epochs', '2', '--out', 'base', '--quiet');
  expect(train.code, train.stderr).toBe(0);
  const protect = await edgepro('protect', '--no-audit', '--from', 'base', ...DATA, '--epochs', '1', '--seal', 'none', '--out', 'prot', '--quiet');
  expect(protect.code, protect.stderr).toBe(0);
  const [evaluated, attacked] = await Promise.all([
    edgepro('eval', 'prot', '--trials', '3', '--html', 'eval.html', '--json', 'eval.json', '--quiet'),
    edgepro('attack', 'all', '--model', 'prot', '--other', 'prot', '--fractions', '0.1', '--finetune-epochs', '1', '--ratios', '0.5', '--samples', '40', '--queries', '20', '--budget', '1000', '--report-only', '--html', 'attack.html', '--json', 'attack.json', '--quiet'),
  ]);
  expect(evaluated.code, evaluated.stderr).toBe(0);
  expect(attacked.code, attacked.stderr).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  await mkdir(RESULTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Opens the page, records every request, and measures what the SVG charts drew. */
async function render(file: string, screenshot: string) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  const url = pathToFileURL(join(dir, file)).href;
  await page.goto(url);
  const measured = await page.evaluate(() => {
    const sizes = (selector: string) => Array.from(document.querySelectorAll(selector), (e) => e.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height }));
    return {
      title: document.title,
      h1: document.querySelector('h1')?.textContent ?? '',
      svgs: sizes('svg'),
      rects: sizes('svg rect'),
      paths: sizes('svg path'),
      tables: document.querySelectorAll('table').length,
      figures: Array.from(document.querySelectorAll('figure'), (f) => f.nextElementSibling?.tagName ?? ''),
      scripts: document.querySelectorAll('script').length,
      text: document.body.innerText,
      scrollWidth: document.documentElement.scrollWidth,
    };
  });
  await page.screenshot({ path: join(RESULTS, screenshot), fullPage: true });
  await page.close();
  return { ...measured, requests, errors, url };
}

const nonEmpty = (boxes: { w: number; h: number }[]) => boxes.filter((b) => b.w > 0 && b.h > 0).length;
/** A path's geometry box leaves out its stroke: a horizontal line is drawn with a box 0 px high. */
const drawn = (boxes: { w: number; h: number }[]) => boxes.filter((b) => b.w > 0 || b.h > 0).length;

describe('--html reports', () => {
  it('eval --html: the protection bars as an SVG chart with a table, the level and the model lines, nothing fetched', async () => {
    const html = await readFile(join(dir, 'eval.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\//i);
    const json = JSON.parse(await readFile(join(dir, 'eval.json'), 'utf8')) as { authorizedAccuracy: number; seal: { bytes: number } };
    expect(json.seal.bytes).toBe(0);
    const r = await render('eval.html', 'eval-report.png');
    expect(r.requests).toEqual([r.url]);
    expect(r.errors).toEqual([]);
    expect(r.scripts).toBe(0);
    expect(r.title).toContain('protection report');
    expect(r.svgs.length).toBe(1);
    expect(nonEmpty(r.svgs)).toBe(1);
    // authorized, unauthorized, wrong mean/max, near-miss mean/max: one bar each.
    expect(nonEmpty(r.rects)).toBe(6);
    expect(r.figures).toEqual(['TABLE']);
    expect(r.text).toContain('lock alone');
    expect(r.text).toContain('wrong password, max');
    expect(r.text).toContain('near miss, mean');
    expect(r.text).toContain(`${(json.authorizedAccuracy * 100).toFixed(1)}%`);
    expect(r.text).toMatch(/password of \d+ neurons at \d+ lock points/);
    expect(r.scrollWidth).toBeLessThanOrEqual(1000);
  });

  it('attack --html: a chart and a table per attack, the yardsticks beside the attack, the verdicts and the level, nothing fetched', async () => {
    const html = await readFile(join(dir, 'attack.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\//i);
    const json = JSON.parse(await readFile(join(dir, 'attack.json'), 'utf8')) as { holds: boolean; attacks: { attack: string; holds: boolean }[] };
    const r = await render('attack.html', 'attack-report.png');
    expect(r.requests).toEqual([r.url]);
    expect(r.errors).toEqual([]);
    expect(r.scripts).toBe(0);
    expect(r.title).toContain('attack report');
    // finetune, prune, reverse, transfer: one chart each, each with its table under it.
    expect(r.svgs.length).toBe(4);
    expect(nonEmpty(r.svgs)).toBe(4);
    expect(r.figures).toEqual(['TABLE', 'TABLE', 'TABLE', 'TABLE']);
    expect(nonEmpty(r.rects)).toBeGreaterThanOrEqual(10);
    expect(drawn(r.paths)).toBeGreaterThanOrEqual(2); // the reverse attack's from-scratch and threshold lines
    for (const words of ['from scratch (control)', 'fine-tuned without pruning (control)', 'on a fresh model (control)', "B with A's password", 'lock alone']) expect(r.text).toContain(words);
    expect(r.text).toContain(json.holds ? 'holds against every attack' : 'does NOT hold');
    for (const a of json.attacks) expect(a.holds === true || a.holds === false).toBe(true);
    expect(r.text).toMatch(/holds|BROKEN/);
    expect(r.scrollWidth).toBeLessThanOrEqual(1000);
  });
});
