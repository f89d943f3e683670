/**
 * The README's library snippet runs as written: the first ```ts block under "## The library" (or a block marked
 * ```ts readme-test) is extracted, its package imports pointed at the sources, and run with tsx in a child process.
 * Also: the README's relative links resolve inside the repository, and it links nowhere outside it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The snippet: a block marked `readme-test`, else the first ```ts block after the "## The library" heading. */
function extractSnippet(markdown: string): string {
  const marked = /^```ts readme-test\n([\s\S]*?)^```/m.exec(markdown);
  if (marked) return marked[1]!;
  const at = markdown.search(/^## The library\s*$/m);
  if (at < 0) throw new Error('README.md has no "## The library" heading');
  const rest = markdown.slice(at);
  const next = rest.slice(1).search(/^## /m);
  const section = next < 0 ? rest : rest.slice(0, next + 1);
  const block = /^```ts\n([\s\S]*?)^```/m.exec(section);
  if (!block) throw new Error('no ```ts block under "## The library"');
  return block[1]!;
}

/** Points `edgepro`, `edgepro/node` and `edgepro/runtime` at the sources, relative to where the snippet is written. */
function rewriteImports(code: string, fromDir: string): string {
  const target = (path: string): string => {
    const rel = relative(fromDir, join(ROOT, path)).split('\\').join('/');
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  return code
    .replace(/from ['"]edgepro['"]/g, `from '${target('src/index.js')}'`)
    .replace(/from ['"]edgepro\/node['"]/g, `from '${target('src/node.js')}'`)
    .replace(/from ['"]edgepro\/runtime['"]/g, `from '${target('src/runtime/index.js')}'`);
}

describe('README.md', () => {
  it('extracts and rewrites the library snippet', () => {
    const code = rewriteImports(extractSnippet(README), join(ROOT, 'node_modules/.cache/edgepro-readme'));
    expect(code).toContain("from '../../../src/index.js'");
    expect(code).not.toMatch(/from ['"]edgepro/);
    for (const name of ['protect', 'writeBundle', 'issueLicence', 'loadProtectedModel', 'directorySource']) expect(code).toContain(name);
  });

  it('runs the library snippet as written: trains, protects, licenses, loads on the device, predicts', async () => {
    const dir = join(ROOT, 'node_modules/.cache/edgepro-readme');
    // .mts: node_modules/.cache has no package.json saying "type": "module", and the snippet uses top-level await.
    const file = join(dir, `snippet-${process.pid}.mts`);
    await mkdir(dir, { recursive: true });
    await writeFile(file, rewriteImports(extractSnippet(README), dir));
    try {
      const { stdout } = await run('npx', ['tsx', file], { cwd: ROOT, timeout: 110_000, env: { ...process.env, NODE_OPTIONS: '' } });
      // What the README says it prints.
      const baseline = /^baseline accuracy (0\.\d+)$/m.exec(stdout);
      const device = /^device accuracy (\d+)\/100$/m.exec(stdout);
      expect(baseline, stdout).not.toBeNull();
      expect(device, stdout).not.toBeNull();
      expect(Number(baseline![1])).toBeGreaterThan(0.8);
      expect(Number(device![1])).toBeGreaterThan(80); // the licence unlocked it: a locked or sealed model is at chance
    } finally {
      await rm(file, { force: true });
    }
  }, 120_000);

  it('links only inside the repository, to files that exist', () => {
    const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) {
      expect(link, link).not.toMatch(/^[a-z]+:/i);
      const path = link.split('#')[0]!;
      if (path === '') continue;
      const target = resolve(ROOT, path);
      expect(relative(ROOT, target).startsWith('..'), `${link} leaves the repository`).toBe(false);
      expect(existsSync(target), `${link} does not exist`).toBe(true);
    }
    expect(README).not.toContain('DESIGN.md');
    for (const doc of ['CLI.md', 'OWN_MODEL.md', 'RUNTIME.md', 'ONNX.md', 'FORMAT.md', 'PROTECTION.md', 'ATTACKS.md', 'UNLOCK.md', 'SECURITY.md', 'ARCHITECTURE.md']) {
      expect(README).toContain(`(docs/${doc})`);
    }
  });

  it('stays a short page for a newcomer', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(135);
  });
});
