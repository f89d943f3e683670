import { initEngine } from '../../engine/index.js';
import { loadEmbeddedMnist } from '../../data/mnist.js';
import { stratifiedSplit } from '../../data/split.js';
import { buildLeNet5 } from '../../models/lenet5.js';
import { evaluateClassifier, protectModel, trainClassifier } from '../../train/index.js';
import { protectionReport } from '../../eval/report.js';
import { serializeModel } from '../../models/serialize.js';
import { assembleBundle, type SealSelection } from '../../bundle/assemble.js';
import { loadProtectedModel } from '../../runtime/session.js';
import { EdgeProError } from '../../util/errors.js';
import { reverseAttack } from '../../attacks/reverse.js';
import { thiefView } from '../../attacks/thief.js';
import type { Dataset } from '../../data/types.js';
import type { LockableModel } from '../../models/types.js';
import type { Password } from '../../lock/password.js';
import { accuracyOf } from '../../lock/lock_graph.js';
import { Output, percent, table } from '../output.js';
import { trainingProgress } from '../progress.js';
import type { PipelineFlags } from './pipeline.js';

export async function runPipeline(flags: PipelineFlags): Promise<void> {
  const out = new Output(flags);
  const started = performance.now();
  await initEngine();
  const all = loadEmbeddedMnist();
  const { train, test } = stratifiedSplit(all, { testSize: 2000, seed: flags.seed });
  out.note(`data: ${all.name}, ${train.y.length} train / ${test.y.length} test samples`);

  const baseline = buildLeNet5({ seed: flags.seed });
  const baselineProgress = trainingProgress(out, 'baseline');
  trainClassifier(baseline.model, train, { epochs: flags.epochs, seed: flags.seed, onEvent: baselineProgress.onEvent });
  out.note(`baseline accuracy ${percent(evaluateClassifier(baseline.model, test).accuracy)}`);

  const lockProgress = trainingProgress(out, `lock-train (${flags.strategy})`);
  const { protected: protectedModel, password, audit } = await protectModel(baseline, train, {
    epochs: flags.lockEpochs,
    seed: flags.seed,
    // A demonstration that writes no model: its password comes from --seed so that the report repeats exactly.
    passwordRandomness: 'seed',
    password: { strategy: flags.strategy },
    audit: flags.audit === false ? false : {},
    onEvent: lockProgress.onEvent,
  });
  if (audit) {
    const a = audit.attempts.at(-1)!;
    out.info(
      `lock audit (${audit.heldOut} held-out training samples, ${audit.attempts.length} draw(s), ${audit.attempts.reduce((s, x) => s + x.seconds, 0).toFixed(1)} s): ` +
        `released ${percent(a.released)}, plain fine-tune ${percent(a.finetune.accuracy)}, pruning 10-70% max ${percent(Math.max(...a.prune.map((r) => r.accuracy)))}, greedy zeroing ${percent(a.greedy.accuracy)} (bar ${percent(a.bar)})`,
    );
  }

  out.note(`measuring: ${flags.trials} wrong and ${flags.trials} near-miss passwords`);
  const report = protectionReport(protectedModel, password, test, { baseline: baseline.model, trials: flags.trials, seed: flags.seed, datasetName: all.name });
  const seconds = (performance.now() - started) / 1000;

  out.info(
    table(
      ['', 'accuracy'],
      [
        ['baseline (unprotected)', percent(report.baselineAccuracy ?? Number.NaN)],
        ['authorized (password)', percent(report.authorizedAccuracy)],
        ['unauthorized (no password)', percent(report.unauthorizedAccuracy)],
        [`  most-predicted class share`, percent(report.unauthorizedTopClassShare)],
        [`wrong password, mean / max of ${report.trials}`, `${percent(report.wrongPasswordAccuracy.mean)} / ${percent(report.wrongPasswordAccuracy.max)}`],
        [`near miss, mean / max of ${report.trials}`, `${percent(report.nearMissAccuracy.mean)} / ${percent(report.nearMissAccuracy.max)}`],
      ],
    ),
  );
  out.info(`password: ${flags.strategy}, ${report.password.neurons} neurons at ${report.password.lockPoints} lock points`);

  out.note('the protection levels: each bundle loaded by a device with its key, copied without one, and attacked with ten labels');
  const levels = [];
  for (const [name, seal] of [['lock alone (the paper)', 'none'], ['lock + seal all (default)', 'all']] as const) {
    levels.push(await measureLevel(name, seal, protectedModel, password, train, test, flags.seed));
  }
  out.info(
    table(
      ['level', 'sealed', 'device, with licence', 'copied, no licence', 'thief, 10 labels: reverse attack / a fresh model', 'holds'],
      levels.map((l) => [l.level, `${percent(l.sealedShare)} of ${l.weightBytes} B`, percent(l.deviceAccuracy), l.copied, `${percent(l.tenLabelAttack)} / ${percent(l.tenLabelYardstick)}`, l.holds ? 'yes' : 'NO']),
    ),
  );
  const totalSeconds = (performance.now() - started) / 1000;
  out.info(`${totalSeconds.toFixed(0)} s in all; the whole attack suite: edgepro attack all (docs/ATTACKS.md)`);
  await out.result({ ...report, strategy: flags.strategy, audit: audit ?? null, levels, seconds: totalSeconds, reportSeconds: seconds });
}

/**
 * One protection level of the locked model, measured as its users meet it: the bundle opened by the runtime with the
 * owner key, a copy opened without any key, and the ten-label reverse attack on what a thief of that bundle holds.
 */
async function measureLevel(level: string, seal: SealSelection, locked: LockableModel, password: Password, train: Dataset, test: Dataset, seed: number) {
  const made = await assembleBundle(await serializeModel(locked), { seal, password });
  const device = await loadProtectedModel(made.bundle, { contentKey: made.contentKey });
  made.contentKey.fill(0);
  const deviceAccuracy = accuracyOf(await device.predictClass(test.x), test.y);
  device.dispose();
  let copied: string;
  try {
    const stolen = await loadProtectedModel(made.bundle);
    copied = `runs: ${percent(accuracyOf(await stolen.predictClass(test.x), test.y))}`;
    stolen.dispose();
  } catch (error) {
    if (!(error instanceof EdgeProError) || error.code !== 'ERR_SEALED') throw error;
    copied = 'refuses to load (sealed)';
  }
  const thief = await thiefView(locked, made.sealedWeights, seed);
  const attack = await reverseAttack(thief, password, train, test, { samples: 10, seed });
  thief.model.dispose();
  return { level, seal, sealedShare: made.sealedBytes / made.weightBytes, weightBytes: made.weightBytes, files: made.bundle.fileNames(), deviceAccuracy, copied, tenLabelAttack: attack.results.accuracy, tenLabelYardstick: Math.max(attack.scratch.accuracy, attack.control.accuracy), holds: attack.holds };
}
