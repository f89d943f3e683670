/**
 * The data layer: datasets as flat typed arrays (→ tensors on demand), the embedded MNIST sample, IDX and CSV
 * parsers, deterministic seeded splits, and the Node-only file loaders (`files.ts`).
 */
export {
  type Dataset,
  size,
  sampleLength,
  classCounts,
  subset,
  toTensors,
  gatherInputs,
  gatherLabels,
  validateDataset,
} from './types.js';
export { DataFileNotFoundError } from './errors.js';
export { loadEmbeddedMnist } from './mnist.js';
export { stratifiedSplit, seededBatches, sampleStratified, type SplitOptions } from './split.js';
export {
  parseIdx,
  parseIdxAsync,
  maybeGunzip,
  isGzip,
  idxDataset,
  type IdxArray,
  type IdxDtype,
  type IdxTypedArray,
  type IdxDatasetOptions,
} from './idx.js';
export { parseCsv, parseCsvFeatures, type CsvOptions, type CsvFeatures } from './csv.js';
export { imageToSample, resizeArea, type RgbaImage, type ImageToSampleOptions, type ImageSample } from './image.js';
export { loadIdxDir, loadIdxFiles, loadIdxFile, loadCsvFile, loadCsvFeaturesFile, loadPngFile, pngFromBytes, isPng, type IdxDirOptions } from './files.js';
