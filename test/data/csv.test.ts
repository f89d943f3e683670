import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { validateDataset } from '../../src/data/types.js';
import { DataFormatError, InvalidArgumentError } from '../../src/util/errors.js';
import { catchError } from './helpers.js';

const SRC = 'data/iris-mini.csv';

function expectCsvError(text: string, options: { label?: string; delimiter?: string } = {}): string {
  const error = catchError(() => parseCsv(text, { label: options.label ?? 'y', source: SRC, ...(options.delimiter ? { delimiter: options.delimiter } : {}) }));
  expect(error).toBeInstanceOf(DataFormatError);
  expect(error.code).toBe('ERR_DATA_FORMAT');
  expect(error.message).toContain(SRC);
  return error.message;
}

describe('parseCsv', () => {
  it('reads numeric features and string labels (sorted into classNames)', () => {
    const text = 'sepal,species,petal\n5.1,setosa,1.4\n7.0,versicolor,4.7\n\n6.3,virginica,6.0\n4.9,setosa,1.4\n';
    const ds = parseCsv(text, { label: 'species', source: SRC });
    validateDataset(ds);
    expect(ds.name).toBe('iris-mini.csv');
    expect(ds.sampleShape).toEqual([2]);
    expect(ds.featureNames).toEqual(['sepal', 'petal']);
    expect(ds.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(ds.numClasses).toBe(3);
    expect(Array.from(ds.y)).toEqual([0, 1, 2, 0]);
    expect(Array.from(ds.x)).toEqual([5.1, 1.4, 7.0, 4.7, 6.3, 6.0, 4.9, 1.4].map(Math.fround));
  });

  it('takes integer labels as class indices', () => {
    const ds = parseCsv('a,y\n1,2\n2,0\n3,4\n', { label: 'y', source: SRC });
    expect(Array.from(ds.y)).toEqual([2, 0, 4]);
    expect(ds.numClasses).toBe(5);
    expect(ds.classNames).toBeUndefined();
  });

  it('sorts numeric non-index labels numerically', () => {
    const ds = parseCsv('a,y\n1,10\n2,-1\n3,2.5\n4,10\n', { label: 'y', source: SRC });
    expect(ds.classNames).toEqual(['-1', '2.5', '10']);
    expect(Array.from(ds.y)).toEqual([2, 0, 1, 2]);
  });

  it('handles quotes, escaped quotes, quoted newlines, CRLF, a BOM, blank lines and another delimiter', () => {
    const text = '\ufeff"f 1";"label"\r\n"1,5";"say ""hi"""\r\n\r\n  \r\n2;"two\r\nlines"\r\n" 3 ";plain\r\n';
    const ds = parseCsv(text.replace('"1,5"', '1.5'), { label: 'label', source: SRC, delimiter: ';' });
    expect(ds.featureNames).toEqual(['f 1']);
    expect(Array.from(ds.x)).toEqual([1.5, 2, 3]);
    expect(ds.classNames).toEqual(['plain', 'say "hi"', 'two\r\nlines']);
    const comma = parseCsv('x,"lab,el"\n1,"a,b"\n2,c', { label: 'lab,el', source: SRC });
    expect(comma.classNames).toEqual(['a,b', 'c']);
  });

  it('names the line and column of a non-numeric cell', () => {
    const message = expectCsvError('a,b,y\n1,2,0\n\n3,abc,1\n');
    expect(message).toContain('line 4');
    expect(message).toContain('column 2');
    expect(message).toContain('"b"');
  });

  it('counts lines inside quoted fields', () => {
    const message = expectCsvError('a,y\n1,"x\ny"\nnope,z\n');
    expect(message).toContain('line 4');
  });

  it('rejects an empty cell, a ragged row, a missing label column, an empty file, no rows, no features', () => {
    expect(expectCsvError('a,y\n,1\n')).toContain('line 2');
    expect(expectCsvError('a,b,y\n1,2,0\n1,2\n')).toContain('line 3');
    expect(expectCsvError('a,b,y\n1,2,0,9\n')).toContain('line 2');
    expect(expectCsvError('a,b,c\n1,2,0\n', { label: 'species' })).toContain('species');
    expectCsvError('');
    expectCsvError('\n\n  \n');
    expectCsvError('a,y\n');
    expectCsvError('y\n1\n2\n');
  });

  it('rejects an unterminated quote, junk after a quote, an empty label, duplicate or empty column names', () => {
    expect(expectCsvError('a,y\n1,"open\n2,3\n')).toContain('line 2');
    expectCsvError('a,y\n1,"x"z\n');
    expect(expectCsvError('a,y\n1,0\n2,\n')).toContain('line 3');
    expectCsvError('a,a,y\n1,2,0\n');
    expectCsvError('a,,y\n1,2,0\n');
    expectCsvError('a,y\n1,1000000\n');
    expectCsvError('a,y\n1,0\nInfinity,1\n');
  });

  it('refuses a bad delimiter', () => {
    const error = catchError(() => parseCsv('a,y\n1,0\n', { label: 'y', source: SRC, delimiter: '"' }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
  });
});
