import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { buildLeNet5 } from '../../src/models/index.js';
import { loadEmbeddedMnist, sampleStratified, stratifiedSplit } from '../../src/data/index.js';
import { protectModel, trainClassifier } from '../../src/train/index.js';
import type { LockableModel } from '../../src/models/types.js';

beforeAll(async () => {
  await initEngine();
});

const digits = sampleStratified(stratifiedSplit(loadEmbeddedMnist(), { testSize: 500, seed: 1 }).train, 2000, 1);
const probe = { samples: 300, retries: 0, finetuneSteps: 150, greedyQueries: 150 };

let baseline: LockableModel;
beforeAll(() => {
  baseline = buildLeNet5({ seed: 3 });
  trainClassifier(baseline.model, digits, { epochs: 3, batchSize: 32, seed: 3 });
});

describe('the lock audit', () => {
  it('fails a model lock-trained for 0 epochs, with a typed error and every attempt', async () => {
    const run = protectModel(baseline, digits, { epochs: 0, seed: 3, passwordRandomness: 'seed', audit: probe });
    await expect(run).rejects.toMatchObject({ code: 'ERR_LOCK_AUDIT' });
    const error = (await run.catch((e: unknown) => e)) as { attempts: { released: number; passes: boolean }[] };
    expect(error.attempts).toHaveLength(1);
    expect(error.attempts[0]!.released).toBeGreaterThan(0.5);
    expect(error.attempts[0]!.passes).toBe(false);
  });

  it('passes a lock-trained model, and reports each probe', async () => {
    const result = await protectModel(baseline, digits, { epochs: 15, batchSize: 32, seed: 3, passwordRandomness: 'seed', audit: probe });
    const report = result.audit!.attempts.at(-1)!;
    expect(report.passes).toBe(true);
    expect(result.audit!.heldOut).toBe(300);
    expect(report.attackSamples + report.scoreSamples).toBe(300);
    expect(report.finetune.accuracy).toBeLessThanOrEqual(0.2);
    expect(report.greedy.accuracy).toBeLessThanOrEqual(0.2);
    expect(report.prune).toHaveLength(7);
    expect(report.worst).toBe(Math.max(report.released, report.finetune.accuracy, report.greedy.accuracy, ...report.prune.map((p) => p.accuracy)));
  });
});
