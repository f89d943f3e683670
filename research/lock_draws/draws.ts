/**
 * `tsx research/lock_draws/draws.ts --draws N [--variant NAME] [--attacks prune,greedy,finetune] [--out FILE]`
 *
 * Why do password draws differ? One LeNet-5 baseline on the embedded MNIST (8,000 / 2,000, seed 0), then N
 * WebCrypto password draws of the default scheme, each lock-trained as protect does (seed 0, 12 epochs), and per draw:
 * what the lock looks like (ranks of the drawn neurons, size of the locking values, dead units and distance of
 * released vs authorized activations at each lock point) and what the paper's attacks reach (pruning 10-70%, the
 * greedy zeroing search (and with `greedy`, the full greedy search of offsets) with 500 labels, plain fine-tuning as released with Adam 1e-3 at 1/5/10%). One JSON line per draw.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../src/engine/index.js';
import { sampleStratified, type Dataset } from '../../src/data/index.js';
import { buildLeNet5 } from '../../src/models/index.js';
import { deserializeModel, serializeModel } from '../../src/models/serialize.js';
import { evaluateClassifier, protectModel, trainClassifier, type ProtectOptions } from '../../src/train/index.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../../src/lock/lock_graph.js';
import { passwordLock, uniformBatchVectors } from '../../src/lock/vectors.js';
import { valueScales } from '../../src/lock/generate.js';
import { pruningAttack } from '../../src/attacks/prune.js';
import { greedyAttack } from '../../src/attacks/greedy.js';
import { tune } from '../../src/attacks/tune.js';
import { cloneLockable } from '../../src/models/serialize.js';
import type { LockableModel } from '../../src/models/types.js';
import type { Password } from '../../src/lock/password.js';
import { loadBenchData } from '../../bench/data.js';

const VARIANTS: Record<string, Omit<ProtectOptions, 'epochs' | 'seed'>> = {
  default: {},
};

const { values } = parseArgs({
  options: {
    draws: { type: 'string', default: '6' },
    variant: { type: 'string', default: 'default' },
    attacks: { type: 'string', default: 'prune,zeroing,finetune' },
    dataset: { type: 'string', default: 'mnist' },
    'lock-epochs': { type: 'string', default: '12' },
    out: { type: 'string' },
    options: { type: 'string' },
  },
});
const seed = 0;
const attacks = new Set(values.attacks!.split(','));
const variant = values.options ? (JSON.parse(values.options) as ProtectOptions) : VARIANTS[values.variant!];
if (!variant) throw new Error(`unknown variant ${values.variant}`);
const log = (s: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

await initEngine();
const { train, test } = await loadBenchData(values.dataset!, seed);

// The baseline, cached: every draw starts from the same trained LeNet-5.
const cache = `/tmp/lock_draws_baseline_${values.dataset}`;
let baseline: LockableModel;
if (existsSync(`${cache}/model.json`)) {
  const b = await deserializeModel(JSON.parse(readFileSync(`${cache}/model.json`, 'utf8')), readFileSync(`${cache}/weights.bin`), { lockPoints: ['pool1', 'pool2', 'fc1', 'fc2'] });
  baseline = { architecture: 'lenet5', model: b.model, lockPoints: b.lockPoints };
} else {
  baseline = buildLeNet5({ seed, ...(values.dataset === 'fashion' ? {} : {}) });
  trainClassifier(baseline.model, train, { epochs: 10, seed });
  const s = await serializeModel(baseline);
  mkdirSync(cache, { recursive: true });
  writeFileSync(`${cache}/model.json`, JSON.stringify(s.modelJson));
  writeFileSync(`${cache}/weights.bin`, s.weights);
}
const baselineAccuracy = evaluateClassifier(baseline.model, test).accuracy;
log(`baseline ${(100 * baselineAccuracy).toFixed(1)}%`);

/** Post-lock activations at every lock point, with `password` or none, on `ds`: [points][samples * size]. */
function lockPointActivations(lockable: LockableModel, ds: Dataset, password: Password | undefined): Float32Array[] {
  const graph = buildLockGraph(lockable);
  const outputs = lockable.lockPoints.map((p) => graph.model.getLayer(`${p.layer}_lock`).output as tfl.SymbolicTensor);
  const probe = tfl.model({ inputs: graph.model.inputs, outputs });
  const n = ds.y.length;
  return tf.tidy(() => {
    const xs = tf.tensor(ds.x, [n, ...ds.sampleShape]);
    const vectors = uniformBatchVectors(graph.points, n, password ? passwordLock(password, graph.points) : undefined);
    const raw = probe.predict([xs, ...vectors]) as tf.Tensor[];
    // Conv maps: mean over positions, so a channel is one number per sample.
    return raw.map((t, i) => tf.mean(tf.reshape(t, [n, -1, lockable.lockPoints[i]!.size]), 1).dataSync() as Float32Array);
  });
}

function lockFigures(lockable: LockableModel, password: Password, ds: Dataset) {
  const released = lockPointActivations(lockable, ds, undefined);
  const authorized = lockPointActivations(lockable, ds, password);
  const n = ds.y.length;
  return lockable.lockPoints.map((p, i) => {
    const rel = released[i]!;
    const auth = authorized[i]!;
    let dead = 0;
    let deadAuth = 0;
    for (let u = 0; u < p.size; u++) {
      let anyR = false;
      let anyA = false;
      for (let s = 0; s < n; s++) {
        if (rel[s * p.size + u]! > 0) anyR = true;
        if (auth[s * p.size + u]! > 0) anyA = true;
      }
      if (!anyR) dead++;
      if (!anyA) deadAuth++;
    }
    let diff = 0;
    let norm = 0;
    for (let k = 0; k < rel.length; k++) {
      diff += (rel[k]! - auth[k]!) ** 2;
      norm += auth[k]! ** 2;
    }
    return { layer: p.layer, deadReleased: r3(dead / p.size), deadAuthorized: r3(deadAuth / p.size), relativeDistance: r3(Math.sqrt(diff / Math.max(norm, 1e-12))) };
  });
}

const probeSet = sampleStratified(test, 500, seed + 5);
const greedySet = sampleStratified(train, 500, seed + 1);
const draws = Number(values.draws);
for (let d = 0; d < draws; d++) {
  const t0 = performance.now();
  const a = await protectModel(baseline, train, { ...variant, epochs: Number(values['lock-epochs']), seed, passwordRandomness: 'crypto' });
  const seconds: Record<string, number> = { lockTraining: r3(a.training.seconds) };
  const graph = buildLockGraph(a.protected);
  const authorized = accuracyOf(predictWithPassword(graph, test, a.password), test.y);
  const released = accuracyOf(predictWithPassword(graph, test, undefined), test.y);
  const keys = a.password.lockPoints.map((k) => {
    const ranking = a.ranking.find((r) => r.layer === k.layer)!;
    const scales = valueScales(ranking);
    return {
      layer: k.layer,
      ranks: k.neurons.map((n) => ranking.order.indexOf(n)),
      c: k.beta.map((b, i) => r3(b / scales[k.neurons[i]!]!)),
      meanRankShare: r3(k.neurons.reduce((s, n) => s + ranking.order.indexOf(n), 0) / k.neurons.length / k.size),
    };
  });
  const row: Record<string, unknown> = { variant: values.options ?? values.variant, draw: d, baselineAccuracy, authorized, released, keys, lock: lockFigures(a.protected, a.password, probeSet), password: a.password };
  log(`draw ${d}: authorized ${(100 * authorized).toFixed(1)} released ${(100 * released).toFixed(1)} (${seconds.lockTraining!.toFixed(0)} s)`);
  if (attacks.has('prune')) {
    const t = performance.now();
    const p = pruningAttack(a.protected, test, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    row.prune = p.map((x) => r3(x.accuracy));
    row.pruneMax = r3(Math.max(...p.map((x) => x.accuracy)));
    seconds.prune = r3((performance.now() - t) / 1000);
    log(`  prune max ${(100 * (row.pruneMax as number)).toFixed(1)}`);
  }
  if (attacks.has('zeroing')) {
    // Greedy zeroing: the greedy search with zero as its only value (the reference lock's attack).
    const t = performance.now();
    const g = greedyAttack(a.protected, a.password, greedySet, test, { multiples: [0] });
    row.zeroing = r3(g.accuracy);
    row.zeroingFound = `${g.neuronsFound}/${g.neuronsTotal}`;
    seconds.zeroing = r3((performance.now() - t) / 1000);
    log(`  greedy zeroing ${(100 * g.accuracy).toFixed(1)} (${seconds.zeroing} s)`);
  }
  if (attacks.has('greedy')) {
    const t = performance.now();
    const g = greedyAttack(a.protected, a.password, greedySet, test);
    row.greedy = r3(g.accuracy);
    row.greedyFound = `${g.neuronsFound}/${g.neuronsTotal}`;
    seconds.greedy = r3((performance.now() - t) / 1000);
    log(`  greedy ${(100 * g.accuracy).toFixed(1)} (${seconds.greedy} s)`);
  }
  if (attacks.has('finetune')) {
    const t = performance.now();
    const ft: Record<string, number> = {};
    for (const fraction of [0.01, 0.05, 0.1]) {
      const attacker = sampleStratified(train, { fraction }, seed + 1);
      const epochs = Math.max(30, Math.ceil(300 / Math.ceil(attacker.y.length / 32)));
      const copy = await cloneLockable(a.protected);
      tune(copy, attacker, { name: 'adam-0.001', optimizer: 'adam', learningRate: 0.001 }, { epochs, batchSize: 32, seed });
      ft[String(fraction)] = r3(evaluateClassifier(copy.model, test).accuracy);
      copy.model.dispose();
    }
    row.finetune = ft;
    row.finetuneMax = Math.max(...Object.values(ft));
    seconds.finetune = r3((performance.now() - t) / 1000);
    log(`  finetune ${JSON.stringify(ft)} (${seconds.finetune} s)`);
  }
  row.seconds = { ...seconds, total: r3((performance.now() - t0) / 1000) };
  if (values.out) appendFileSync(values.out, `${JSON.stringify(row)}\n`);
  a.protected.model.dispose();
}
