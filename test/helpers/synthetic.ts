import type { Dataset } from '../../src/data/types.js';
import { createRng } from '../../src/util/rng.js';

/**
 * A small, learnable image dataset: class c is a bright square at a class-specific position plus noise.
 * Generated from a seed, so tests are fast and reproducible without any file.
 */
export function syntheticImages(options: { n: number; size?: number; numClasses?: number; seed?: number; name?: string }): Dataset {
  const side = options.size ?? 12;
  const numClasses = options.numClasses ?? 4;
  const rng = createRng(options.seed ?? 1);
  const per = side * side;
  const x = new Float32Array(options.n * per);
  const y = new Int32Array(options.n);
  const cells = Math.ceil(Math.sqrt(numClasses));
  const cell = Math.floor(side / cells);
  for (let i = 0; i < options.n; i++) {
    const c = i % numClasses;
    y[i] = c;
    const r0 = Math.floor(c / cells) * cell;
    const c0 = (c % cells) * cell;
    for (let p = 0; p < per; p++) x[i * per + p] = 0.15 * rng.next();
    for (let r = r0; r < r0 + cell; r++) for (let q = c0; q < c0 + cell; q++) x[i * per + r * side + q] = 0.6 + 0.4 * rng.next();
  }
  return { name: options.name ?? 'synthetic', x, y, sampleShape: [side, side, 1], numClasses };
}
