/**
 * A drawing to a 28 x 28 MNIST-style input, the way the MNIST digits were made: the ink's bounding box is scaled
 * (aspect kept, area-averaged so strokes come out anti-aliased) to fit a 20 x 20 box, then placed in the 28 x 28
 * image so its centre of mass sits at the centre. A model trained on MNIST sees drawings framed as it saw its
 * training digits; feeding it the raw downscaled canvas (off-centre, any size) costs much of its accuracy.
 * Pure functions on arrays, no DOM, so they run in tests.
 */

export const SIDE = 28;
const BOX = 20;
/** Ink below this (0..1) is background noise, not part of the digit's bounding box. */
const INK_THRESHOLD = 0.1;

/** Weights of a 1-D area-averaging resample of `length` source pixels onto `outLength` pixels. */
function coverage(length: number, outLength: number): { first: number; weights: number[] }[] {
  const step = length / outLength;
  const rows: { first: number; weights: number[] }[] = [];
  for (let o = 0; o < outLength; o++) {
    const a = o * step;
    const b = (o + 1) * step;
    const first = Math.floor(a);
    const weights: number[] = [];
    for (let i = first; i < Math.ceil(b); i++) weights.push((Math.min(b, i + 1) - Math.max(a, i)) / step);
    rows.push({ first, weights });
  }
  return rows;
}

/**
 * Converts an ink image (`width * height` values in 0..1, row-major, 1 = ink) to the 784 inputs of an MNIST model,
 * in 0..1. Returns `undefined` when there is no ink to recognise.
 */
export function toMnistInput(ink: ArrayLike<number>, width: number, height: number): Float32Array | undefined {
  if (ink.length !== width * height) throw new RangeError(`ink has ${ink.length} values, expected ${width} x ${height}`);
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > INK_THRESHOLD) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0) return undefined;
  const boxW = right - left + 1;
  const boxH = bottom - top + 1;
  const scale = BOX / Math.max(boxW, boxH);
  const outW = Math.max(1, Math.round(boxW * scale));
  const outH = Math.max(1, Math.round(boxH * scale));
  const cols = coverage(boxW, outW);
  const rows = coverage(boxH, outH);
  const at = (x: number, y: number) => (x < boxW && y < boxH ? ink[(top + y) * width + left + x]! : 0);

  // Separable: columns first (boxH x outW), then rows (outH x outW).
  const narrow = new Float32Array(boxH * outW);
  for (let y = 0; y < boxH; y++) {
    cols.forEach(({ first, weights }, ox) => {
      let sum = 0;
      weights.forEach((w, k) => (sum += w * at(first + k, y)));
      narrow[y * outW + ox] = sum;
    });
  }
  const small = new Float32Array(outH * outW);
  rows.forEach(({ first, weights }, oy) => {
    for (let ox = 0; ox < outW; ox++) {
      let sum = 0;
      weights.forEach((w, k) => {
        const y = first + k;
        if (y < boxH) sum += w * narrow[y * outW + ox]!;
      });
      small[oy * outW + ox] = Math.min(1, sum);
    }
  });

  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const v = small[y * outW + x]!;
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  // Integer shift that puts the centre of mass nearest the image centre, kept inside the frame.
  const dx = Math.min(SIDE - outW, Math.max(0, Math.round(SIDE / 2 - cx / mass)));
  const dy = Math.min(SIDE - outH, Math.max(0, Math.round(SIDE / 2 - cy / mass)));
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) out[(y + dy) * SIDE + x + dx] = small[y * outW + x]!;
  }
  return out;
}

/** Centre of mass (x, y) of a 28 x 28 input in pixel indices; MNIST puts it at (14, 14), and so does {@link toMnistInput}. */
export function centreOfMass(input: ArrayLike<number>): { x: number; y: number } {
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = input[i]!;
    mass += v;
    cx += v * (i % SIDE);
    cy += v * Math.floor(i / SIDE);
  }
  return { x: cx / mass, y: cy / mass };
}
