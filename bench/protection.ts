/**
 * `npm run bench:protection [-- --json FILE] [--schemes a,b] [--lock-epochs N] [--queries Q] [--dataset mnist|fashion] [--trace]`
 *
 * The hardening experiment of DESIGN.md, measured: one LeNet-5 baseline, then each lock scheme lock-trained from it,
 * and for each the protection report, the pruning attack, the greedy and whole-password searches, and lock-value
 * regression (from no lock, and from the search's find). Prints one line per scheme.
 * Slow (minutes per scheme): a benchmark, not a test.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { sampleStratified, type Dataset } from '../src/data/index.js';
import { buildLeNet5 } from '../src/models/index.js';
import { evaluateClassifier, protectModel, trainClassifier, type ProtectOptions } from '../src/train/index.js';
import { protectionReport } from '../src/eval/report.js';
import { pruningAttack } from '../src/attacks/prune.js';
import { greedyAttack } from '../src/attacks/greedy.js';
import { evolutionarySearch } from '../src/attacks/search.js';
import { lockRegressionAttack } from '../src/attacks/lock_regression.js';
import { gainGuesses, valueKind } from '../src/attacks/common.js';
import type { DecoyKind } from '../src/lock/decoys.js';
import { loadBenchData } from './data.js';

interface Scheme {
  name: string;
  describe: string;
  options: Omit<ProtectOptions, 'epochs' | 'seed'>;
}

const ALL: DecoyKind[] = ['partial', 'nearMiss', 'somePoints', 'sparseGuess', 'wrongNeurons', 'wrongValues', 'zeroKey', 'randomZero'];

const SCHEMES: Scheme[] = [
  { name: 'reference', describe: 'alpha 0 on 10%+1 of the top 30%, SGD 0.01, no decoys (the public code)', options: { password: { strategy: 'reference' }, decoyShare: 0 } },
  { name: 'nonzero', describe: 'hardened values and neurons, Adam 1e-3, no decoys', options: { password: { strategy: 'hardened' }, decoyShare: 0, optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'hardened', describe: 'hardened values and neurons, Adam 1e-3, decoys on 50% of released samples', options: { password: { strategy: 'hardened' }, decoyShare: 0.5, optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'hardened-fixed', describe: 'as hardened, one fixed random label per released training sample', options: { password: { strategy: 'hardened' }, decoyShare: 0.5, releasedLabels: 'fixed', optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'hardened-g10', describe: 'hardened values, gamma 0.1 from the whole ranking, decoys on 80% of released samples', options: { password: { strategy: 'hardened', gamma: 0.1, topFraction: 1 }, decoyShare: 0.8, optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'g10-fixed', describe: 'as hardened-g10, one fixed random label per released training sample', options: { password: { strategy: 'hardened', gamma: 0.1, topFraction: 1 }, decoyShare: 0.8, releasedLabels: 'fixed', optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'g10-d90', describe: 'as hardened-g10, decoys on 90% of released samples', options: { password: { strategy: 'hardened', gamma: 0.1, topFraction: 1 }, decoyShare: 0.9, optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'g10-sparse4', describe: 'as hardened-g10, sparse guesses drawn 4x as often as each other decoy', options: { password: { strategy: 'hardened', gamma: 0.1, topFraction: 1 }, decoyShare: 0.8, decoys: [...ALL, 'sparseGuess', 'sparseGuess', 'sparseGuess'], optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'g15', describe: 'as hardened-g10 with gamma 0.15', options: { password: { strategy: 'hardened', gamma: 0.15, topFraction: 1 }, decoyShare: 0.8, optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'gain', describe: 'gains: alpha uniform in [2, 4], beta 0, neurons as hardened-g10, decoys on 80%', options: { password: { strategy: 'random', gamma: 0.1, topFraction: 1, alphaMin: 2, alphaMax: 4, betaMin: 0, betaMax: 0 }, decoyShare: 0.8, optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'gain-neg', describe: 'negative gains: alpha uniform in [-4, -2], beta 0, otherwise as gain', options: { password: { strategy: 'random', gamma: 0.1, topFraction: 1, alphaMin: -4, alphaMax: -2, betaMin: 0, betaMax: 0 }, decoyShare: 0.8, optimizer: 'adam', learningRate: 1e-3 } },
  { name: 'hardened-d80', describe: 'as hardened, decoys on 80% of released samples', options: { password: { strategy: 'hardened' }, decoyShare: 0.8, decoys: ALL, optimizer: 'adam', learningRate: 1e-3 } },
];

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    schemes: { type: 'string' },
    'lock-epochs': { type: 'string', default: '8' },
    epochs: { type: 'string', default: '10' },
    queries: { type: 'string', default: '4000' },
    dataset: { type: 'string', default: 'mnist' },
    seed: { type: 'string', default: '0' },
    'lock-layers': { type: 'string' },
    trace: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;


await initEngine();
const { train, test, name } = await loadBenchData(values.dataset!, seed);
const chosen = values.schemes ? SCHEMES.filter((s) => values.schemes!.split(',').includes(s.name)) : SCHEMES;
const baseline = buildLeNet5({ seed });
if (values['lock-layers']) {
  const names = values['lock-layers'].split(',');
  baseline.lockPoints = baseline.lockPoints.filter((p) => names.includes(p.layer));
}
trainClassifier(baseline.model, train, { epochs: Number(values.epochs), seed });
const baselineAccuracy = evaluateClassifier(baseline.model, test).accuracy;
console.log(`${name}: baseline LeNet-5 ${pct(baselineAccuracy)}`);
const attacker = sampleStratified(train, 500, seed + 1);
const rows: Record<string, unknown>[] = [];
for (const scheme of chosen) {
  const t0 = performance.now();
  const { protected: locked, password } = await protectModel(baseline, train, { ...scheme.options, epochs: Number(values['lock-epochs']), seed, passwordRandomness: 'seed' });
  const trainSeconds = (performance.now() - t0) / 1000;
  const report = protectionReport(locked, password, test, { baseline: baseline.model, trials: 100, seed });
  const prune = pruningAttack(locked, test, [0.1, 0.3, 0.5, 0.7, 0.9]);
  // --trace: the greedy search's accepted steps on stderr, to see what opens the model.
  const trace = values.trace
    ? (label: string) => (st: { layer: string; neuron: number; alpha: number; beta: number; accuracy: number; queries: number }) =>
        process.stderr.write(`${scheme.name} ${label}: ${st.layer}[${st.neuron}] alpha ${st.alpha} beta ${st.beta.toFixed(3)} -> ${pct(st.accuracy)} after ${st.queries} queries\n`)
    : undefined;
  const greedy = greedyAttack(locked, password, attacker, test, { maxQueries: Number(values.queries), onStep: trace?.('greedy') });
  const search = evolutionarySearch(locked, password, attacker, test, { seed });
  const kind = valueKind(password);
  // Lock-value regression (gradient on every neuron's lock): from no lock, and polishing the offset search's find.
  const regression = lockRegressionAttack(locked, attacker, test, { seed });
  const polished = lockRegressionAttack(locked, attacker, test, { seed, init: search.found });
  // Against gains (beta 0) the attacker also tries gains of the key's kind.
  const greedyGain = kind === 'gain' ? greedyAttack(locked, password, attacker, test, { maxQueries: Number(values.queries), gains: gainGuesses(password), onStep: trace?.('greedy with gains') }) : undefined;
  const row = { scheme: scheme.name, describe: scheme.describe, trainSeconds, ...report, prune, greedy, search, greedyGain, regression: regression.accuracy, polished: polished.accuracy };
  rows.push(row);
  console.log(
    `${scheme.name}: authorized ${pct(report.authorizedAccuracy)}, unauthorized ${pct(report.unauthorizedAccuracy)} (top class ${pct(report.unauthorizedTopClassShare)}), ` +
      `wrong max ${pct(report.wrongPasswordAccuracy.max)}, near-miss mean/max ${pct(report.nearMissAccuracy.mean)}/${pct(report.nearMissAccuracy.max)}, ` +
      `prune ${prune.map((p) => `${p.ratio}:${pct(p.accuracy)}`).join(' ')}, greedy ${pct(greedy.accuracy)} (${greedy.queries} queries, ${greedy.neuronsFound}/${greedy.neuronsTotal} found), ` +
      `whole-password search ${pct(search.accuracy)} (${search.neuronsFound}/${search.neuronsTotal} found), ` +
      (greedyGain ? `greedy with gains ${pct(greedyGain.accuracy)} (${greedyGain.neuronsFound} found), ` : '') +
      `lock regression ${pct(regression.accuracy)}, from the search's find ${pct(polished.accuracy)}, ` +
      `${report.password.neurons} neurons, lock training ${trainSeconds.toFixed(0)} s`,
  );
}
if (values.json) {
  const tmp = `${values.json}.tmp`;
  writeFileSync(tmp, JSON.stringify({ dataset: name, baselineAccuracy, rows }, null, 2));
  renameSync(tmp, values.json);
}
