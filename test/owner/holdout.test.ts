/** The held-out check of the library's evaluation and attack entry points. */
import { describe, expect, it } from 'vitest';
import { checkHeldOut, heldOutDifferences, holdoutRecord, parseHoldoutRecord, type HoldoutSource } from '../../src/owner/holdout.js';
import { protectionReport } from '../../src/eval/report.js';
import { fineTuneAttack } from '../../src/attacks/finetune.js';
import type { Dataset } from '../../src/data/types.js';

const source: HoldoutSource = { idx: null, csv: null, label: null, seed: 0 };
const record = holdoutRecord(source, 500, 'fp-a');
const test: Dataset = { name: 't', x: new Float32Array(500 * 4), y: new Int32Array(500), sampleShape: [2, 2, 1], numClasses: 10 };

describe('checkHeldOut', () => {
  it('passes the split protect held out, refuses another, and says when there is nothing to check against', () => {
    expect(checkHeldOut({ record, modelFingerprint: 'fp-a', source }, 500)).toBe(true);
    expect(heldOutDifferences({ record, modelFingerprint: 'fp-a', source: { ...source, seed: 1 } }, 400)).toEqual(['seed', 'testSamples']);
    expect(() => checkHeldOut({ record, modelFingerprint: 'fp-a', source: { ...source, seed: 1 } }, 500)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(checkHeldOut({ record: undefined, modelFingerprint: 'fp-a', source }, 500)).toBe(false);
    expect(checkHeldOut({ record, modelFingerprint: 'fp-b', source: { ...source, seed: 1 } }, 500)).toBe(false); // a record of other weights
    // IDX: the test split is its own file, so only the directory counts.
    const idx = holdoutRecord({ ...source, idx: '/data/fashion' }, 10000, 'fp-a');
    expect(checkHeldOut({ record: idx, modelFingerprint: 'fp-a', source: { ...source, idx: '/data/fashion', seed: 7 } }, 123)).toBe(true);
  });

  it('runs first in the evaluation and attack entry points: a wrong split is refused before any work', async () => {
    const wrong = { record, modelFingerprint: 'fp-a', source: { ...source, seed: 3 } };
    // The models are never touched: the check comes before them.
    expect(() => protectionReport(undefined as never, undefined as never, test, { heldOut: wrong })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await expect(fineTuneAttack(undefined as never, test, test, { heldOut: wrong })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('reads back the record protect writes, and nothing else', () => {
    expect(parseHoldoutRecord(JSON.stringify(record))).toEqual(record);
    expect(parseHoldoutRecord('not json')).toBeUndefined();
    expect(parseHoldoutRecord('null')).toBeUndefined();
    expect(parseHoldoutRecord(JSON.stringify({ ...record, version: 2 }))).toBeUndefined();
  });
});
