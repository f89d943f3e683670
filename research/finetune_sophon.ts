/**
 * `npx tsx research/finetune_sophon.ts --out DIR [--cache DIR] [--dataset mnist|fashion] [--seed 0] [--from protected|baseline]
 *   [--epochs 4] [--k 5] [--lambda 1] [--sim head|mix] [--every 1] [--loss kl|ice] [--inner-batch 32] [--probe 0.01,0.1]`
 *
 * Study of fine-tuning resistance, family "simulated fine-tuning during lock training" (SOPHON, Deng et al., IEEE S&P
 * 2024, "non-fine-tunable learning"), first-order (FOMAML-like). Not a product feature.
 *
 * Each outer step (every `--every` batches) copies the current weights into a shadow model (the released model: no
 * password), plays the attacker on it — one of the attack suite's recipes, re-initialising the dense head with
 * `--sim head` (the recipe that beats the default lock), any recipe with `--sim mix` — for `--k` optimiser steps on
 * true-labelled training samples, then takes the gradient of a "the fine-tuned copy stays bad" loss on a fresh batch
 * at the fine-tuned weights (`kl`: KL(uniform || prediction), SOPHON's stabler choice; `ice`: inverse cross-entropy
 * -log(1 - p_true)). First-order: that gradient is applied to the original weights as if it were theirs, scaled by
 * `--lambda` and added to the ordinary lock-training gradient of the same batch (src/train/lock_train.ts's loss:
 * locked samples with their true label, released ones with a random one, decoys). Gradients of layers the simulated
 * attacker re-initialised are dropped: they belong to fresh weights, not to the released ones.
 *
 * `--from protected` continues the default protection cached by `finetune_research.ts --family prepare` (same
 * password); `--from baseline` lock-trains the cached baseline with that password from the start. `--lambda 0` is
 * the control: plain lock training for the same epochs, timed in the same conditions.
 *
 * Writes the model to --out (model.json + weights.bin) and --out/info.json (accuracies, seconds, settings, per-epoch
 * log); attack it with `finetune_research.ts --family lock --protected DIR`. `--probe F,...` also fine-tunes it at
 * once with the two head re-initialisation recipes at those fractions (the attack's sampling, split and 30-epoch
 * budget, no recipe selection): a quick read before the full attack.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/index.js';
import { attackerSplit, loadBenchData, logLine as log } from './data.js';
import { gatherInputs, gatherLabels } from '../src/data/types.js';
import { loadModelDir, saveModelDir } from '../src/owner/model_dir.js';
import type { LockableModel } from '../src/models/types.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../src/lock/lock_graph.js';
import { validatePassword } from '../src/lock/password.js';
import { lockTrainingLoss } from '../src/train/lock_train.js';
import { cloneLockable } from '../src/models/serialize.js';
import { lockTrainingDefaults } from '../src/train/protect.js';
import { trainableVariables } from '../src/train/train.js';
import { crossEntropy } from '../src/train/loss.js';
import { outputsProbabilities } from '../src/models/outputs.js';
import { evaluateClassifier } from '../src/train/evaluate.js';
import { resolveOptimizerOptions, scheduledLearningRate } from '../src/train/optimizer.js';
import { DEFAULT_RECIPES, layersToReinit, reinitLayers, tune, type Recipe } from '../src/attacks/tune.js';
import { writeFileAtomic } from '../src/util/node_fs.js';
import { createRng, shuffleInPlace, type Rng } from '../src/util/rng.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    cache: { type: 'string', default: '/tmp/edgepro-ft-cache' },
    dataset: { type: 'string', default: 'mnist' },
    seed: { type: 'string', default: '0' },
    from: { type: 'string', default: 'protected' },
    epochs: { type: 'string', default: '4' },
    k: { type: 'string', default: '5' },
    lambda: { type: 'string', default: '1' },
    sim: { type: 'string', default: 'head' },
    every: { type: 'string', default: '1' },
    loss: { type: 'string', default: 'kl' },
    'inner-batch': { type: 'string', default: '32' },
    probe: { type: 'string' },
  },
});
if (!values.out) throw new Error('--out DIR is required');
const out = values.out;
const seed = Number(values.seed);
const epochs = Number(values.epochs);
const k = Number(values.k);
const lambda = Number(values.lambda);
const every = Number(values.every);
const innerBatch = Number(values['inner-batch']);
const badLossKind = values.loss!;
if (values.from !== 'protected' && values.from !== 'baseline') throw new Error(`--from protected|baseline, got ${values.from}`);
if (badLossKind !== 'kl' && badLossKind !== 'ice') throw new Error(`--loss kl|ice, got ${badLossKind}`);
if (![epochs, k, every, innerBatch].every((v) => Number.isInteger(v) && v >= 0) || every < 1 || innerBatch < 1 || !(lambda >= 0)) {
  throw new Error('--epochs, --k >= 0, --every, --inner-batch >= 1 integers and --lambda >= 0');
}
/** The simulated attacker's recipes: the two that beat the default lock (head re-initialisation), or all of them. */
const simRecipes: readonly Recipe[] =
  values.sim === 'head' ? DEFAULT_RECIPES.filter((r) => r.reinit === 'head') : values.sim === 'mix' ? DEFAULT_RECIPES : [];
if (simRecipes.length === 0) throw new Error(`--sim head|mix, got ${values.sim}`);

await initEngine();
const { train, test } = await loadBenchData(values.dataset!, seed);

const main: LockableModel = await loadModelDir(join(values.cache!, values.from));
const password = validatePassword(JSON.parse(readFileSync(join(values.cache!, 'password.json'), 'utf8')), main.lockPoints);
const graph = buildLockGraph(main);
const vars = trainableVariables(main.model);
// The shadow holds the simulated attacker's copy; same architecture, so its variables line up with `vars` by index.
const shadow = await cloneLockable(main);
const shadowVars = trainableVariables(shadow.model);
if (shadowVars.some((v, i) => v.shape.join() !== vars[i]!.shape.join())) throw new Error('shadow model does not line up');
const probabilities = outputsProbabilities(shadow.model);
// The default protection's lock-training settings (hardened: Adam 1e-3, cosine, decoys on 80% of released samples).
const lockOptions = { ...lockTrainingDefaults('hardened'), seed };
const lockLoss = lockTrainingLoss(graph, password, train, lockOptions);
const resolved = resolveOptimizerOptions(lockOptions);
if (resolved.weightDecay !== 0) throw new Error('this loop applies no weight decay; the hardened defaults have none');

/** Loss that is low when the fine-tuned copy is useless: KL(uniform || softmax) or -log(1 - p_true). */
function badLoss(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(logits);
    if (badLossKind === 'kl') return tf.sub(tf.neg(tf.mean(logP)), Math.log(logits.shape[1]!)) as tf.Scalar;
    const pTrue = tf.sum(tf.mul(tf.exp(logP), tf.oneHot(labels, logits.shape[1]!)), -1);
    return tf.neg(tf.mean(tf.log(tf.add(tf.sub(1, pTrue), 1e-6)))) as tf.Scalar;
  });
}

function randomBatch(rng: Rng, n: number): Int32Array {
  return new Int32Array(n).map(() => rng.int(train.y.length));
}

/**
 * One simulated fine-tuning: the attacker's k steps on a copy of the released weights, then the gradient of
 * `badLoss` at the fine-tuned weights (first-order: treated as the gradient at the original weights). Entries are
 * undefined for re-initialised layers. Also returns the copy's accuracy on the query batch (how far the attacker got).
 */
function simulateFineTuning(rng: Rng): { grads: (tf.Tensor | undefined)[]; bad: number; queryAccuracy: number } {
  vars.forEach((v, i) => shadowVars[i]!.assign(v));
  const recipe = simRecipes[rng.int(simRecipes.length)]!;
  const fresh = new Set<tf.Variable>();
  if (recipe.reinit) {
    for (const layer of layersToReinit(shadow, recipe.reinit)) for (const w of layer.trainableWeights) fresh.add(w.read() as tf.Variable);
    reinitLayers(shadow, recipe.reinit, rng.int(2 ** 31));
  }
  // The attacker's optimiser, fresh each time (as a thief starts); weight decay left out: negligible over k steps.
  const inner = recipe.optimizer === 'sgd' ? tf.train.momentum(recipe.learningRate, 0.9) : tf.train.adam(recipe.learningRate);
  for (let s = 0; s < k; s++) {
    const batch = randomBatch(rng, innerBatch);
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(shadow.model.apply(gatherInputs(train, batch), { training: true }) as tf.Tensor, gatherLabels(train, batch), probabilities),
      shadowVars,
    );
    inner.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    tf.dispose([value, grads]);
  }
  inner.dispose();
  const query = randomBatch(rng, innerBatch);
  const xs = gatherInputs(train, query);
  const ys = gatherLabels(train, query);
  const { value, grads } = tf.variableGrads(() => badLoss(shadow.model.apply(xs, { training: true }) as tf.Tensor, ys), shadowVars);
  const queryAccuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(shadow.model.apply(xs) as tf.Tensor, -1), ys), 'float32')).dataSync()[0]!);
  const bad = value.dataSync()[0]!;
  const aligned = shadowVars.map((v) => (fresh.has(v) ? undefined : grads[v.name]));
  for (const v of shadowVars) if (fresh.has(v)) grads[v.name]!.dispose();
  tf.dispose([value, xs, ys]);
  return { grads: aligned, bad, queryAccuracy };
}

const optimizer = tf.train.adam(resolved.learningRate);
const loopRng = createRng(seed);
// Its own stream, so that `--lambda 0` sees exactly the same lock-training batches as the runs it controls for.
const simRng = createRng(seed + 7);
const order = new Int32Array(train.y.length).map((_, i) => i);
const batchSize = 64;
const epochLog: Record<string, number>[] = [];
const started = performance.now();
let simSeconds = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  const epochStart = performance.now();
  (optimizer as unknown as { learningRate: number }).learningRate = scheduledLearningRate(resolved, epoch, epochs);
  const rng = loopRng.fork();
  shuffleInPlace(order, rng);
  let lockSum = 0;
  let badSum = 0;
  let queryAccSum = 0;
  let sims = 0;
  for (let b = 0; b * batchSize < order.length; b++) {
    const batch = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
    let sim: ReturnType<typeof simulateFineTuning> | undefined;
    if (lambda > 0 && b % every === 0) {
      const t = performance.now();
      sim = simulateFineTuning(simRng);
      simSeconds += (performance.now() - t) / 1000;
      badSum += sim.bad;
      queryAccSum += sim.queryAccuracy;
      sims++;
    }
    const { value, grads } = tf.variableGrads(() => lockLoss(batch, rng), vars);
    const named: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      const g = grads[v.name]!;
      const extra = sim?.grads[i];
      named[v.name] = extra ? tf.tidy(() => tf.add(g, tf.mul(extra, lambda))) : g;
      if (extra) g.dispose();
    });
    optimizer.applyGradients(Object.entries(named).map(([name, tensor]) => ({ name, tensor })));
    const loss = value.dataSync()[0]!;
    if (!Number.isFinite(loss)) throw new Error(`lock loss is ${loss} at epoch ${epoch + 1}, batch ${b + 1}`);
    lockSum += loss * batch.length;
    tf.dispose([value, named, ...(sim?.grads.filter((g) => g !== undefined) ?? [])]);
  }
  const row = {
    epoch: epoch + 1,
    lockLoss: lockSum / order.length,
    ...(sims > 0 ? { badLoss: badSum / sims, simulatedAttackerQueryAccuracy: queryAccSum / sims } : {}),
    authorized: accuracyOf(predictWithPassword(graph, test, password), test.y),
    released: accuracyOf(predictWithPassword(graph, test, undefined), test.y),
    seconds: (performance.now() - epochStart) / 1000,
  };
  epochLog.push(row);
  log(row);
}
const seconds = (performance.now() - started) / 1000;
optimizer.dispose();
shadow.model.dispose();

const settings = { dataset: values.dataset, seed, from: values.from, epochs, k, lambda, sim: values.sim, every, loss: badLossKind, innerBatch };
const info: Record<string, unknown> = {
  settings,
  authorizedAccuracy: accuracyOf(predictWithPassword(graph, test, password), test.y),
  releasedAccuracy: accuracyOf(predictWithPassword(graph, test, undefined), test.y),
  trainSeconds: seconds,
  simulationSeconds: simSeconds,
  epochs: epochLog,
};
mkdirSync(out, { recursive: true });
await saveModelDir(main, out);
log({ saved: out, ...info, epochs: undefined });

if (values.probe) {
  info.probe = [];
  for (const fraction of values.probe.split(',').map(Number)) {
    const { attacker, fit } = attackerSplit(train, fraction, seed);
    for (const recipe of DEFAULT_RECIPES.filter((r) => r.reinit === 'head')) {
      const copy = await cloneLockable(main);
      tune(copy, fit, recipe, { epochs: 30, batchSize: 32, seed });
      const row = { fraction, recipe: recipe.name, testAccuracy: evaluateClassifier(copy.model, test).accuracy };
      (info.probe as object[]).push(row);
      log(row);
      copy.model.dispose();
    }
  }
}
await writeFileAtomic(join(out, 'info.json'), JSON.stringify(info, null, 2));
