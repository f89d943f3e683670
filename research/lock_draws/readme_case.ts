// The README's library snippet as far as protect: does a 2-epoch lock pass the audit? (and what does it cost)
import { initEngine } from '../../src/engine/index.js';
import { loadEmbeddedMnist, stratifiedSplit } from '../../src/data/index.js';
import { buildLeNet5 } from '../../src/models/index.js';
import { trainClassifier } from '../../src/train/index.js';
import { protect } from '../../src/owner/protect.js';
await initEngine();
const { train } = stratifiedSplit(loadEmbeddedMnist(), { testSize: 500, seed: 0 });
const lenet = buildLeNet5({ seed: 0 });
trainClassifier(lenet.model, train, { epochs: 2, seed: 0 });
const epochs = Number(process.argv[2] ?? 2);
try {
  const r = await protect(lenet, train, { epochs, seed: 0, seal: 'all' });
  console.log('lock s', r.lock.training.seconds.toFixed(1), JSON.stringify(r.lock.audit!.attempts.map((a) => ({ ...a, prune: Math.max(...a.prune.map((p) => p.accuracy)) }))));
} catch (e) {
  console.log('FAIL', (e as Error).message, JSON.stringify((e as { attempts?: unknown }).attempts));
}
