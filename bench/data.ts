/** The benchmarks' data: the embedded MNIST, or Fashion-MNIST from Debian's IDX files at the same budget. */
import { loadEmbeddedMnist, sampleStratified, stratifiedSplit, type Dataset } from '../src/data/index.js';
import { loadIdxDir } from '../src/data/files.js';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** `mnist`: the embedded 10,000 digits split 8,000 / 2,000; `fashion`: 8,000 training and 2,000 test images, stratified. */
export async function loadBenchData(dataset: string, seed: number): Promise<{ train: Dataset; test: Dataset; name: string }> {
  if (dataset === 'fashion') {
    const train = sampleStratified(await loadIdxDir(FASHION_DIR, { split: 'train' }), 8000, seed);
    const test = sampleStratified(await loadIdxDir(FASHION_DIR, { split: 'test' }), 2000, seed);
    return { train, test, name: 'fashion-mnist (8k/2k)' };
  }
  if (dataset !== 'mnist') throw new Error(`unknown dataset ${dataset} (mnist or fashion)`);
  return { ...stratifiedSplit(loadEmbeddedMnist(), { testSize: 2000, seed }), name: 'mnist-embedded' };
}
