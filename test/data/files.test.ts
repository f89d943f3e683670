import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFileNotFoundError } from '../../src/data/errors.js';
import { loadCsvFile, loadIdxDir, loadIdxFiles } from '../../src/data/files.js';
import { validateDataset } from '../../src/data/types.js';
import { DataFormatError } from '../../src/util/errors.js';
import { catchAsync, makeImages, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const train = makeImages(30, 5, 4);
  const test = makeImages(10, 5, 4);
  await mkdir(join(dir, 'raw'));
  await writeFile(join(dir, 'raw', 'train-images-idx3-ubyte'), train.images);
  await writeFile(join(dir, 'raw', 'train-labels-idx1-ubyte'), train.labels);
  await writeFile(join(dir, 'raw', 't10k-images-idx3-ubyte'), test.images);
  await writeFile(join(dir, 'raw', 't10k-labels-idx1-ubyte'), test.labels);
  await mkdir(join(dir, 'gz'));
  await writeFile(join(dir, 'gz', 'train-images-idx3-ubyte.gz'), gzipSync(train.images));
  await writeFile(join(dir, 'gz', 'train-labels-idx1-ubyte.gz'), gzipSync(train.labels));
  await writeFile(join(dir, 'gz', 't10k-images.idx3-ubyte.gz'), gzipSync(test.images));
  await writeFile(join(dir, 'gz', 't10k-labels.idx1-ubyte'), test.labels);
  await mkdir(join(dir, 'half'));
  await writeFile(join(dir, 'half', 'train-images-idx3-ubyte'), train.images);
  await mkdir(join(dir, 'bad'));
  await writeFile(join(dir, 'bad', 'train-images-idx3-ubyte'), train.images.subarray(0, 100));
  await writeFile(join(dir, 'bad', 'train-labels-idx1-ubyte'), train.labels);
  await writeFile(join(dir, 'bad', 't10k-images-idx3-ubyte.gz'), gzipSync(test.images).subarray(0, 40));
  await writeFile(join(dir, 'bad', 't10k-labels-idx1-ubyte'), test.labels);
  await mkdir(join(dir, 'mismatch'));
  await writeFile(join(dir, 'mismatch', 'train-images-idx3-ubyte'), train.images);
  await writeFile(join(dir, 'mismatch', 'train-labels-idx1-ubyte'), test.labels);
  await writeFile(join(dir, 'iris.csv'), 'a,b,species\n1,2,x\n3,4,y\n');
  await writeFile(join(dir, 'broken.csv'), 'a,b,species\n1,2,x\n3,oops,y\n');
});

afterAll(async () => {
  await cleanup();
});

describe('loadIdxDir', () => {
  it('reads raw and gzipped splits alike', async () => {
    const rawTrain = await loadIdxDir(join(dir, 'raw'), { split: 'train' });
    const gzTrain = await loadIdxDir(join(dir, 'gz'), { split: 'train' });
    validateDataset(rawTrain);
    expect(rawTrain.name).toBe('raw/train');
    expect(rawTrain.y.length).toBe(30);
    expect(rawTrain.sampleShape).toEqual([5, 4, 1]);
    expect(gzTrain.x).toEqual(rawTrain.x);
    expect(gzTrain.y).toEqual(rawTrain.y);
    const rawTest = await loadIdxDir(join(dir, 'raw'), { split: 'test' });
    const gzTest = await loadIdxDir(join(dir, 'gz'), { split: 'test', name: 'named' });
    expect(rawTest.y.length).toBe(10);
    expect(gzTest.x).toEqual(rawTest.x);
    expect(gzTest.name).toBe('named');
  });

  it('reports a missing directory or file with ERR_FILE_NOT_FOUND naming the path', async () => {
    const missingDir = join(dir, 'nowhere');
    const noDir = await catchAsync(loadIdxDir(missingDir, { split: 'train' }));
    expect(noDir).toBeInstanceOf(DataFileNotFoundError);
    expect(noDir.code).toBe('ERR_FILE_NOT_FOUND');
    expect(noDir.message).toContain(missingDir);
    const noLabels = await catchAsync(loadIdxDir(join(dir, 'half'), { split: 'train' }));
    expect(noLabels.code).toBe('ERR_FILE_NOT_FOUND');
    expect(noLabels.message).toContain('train-labels-idx1-ubyte');
    const noTest = await catchAsync(loadIdxDir(join(dir, 'half'), { split: 'test' }));
    expect(noTest.message).toContain('t10k-images-idx3-ubyte');
    const noFile = await catchAsync(loadIdxFiles(join(dir, 'raw', 'nope-images'), join(dir, 'raw', 'train-labels-idx1-ubyte')));
    expect(noFile.code).toBe('ERR_FILE_NOT_FOUND');
    expect(noFile.message).toContain('nope-images');
  });

  it('reports truncated files, bad gzip and count mismatches as ERR_DATA_FORMAT naming the file', async () => {
    const truncated = await catchAsync(loadIdxDir(join(dir, 'bad'), { split: 'train' }));
    expect(truncated).toBeInstanceOf(DataFormatError);
    expect(truncated.code).toBe('ERR_DATA_FORMAT');
    expect(truncated.message).toContain('train-images-idx3-ubyte');
    const badGzip = await catchAsync(loadIdxDir(join(dir, 'bad'), { split: 'test' }));
    expect(badGzip.code).toBe('ERR_DATA_FORMAT');
    expect(badGzip.message).toContain('t10k-images-idx3-ubyte.gz');
    const mismatch = await catchAsync(loadIdxDir(join(dir, 'mismatch'), { split: 'train' }));
    expect(mismatch.code).toBe('ERR_DATA_FORMAT');
    expect(mismatch.message).toContain('train-labels-idx1-ubyte');
  });
});

describe('loadCsvFile', () => {
  it('reads a CSV file, naming the dataset after it', async () => {
    const ds = await loadCsvFile(join(dir, 'iris.csv'), { label: 'species' });
    expect(ds.name).toBe('iris.csv');
    expect(ds.classNames).toEqual(['x', 'y']);
    expect(Array.from(ds.x)).toEqual([1, 2, 3, 4]);
  });

  it('reports a missing file and a malformed one with their paths', async () => {
    const missing = join(dir, 'missing.csv');
    const notFound = await catchAsync(loadCsvFile(missing, { label: 'species' }));
    expect(notFound).toBeInstanceOf(DataFileNotFoundError);
    expect(notFound.code).toBe('ERR_FILE_NOT_FOUND');
    expect(notFound.message).toContain(missing);
    const broken = await catchAsync(loadCsvFile(join(dir, 'broken.csv'), { label: 'species' }));
    expect(broken.code).toBe('ERR_DATA_FORMAT');
    expect(broken.message).toContain(join(dir, 'broken.csv'));
    expect(broken.message).toContain('line 3');
  });
});
