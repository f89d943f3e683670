/**
 * runAttackSuite and selfContainedTarget, the one call the CLI's `attack` and bench:attacks make: a target made from
 * scratch with a never-trained lock is reported broken, and an attack the target cannot take is refused up front.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { stratifiedSplit } from '../../src/data/split.js';
import type { Dataset } from '../../src/data/types.js';
import { runAttackSuite, selfContainedTarget } from '../../src/attacks/suite.js';
import { syntheticImages } from '../helpers/synthetic.js';

let train: Dataset;
let test: Dataset;

beforeAll(async () => {
  await initEngine();
  ({ train, test } = stratifiedSplit(syntheticImages({ n: 300, size: 8, seed: 7 }), { testSize: 100, seed: 7 }));
});

describe('the attack suite as a library call', () => {
  it('a self-contained target (baseline, protected twice) whose lock was never trained and ships in the clear is broken', async () => {
    const phases = new Set<string>();
    const target = await selfContainedTarget(train, { architecture: 'mlp', epochs: 3, lockEpochs: 0, seal: 'none', transfer: true, seed: 3, onEvent: (phase) => phases.add(phase) });
    expect([...phases]).toEqual(['baseline', 'lock-train (hardened, seed 3)', 'lock-train (hardened, seed 4)']);
    expect(target.sealed).toEqual({ weights: 0, share: 0 });
    expect(target.password).toBeDefined();
    expect(target.other).toBeDefined();
    expect(target.topFraction).toBe(1);
    const suite = await runAttackSuite(target, train, test, { attacks: ['prune', 'transfer'], seed: 3, prune: { ratios: [0.3], finetuneEpochs: 1 } });
    expect(suite.results.map((r) => r.attack)).toEqual(['prune', 'transfer']);
    expect(Object.keys(suite.seconds)).toEqual(['prune', 'transfer']);
    // The thief holds the baseline's own weights: pruning leaves a working model.
    expect(suite.results[0]!.holds).toBe(false);
    expect(suite.holds).toBe(false);
  }, 120_000);

  it('sealed by default: the thief of the same target holds fresh weights only', async () => {
    const target = await selfContainedTarget(train, { architecture: 'mlp', epochs: 3, lockEpochs: 0, seed: 3 });
    expect(target.sealed.share).toBe(1);
    const baselineWeights = target.baseline!.model.getWeights()[0]!.dataSync();
    const stolenWeights = target.protected.model.getWeights()[0]!.dataSync();
    expect(Array.from(stolenWeights)).not.toEqual(Array.from(baselineWeights));
  }, 60_000);

  it('refuses reverse or transfer without a lock, and transfer without a second model, before any work', async () => {
    const target = await selfContainedTarget(train, { architecture: 'mlp', epochs: 1, lockEpochs: 0, seed: 5 });
    await expect(runAttackSuite({ ...target, password: undefined }, train, test, { attacks: ['reverse'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(runAttackSuite(target, train, test, { attacks: ['transfer'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  }, 60_000);
});
