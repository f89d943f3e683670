import { initEngine } from '../../src/engine/index.js';
import { buildLeNet5 } from '../../src/models/index.js';
import { loadEmbeddedMnist, sampleStratified, stratifiedSplit } from '../../src/data/index.js';
import { protectModel, trainClassifier } from '../../src/train/index.js';
await initEngine();
const digits = sampleStratified(stratifiedSplit(loadEmbeddedMnist(), { testSize: 500, seed: 1 }).train, Number(process.argv[2] ?? 2000), 1);
const baseline = buildLeNet5({ seed: 3 });
trainClassifier(baseline.model, digits, { epochs: 3, batchSize: 32, seed: 3 });
const epochs = Number(process.argv[3] ?? 6);
const bs = Number(process.argv[4] ?? 32);
try {
  const r = await protectModel(baseline, digits, { epochs, batchSize: bs, seed: 3, passwordRandomness: 'seed', audit: { samples: 300, retries: 0, finetuneSteps: 150, greedyQueries: 150 } });
  console.log(JSON.stringify(r.audit!.attempts.map((a) => ({ ...a, prune: a.prune.map((p) => p.accuracy) }))));
} catch (e) {
  console.log('FAIL', JSON.stringify((e as { attempts: { prune: { accuracy: number }[] }[] }).attempts.map((a) => ({ ...a, prune: a.prune.map((p) => p.accuracy) }))));
}
