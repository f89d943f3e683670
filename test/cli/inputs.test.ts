import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInferInputs } from '../../src/cli/inputs.js';
import { catchAsync, encodeIdx, makeImages, tempDir } from '../data/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

describe('infer inputs: PNG, IDX and CSV told apart by their bytes', () => {
  it('reads an IDX images file (gzipped) with its labels, limited', async () => {
    const { images, labels } = makeImages(5, 28, 28);
    await writeFile(join(dir, 'imgs.gz'), gzipSync(images));
    await writeFile(join(dir, 'labels'), labels);
    const r = await readInferInputs([join(dir, 'imgs.gz')], [28, 28, 1], { labels: join(dir, 'labels'), limit: 3 });
    expect(r.items.map((i) => i.expected)).toEqual(['0', '1', '2']);
    expect(r.items[2]!.name).toMatch(/imgs\.gz#2$/);
    expect(r.x.length).toBe(3 * 784);
    expect(r.x[784 + 1]).toBeCloseTo(((1 * 31 + 1 * 7) % 256) / 255, 6);
  });

  it('reads CSV rows, the label column set aside; and PNGs beside them', async () => {
    await writeFile(join(dir, 'rows.csv'), 'a,b,kind\n1,2,yes\n3,4,no\n');
    const r = await readInferInputs([join(dir, 'rows.csv')], [2], { label: 'kind' });
    expect(Array.from(r.x)).toEqual([1, 2, 3, 4]);
    expect(r.items.map((i) => i.expected)).toEqual(['yes', 'no']);
    expect(r.items[1]!.name).toMatch(/rows\.csv:line 3$/);
    const png = new PNG({ width: 56, height: 56 });
    png.data.fill(255);
    await writeFile(join(dir, 'white.png'), PNG.sync.write(png));
    const p = await readInferInputs([join(dir, 'white.png'), join(dir, 'white.png')], [28, 28, 1], {});
    expect(p.items).toHaveLength(2);
    expect(p.notes.join(' ')).toMatch(/2 image\(s\) scaled.*28x28/);
    expect(p.notes.join(' ')).toMatch(/inverted/);
    expect(Math.max(...p.x)).toBeCloseTo(0, 6);
  });

  it('says what is wrong, naming the file', async () => {
    await writeFile(join(dir, 'wide.csv'), 'a,b,c\n1,2,3\n');
    const wide = await catchAsync(readInferInputs([join(dir, 'wide.csv')], [2], {}));
    expect(wide.code).toBe('ERR_INPUT_SHAPE');
    expect(wide.message).toMatch(/wide\.csv: rows of 3 numbers.*2 values/);
    await writeFile(join(dir, 'small-idx'), encodeIdx([2, 10, 10], new Uint8Array(200)));
    const small = await catchAsync(readInferInputs([join(dir, 'small-idx')], [28, 28, 1], {}));
    expect(small.code).toBe('ERR_INPUT_SHAPE');
    expect(small.message).toMatch(/small-idx.*\[10, 10\]/);
    await writeFile(join(dir, 'labels-only'), encodeIdx([3], [1, 2, 3]));
    expect((await catchAsync(readInferInputs([join(dir, 'labels-only')], [28, 28, 1], {}))).message).toMatch(/labels, not images; pass it with --labels/);
    await writeFile(join(dir, 'blob.bin'), Uint8Array.of(1, 2, 0, 4, 5));
    expect((await catchAsync(readInferInputs([join(dir, 'blob.bin')], [2], {}))).message).toMatch(/blob\.bin: not a PNG, IDX or CSV/);
    const missing = await catchAsync(readInferInputs([join(dir, 'nope.png')], [2], {}));
    expect(missing.code).toBe('ERR_FILE_NOT_FOUND');
    expect(missing.message).toMatch(/nope\.png/);
  });
});

describe('command-line constants', () => {
  it('--arch and --strategy list exactly the registry\'s architectures and the generator\'s strategies, from a module that imports nothing (parsing never loads TF.js)', async () => {
    const { ARCHITECTURE_NAMES, PASSWORD_STRATEGIES } = await import('../../src/util/names.js');
    const { ARCHITECTURES } = await import('../../src/models/registry.js');
    const { STRATEGY_SELECTION } = await import('../../src/lock/generate.js');
    expect([...ARCHITECTURE_NAMES].sort()).toEqual(Object.keys(ARCHITECTURES).sort());
    expect([...PASSWORD_STRATEGIES].sort()).toEqual(Object.keys(STRATEGY_SELECTION).sort());
    const source = readFileSync(join(__dirname, '../../src/util/names.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*(import|export .* from)\b/m);
  });
});
