/**
 * `seal: 'auto'` (owner/auto_seal.ts): a table entry's partial seal for its architecture, all for every architecture
 * without one (today every architecture: the table is empty), all when an entry names a layer the model lacks, and all
 * for a model sealed without a lock. Plus the
 * library path: `sealModel(..., { seal: 'auto' })` seals every weight and says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { buildLeNet5, buildMlp, buildResNet, serializeModel } from '../../src/models/index.js';
import type { LockableModel } from '../../src/models/types.js';
import { MEASURED_PARTIAL_SEALS, autoSeal, autoSealSelection, autoSealWithoutLock } from '../../src/owner/auto_seal.js';
import { sealModel } from '../../src/owner/protect.js';
import { assembleBundle } from '../../src/bundle/assemble.js';

const made: LockableModel[] = [];
const keep = (m: LockableModel) => (made.push(m), m);

beforeAll(async () => {
  await initEngine();
});
afterAll(() => made.forEach((m) => m.model.dispose()));

describe('autoSeal', () => {
  it('no partial seal is measured to hold yet: the table is empty and auto seals LeNet-5 whole', () => {
    expect(Object.keys(MEASURED_PARTIAL_SEALS)).toEqual([]);
    expect(Object.isFrozen(MEASURED_PARTIAL_SEALS)).toBe(true);
    const choice = autoSeal(keep(buildLeNet5({ seed: 0 })));
    expect(choice).toEqual({ layers: 'all', measured: false, rule: 'no partial seal was measured to hold for lenet5: seal all' });
  });

  it("a table's entry: that partial seal, a copy of the entry", () => {
    const table = { lenet5: Object.freeze(['conv1', 'conv2', 'logits']) };
    const choice = autoSeal(keep(buildLeNet5({ seed: 0 })), table);
    expect(choice.layers).toEqual(['conv1', 'conv2', 'logits']);
    expect(choice.measured).toBe(true);
    expect(choice.rule).toContain('lenet5');
    expect(choice.layers).not.toBe(table.lenet5);
  });

  it('an architecture without a measured partial seal (mlp, resnet, an own model) is sealed whole', () => {
    const mlp = keep(buildMlp({ seed: 0 }));
    const resnet = keep(buildResNet({ seed: 0, inputShape: [8, 8, 1], widths: [4, 8] }));
    for (const model of [mlp, resnet, { ...mlp, architecture: 'custom' }]) {
      const choice = autoSeal(model);
      expect(choice, model.architecture).toEqual({ layers: 'all', measured: false, rule: expect.stringContaining(`no partial seal was measured to hold for ${model.architecture}`) });
      expect(autoSealSelection(choice)).toBe('all');
    }
  });

  it('a table entry naming a layer the model lacks falls back to all, naming the missing layer', () => {
    // An own model tagged lenet5 whose layers are an MLP's: it has a `logits` layer but no convs.
    const oddlyTagged = { ...keep(buildMlp({ seed: 1 })), architecture: 'lenet5' };
    const choice = autoSeal(oddlyTagged, { lenet5: ['conv1', 'conv2', 'logits'] });
    expect(choice.layers).toBe('all');
    expect(choice.measured).toBe(false);
    expect(choice.rule).toContain('conv1, conv2');
    expect(choice.rule).not.toContain('logits,');
    // A layer that exists but holds no weights (a pooling layer) is no layer to seal either.
    const lenet = keep(buildLeNet5({ seed: 0 }));
    expect(autoSeal(lenet, { lenet5: ['conv1', 'pool1'] }).layers).toBe('all');
    expect(autoSeal(lenet, { lenet5: ['conv1', 'fc2'] }).layers).toEqual(['conv1', 'fc2']);
    // An empty entry, or a table emptied by a maintainer, seals all.
    expect(autoSeal(lenet, { lenet5: [] }).layers).toBe('all');
    expect(autoSeal(lenet, {}).layers).toBe('all');
    // An inherited property is no entry.
    expect(autoSeal({ ...lenet, architecture: 'toString' }).layers).toBe('all');
  });

  it("an entry's choice is a selection assembleBundle takes, sealing exactly those layers' weights", async () => {
    const lenet = keep(buildLeNet5({ seed: 0 }));
    const assembled = await assembleBundle(await serializeModel(lenet), { seal: autoSealSelection(autoSeal(lenet, { lenet5: ['conv1', 'conv2', 'logits'] })) });
    expect(assembled.sealedWeights.sort()).toEqual(['conv1/bias', 'conv1/kernel', 'conv2/bias', 'conv2/kernel', 'logits/bias', 'logits/kernel']);
    expect(assembled.sealedBytes).toBeLessThan(assembled.weightBytes / 10);
  });

  it('without a lock, auto seals all', async () => {
    expect(autoSealWithoutLock()).toEqual({ layers: 'all', measured: false, rule: expect.stringContaining('no lock') });
    const lenet = keep(buildLeNet5({ seed: 0 }));
    const plain = await assembleBundle(await serializeModel(lenet), { seal: 'none' });
    const sealed = await sealModel(plain.bundle, { seal: 'auto' });
    expect(sealed.sealedBytes).toBe(sealed.weightBytes);
    expect(sealed.autoSeal?.layers).toBe('all');
    const byName = await sealModel(plain.bundle, { seal: ['conv1'] });
    expect(byName.autoSeal).toBeUndefined();
  });
});
