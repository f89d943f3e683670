/**
 * Writes the PNG digits of the README walk-through: one digit of each class from the embedded MNIST test split that
 * `edgepro train` and `protect` hold out by default (seed 0), so the model has never seen them. Odd classes are drawn
 * dark on white at 56x56, as a scan or a drawing would be: `edgepro infer` inverts and scales them.
 *
 *     npx tsx examples/digits/make.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { loadEmbeddedMnist } from '../../src/data/mnist.js';
import { stratifiedSplit } from '../../src/data/split.js';

const here = dirname(fileURLToPath(import.meta.url));
const { test } = stratifiedSplit(loadEmbeddedMnist(), { testSize: 2000, seed: 0 });
for (let label = 0; label < 10; label++) {
  const i = test.y.indexOf(label);
  const paper = label % 2 === 1;
  const size = paper ? 56 : 28;
  const png = new PNG({ width: size, height: size, colorType: 0, inputColorType: 6 });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = Math.round(test.x[i * 784 + Math.floor((y * 28) / size) * 28 + Math.floor((x * 28) / size)]! * 255);
      const g = paper ? 255 - v : v;
      png.data.set([g, g, g, 255], (y * size + x) * 4);
    }
  }
  writeFileSync(join(here, `digit-${label}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 6 }));
}
