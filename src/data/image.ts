/**
 * Decoded images (RGBA pixels) to model inputs. Isomorphic: the decoding itself happens elsewhere (a PNG decoder in
 * Node, a canvas in the browser); this module only turns pixels into the floats a classifier trained on MNIST-style
 * data expects.
 */
import { InputShapeError } from '../util/errors.js';

/** A decoded image: `width * height` pixels of 4 bytes (R, G, B, A), row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
  /** Where the pixels came from (a file name), for error messages. */
  source: string;
}

/** Options of {@link imageToSample}. */
export interface ImageToSampleOptions {
  /**
   * Light-on-dark is what MNIST-style models know. `auto` (default) inverts a grey image whose border is mostly light
   * (a dark digit drawn on white paper); `true`/`false` force it. Colour images are never inverted by `auto`.
   */
  invert?: 'auto' | boolean;
  /** Scale an image whose size differs from the model's (area averaging); default true. False: a size mismatch throws. */
  resize?: boolean;
}

/** One model input made from an image, and what was done to it on the way. */
export interface ImageSample {
  values: Float32Array;
  resized: boolean;
  inverted: boolean;
}

// --- internals ---

/** Per-pixel channels in 0..1, composited as documented on {@link imageToSample}. */
function toChannels(image: RgbaImage, channels: 1 | 3): Float32Array {
  const { width, height, data } = image;
  const n = width * height;
  let transparent = false;
  for (let i = 0; i < n; i++) {
    if (data[i * 4 + 3]! < 255) {
      transparent = true;
      break;
    }
  }
  const out = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    const r = data[i * 4]! / 255;
    const g = data[i * 4 + 1]! / 255;
    const b = data[i * 4 + 2]! / 255;
    const a = data[i * 4 + 3]! / 255;
    if (channels === 1) {
      // With transparency the drawing is what is opaque, whatever its colour: the ink is the opacity.
      out[i] = transparent ? a : 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      // Colour over a black background.
      out[i * 3] = r * a;
      out[i * 3 + 1] = g * a;
      out[i * 3 + 2] = b * a;
    }
  }
  return out;
}

/** Mean of the outermost ring of pixels (all channels). */
function borderMean(values: Float32Array, width: number, height: number, channels: number): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y !== 0 && y !== height - 1 && x !== 0 && x !== width - 1) continue;
      for (let c = 0; c < channels; c++) sum += values[(y * width + x) * channels + c]!;
      count += channels;
    }
  }
  return count === 0 ? 0 : sum / count;
}

/** Weights of the source cells [0, from) that output cell `o` of `to` covers (area averaging, exact overlaps). */
function coverage(o: number, from: number, to: number): { index: number; weight: number }[] {
  const scale = from / to;
  const start = o * scale;
  const end = (o + 1) * scale;
  const cells: { index: number; weight: number }[] = [];
  for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
    const overlap = Math.min(end, i + 1) - Math.max(start, i);
    if (overlap > 0) cells.push({ index: i, weight: overlap / scale });
  }
  return cells;
}

/** Area-average resampling of a `width x height x channels` image to `outWidth x outHeight`. */
export function resizeArea(values: Float32Array, width: number, height: number, channels: number, outWidth: number, outHeight: number): Float32Array {
  const out = new Float32Array(outWidth * outHeight * channels);
  const xs = Array.from({ length: outWidth }, (_, o) => coverage(o, width, outWidth));
  for (let oy = 0; oy < outHeight; oy++) {
    const ys = coverage(oy, height, outHeight);
    for (let ox = 0; ox < outWidth; ox++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (const { index: y, weight: wy } of ys) {
          for (const { index: x, weight: wx } of xs[ox]!) sum += values[(y * width + x) * channels + c]! * wy * wx;
        }
        out[(oy * outWidth + ox) * channels + c] = sum;
      }
    }
  }
  return out;
}

// --- public ---

/**
 * Turns an image into one input of a model taking `sampleShape` (`[height, width]` or `[height, width, 1|3]`),
 * values in 0..1. Grey models get the luminance (or, for an image with transparency, the opacity: the drawing is
 * what is opaque); colour models get RGB over black. An image of another size is area-averaged to the model's size
 * (its aspect ratio is not kept) unless `resize` is false. A model shape that is not an image, or a size mismatch
 * with `resize: false`, is an `InputShapeError` naming the image.
 *
 * @example
 * const { values } = imageToSample(await loadPngFile('seven.png'), [28, 28, 1]);
 */
export function imageToSample(image: RgbaImage, sampleShape: readonly number[], options: ImageToSampleOptions = {}): ImageSample {
  const [height, width, channels = 1] = sampleShape;
  if (sampleShape.length < 2 || sampleShape.length > 3 || height === undefined || width === undefined || (channels !== 1 && channels !== 3)) {
    throw new InputShapeError(`${image.source}: the model takes inputs of shape [${sampleShape.join(', ')}], not images (height, width, 1 or 3 channels)`);
  }
  if (image.data.length !== image.width * image.height * 4) {
    throw new InputShapeError(`${image.source}: ${image.data.length} bytes of pixels for a ${image.width}x${image.height} RGBA image`);
  }
  let values = toChannels(image, channels);
  const resized = image.width !== width || image.height !== height;
  if (resized) {
    if (options.resize === false) {
      throw new InputShapeError(`${image.source}: the image is ${image.width}x${image.height} but the model takes ${width}x${height}; scale it (or drop --no-resize)`);
    }
    values = resizeArea(values, image.width, image.height, channels, width, height);
  }
  const invertOption = options.invert ?? 'auto';
  const inverted = invertOption === 'auto' ? channels === 1 && borderMean(values, width, height, channels) > 0.5 : invertOption;
  if (inverted) for (let i = 0; i < values.length; i++) values[i] = 1 - values[i]!;
  return { values, resized, inverted };
}
