/**
 * `npx tsx research/seed_replay.ts PROTECTED_DIR [BASELINE_DIR] [--seed N]`
 *
 * Can a password be regenerated from the seed? Replays what `protect` does with a seed-derived password (ranking on
 * the seeded 200-sample draw of the embedded MNIST's seeded training split, then the hardened generator seeded with
 * seed + 7919) on the protected model's own neurons, and on a baseline the attacker retrained (with the defaults,
 * `edgepro train` repeats bit for bit), and scores each guess against the real password (opened with the owner key
 * beside PROTECTED_DIR). A password drawn from WebCrypto must not be replayable; one made
 * with `--reproducible-password` is, whenever the baseline can be retrained.
 */
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { loadEmbeddedMnist, sampleStratified, stratifiedSplit } from '../src/data/index.js';
import { loadModelDir } from '../src/owner/model_dir.js';
import { openProtected } from '../src/cli/protected_files.js';
import { rankNeurons } from '../src/lock/rank.js';
import { generatePassword } from '../src/lock/generate.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../src/lock/lock_graph.js';
import type { LockableModel } from '../src/models/types.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seed: { type: 'string', default: '0' } } });
const [dir, baselineDir] = positionals;
if (dir === undefined) throw new Error('usage: research/seed_replay.ts PROTECTED_DIR [BASELINE_DIR] [--seed N]');
const seed = Number(values.seed);
await initEngine();
// The protected model as lock-trained (its weights sealed by default), opened with the owner key beside it.
const owned = await openProtected(dir, `${dir}.owner.key`);
const locked = owned.lockable;
if (owned.password === undefined) throw new Error(`${dir} has no lock`);
const truth = owned.password;
const { train, test } = stratifiedSplit(loadEmbeddedMnist(), { testSize: 2000, seed });
const rankingSet = sampleStratified(train, 200, seed);
const graph = buildLockGraph(locked);

function replay(label: string, source: LockableModel): void {
  const guess = generatePassword(source, rankNeurons(source, rankingSet, { samples: 200 }), { strategy: 'hardened', seed: seed + 7919 });
  let right = 0;
  let exact = 0;
  guess.lockPoints.forEach((key, p) => {
    const real = truth.lockPoints[p]!;
    key.neurons.forEach((n, i) => {
      const j = real.neurons.indexOf(n);
      if (j < 0) return;
      right++;
      if (real.alpha[j] === key.alpha[i] && real.beta[j] === key.beta[i]) exact++;
    });
  });
  const total = truth.lockPoints.reduce((s, k) => s + k.neurons.length, 0);
  const accuracy = accuracyOf(predictWithPassword(graph, test, guess), test.y);
  console.log(`${label}: ${right}/${total} neurons right (${exact} with the exact values); accuracy with the replayed password ${(100 * accuracy).toFixed(1)}%`);
}

replay('replayed on the protected model', locked);
if (baselineDir !== undefined) replay('replayed on the retrained baseline', await loadModelDir(baselineDir));
console.log(`the real password: ${(100 * accuracyOf(predictWithPassword(graph, test, truth), test.y)).toFixed(1)}%; without: ${(100 * accuracyOf(predictWithPassword(graph, test, undefined), test.y)).toFixed(1)}%`);
