import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { classCounts, sampleLength, size, subset, toTensors, validateDataset, type Dataset } from '../../src/data/types.js';
import { DataFormatError, InvalidArgumentError } from '../../src/util/errors.js';
import { catchError, makeDataset } from './helpers.js';

beforeAll(async () => {
  tf.env().set('IS_TEST', true); // no "install tfjs-node" banner from the cpu backend
  await tf.setBackend('cpu');
});

describe('Dataset helpers', () => {
  it('size, sampleLength, classCounts', () => {
    const ds = makeDataset([3, 2, 4]);
    expect(size(ds)).toBe(9);
    expect(sampleLength(ds)).toBe(2);
    expect(Array.from(classCounts(ds))).toEqual([3, 2, 4]);
  });

  it('subset copies the chosen samples in order and keeps metadata', () => {
    const ds = { ...makeDataset([2, 2]), classNames: ['a', 'b'] };
    const sub = subset(ds, [3, 0, 3]);
    expect(Array.from(sub.y)).toEqual([1, 0, 1]);
    expect(Array.from(sub.x)).toEqual([3, 10, 0, 0, 3, 10]);
    expect(sub.classNames).toEqual(['a', 'b']);
    expect(sub.name).toBe('toy');
    sub.x[0] = 99;
    expect(ds.x[6]).toBe(3);
  });

  it('subset refuses an index out of range', () => {
    const error = catchError(() => subset(makeDataset([2]), [0, 2]));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('toTensors gives [n, ...sampleShape] float32 and int32 labels', () => {
    const ds: Dataset = {
      name: 'img',
      x: Float32Array.from({ length: 3 * 4 }, (_, i) => i / 12),
      y: Int32Array.from([2, 0, 1]),
      sampleShape: [2, 2, 1],
      numClasses: 3,
    };
    const all = toTensors(ds);
    expect(all.xs.shape).toEqual([3, 2, 2, 1]);
    expect(all.xs.dtype).toBe('float32');
    expect(all.ys.dtype).toBe('int32');
    expect(Array.from(all.ys.dataSync())).toEqual([2, 0, 1]);
    const some = toTensors(ds, [2]);
    expect(some.xs.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(some.xs.dataSync())).toEqual(Array.from(ds.x.subarray(8, 12)));
    tf.dispose([all.xs, all.ys, some.xs, some.ys]);
  });
});

describe('validateDataset', () => {
  it('accepts a consistent dataset', () => {
    expect(() => validateDataset(makeDataset([2, 3]))).not.toThrow();
  });

  const broken: [string, (ds: Dataset) => void][] = [
    ['x length', (ds) => (ds.x = ds.x.subarray(1))],
    ['y length', (ds) => (ds.y = ds.y.subarray(1))],
    ['NaN', (ds) => (ds.x[3] = NaN)],
    ['Infinity', (ds) => (ds.x[0] = Infinity)],
    ['label too large', (ds) => (ds.y[1] = 2)],
    ['negative label', (ds) => (ds.y[1] = -1)],
    ['bad sampleShape', (ds) => (ds.sampleShape = [0])],
    ['bad numClasses', (ds) => (ds.numClasses = 0)],
    ['classNames length', (ds) => (ds.classNames = ['only one'])],
  ];
  for (const [what, breakIt] of broken) {
    it(`rejects ${what} with a DataFormatError naming the dataset`, () => {
      const ds = makeDataset([2, 3], 'my-set');
      breakIt(ds);
      const error = catchError(() => validateDataset(ds));
      expect(error).toBeInstanceOf(DataFormatError);
      expect(error.code).toBe('ERR_DATA_FORMAT');
      expect(error.message).toContain('my-set');
    });
  }
});
