/**
 * The inputs of `edgepro infer`: PNG images, IDX image files and CSV rows, told apart by their first bytes (not their
 * names), each turned into model inputs of the model's sample shape.
 */
import { idxFromBytes, isPng, loadIdxFile, pngFromBytes, readInputFile } from '../data/files.js';
import { parseCsvFeatures } from '../data/csv.js';
import { isGzip, type IdxArray } from '../data/idx.js';
import { imageToSample } from '../data/image.js';
import { DataFormatError, InputShapeError } from '../util/errors.js';
import { UsageError } from './errors.js';

export interface InputFlags {
  /** CSV: the column holding the expected class (set aside, shown beside the prediction). */
  label?: string;
  /** IDX: a labels file for the (single) IDX images input. */
  labels?: string;
  /** IDX: only the first N images of each file. */
  limit?: number;
  invert?: 'auto' | 'yes' | 'no';
  /** False with --no-resize: a PNG of another size than the model's is an error instead of being scaled. */
  resize?: boolean;
}

export interface InferItem {
  /** `digit.png`, `t10k-images-idx3-ubyte#17`, `rows.csv:line 4`. */
  name: string;
  /** The expected class, when the input says (a CSV label column, an IDX labels file). */
  expected?: string;
}

export interface InferInputs {
  x: Float32Array;
  items: InferItem[];
  /** What was done to the inputs on the way (resized, inverted), one remark per kind. */
  notes: string[];
}

function idxImages(idx: IdxArray, per: number, limit: number | undefined): Float32Array[] {
  if (idx.dims.length === 1) throw new DataFormatError(`${idx.source}: this IDX file holds labels, not images; pass it with --labels`);
  if (idx.dims.length < 2) throw new DataFormatError(`${idx.source}: not an IDX images file (dimensions [${idx.dims.join(', ')}])`);
  const sample = idx.dims.slice(1).reduce((a, b) => a * b, 1);
  if (sample !== per) {
    throw new InputShapeError(`${idx.source}: images of shape [${idx.dims.slice(1).join(', ')}] (${sample} values) do not fit the model, which takes ${per} values per input`);
  }
  if (idx.dtype !== 'uint8' && idx.dtype !== 'float32' && idx.dtype !== 'float64') {
    throw new DataFormatError(`${idx.source}: image dtype ${idx.dtype} is not supported (uint8, float32 or float64)`);
  }
  const n = Math.min(idx.dims[0]!, limit ?? Infinity);
  const scale = idx.dtype === 'uint8' ? 1 / 255 : 1;
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const values = new Float32Array(per);
    for (let j = 0; j < per; j++) values[j] = idx.data[i * per + j]! * scale;
    out.push(values);
  }
  return out;
}

/** Reads every input file given to `infer` into one batch for a model taking `sampleShape`. */
export async function readInferInputs(paths: string[], sampleShape: readonly number[], flags: InputFlags): Promise<InferInputs> {
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const samples: Float32Array[] = [];
  const items: InferItem[] = [];
  let resized = 0;
  let inverted = 0;
  let idxFiles = 0;
  let expectedFromLabels: string[] | undefined;
  if (flags.labels !== undefined) {
    const labels = await loadIdxFile(flags.labels);
    if (labels.dims.length !== 1) throw new DataFormatError(`${flags.labels}: --labels needs an IDX labels file ([N]), found dimensions [${labels.dims.join(', ')}]`);
    expectedFromLabels = Array.from(labels.data, String);
  }
  for (const path of paths) {
    const bytes = await readInputFile(path, 'input file');
    if (isPng(bytes)) {
      const sample = imageToSample(pngFromBytes(bytes, path), sampleShape, {
        invert: flags.invert === 'yes' ? true : flags.invert === 'no' ? false : 'auto',
        resize: flags.resize !== false,
      });
      if (sample.resized) resized++;
      if (sample.inverted) inverted++;
      samples.push(sample.values);
      items.push({ name: path });
    } else if (isGzip(bytes) || (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0)) {
      const images = idxImages(await idxFromBytes(bytes, path), per, flags.limit);
      idxFiles++;
      if (expectedFromLabels && expectedFromLabels.length < images.length) {
        throw new DataFormatError(`${flags.labels}: ${expectedFromLabels.length} labels for ${images.length} images of ${path}`);
      }
      images.forEach((values, i) => {
        samples.push(values);
        items.push({ name: `${path}#${i}`, ...(expectedFromLabels ? { expected: expectedFromLabels[i]! } : {}) });
      });
    } else if (bytes.subarray(0, 512).includes(0)) {
      throw new DataFormatError(`${path}: not a PNG, IDX or CSV file`);
    } else {
      const text = new TextDecoder('utf-8').decode(bytes);
      const csv = parseCsvFeatures(text, { source: path, ...(flags.label !== undefined ? { label: flags.label } : {}) });
      if (csv.featureNames.length !== per) {
        throw new InputShapeError(`${path}: rows of ${csv.featureNames.length} numbers do not fit the model, which takes ${per} values per input${flags.label === undefined ? ' (name a label column with --label)' : ''}`);
      }
      for (let r = 0; r < csv.rows; r++) {
        samples.push(csv.x.slice(r * per, (r + 1) * per));
        items.push({ name: `${path}:line ${csv.lines[r]}`, ...(csv.labels ? { expected: csv.labels[r]! } : {}) });
      }
    }
  }
  if (flags.labels !== undefined && idxFiles !== 1) throw new UsageError('--labels goes with exactly one IDX images file');
  if (samples.length === 0) throw new UsageError('no inputs: name PNG images, IDX files or CSV files');
  const x = new Float32Array(samples.length * per);
  samples.forEach((s, i) => x.set(s, i * per));
  const notes: string[] = [];
  const [h, w] = sampleShape;
  if (resized > 0) notes.push(`${resized} image(s) scaled to the model's ${w}x${h}`);
  if (inverted > 0) notes.push(`${inverted} image(s) inverted (dark on light; the model reads light on dark; --invert no to keep them)`);
  return { x, items, notes };
}
