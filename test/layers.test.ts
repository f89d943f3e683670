/**
 * The layers of docs/ARCHITECTURE.md: each folder of src/ imports only from its own layer and the layers above it
 * (eval/ and attacks/ are one layer), and nothing in src/ imports research/, bench/, web/ or test/. A new folder of
 * src/ must be given its place here and in docs/ARCHITECTURE.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../src');
const ORDER = [['util'], ['engine'], ['data'], ['models'], ['lock'], ['train'], ['crypto'], ['bundle'], ['runtime'], ['owner'], ['eval', 'attacks'], ['cli']];
const RANK = new Map(ORDER.flatMap((layer, i) => layer.map((name) => [name, i] as const)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the layers of src/', () => {
  it('every folder has a place, and every import runs to the same layer or one above it', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    expect(folders.filter((f) => !RANK.has(f)), 'folders of src/ without a layer').toEqual([]);
    const wrong: string[] = [];
    let seen = 0;
    for (const file of files(SRC)) {
      const layer = relative(SRC, file).split('/');
      if (layer.length < 2) continue; // index.ts, node.ts: the entry points re-export every layer
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        seen++;
        const target = relative(SRC, resolve(dirname(file), spec!)).split('/');
        const ok = target[0] !== '..' && target.length > 1 && RANK.get(target[0]!)! <= RANK.get(layer[0]!)!;
        if (!ok) wrong.push(`${relative(SRC, file)} -> ${spec}`);
      }
    }
    expect(seen).toBeGreaterThan(300);
    expect(wrong).toEqual([]);
  });
});
