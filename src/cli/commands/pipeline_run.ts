import { initEngine } from '../../engine/index.js';
import { loadEmbeddedMnist } from '../../data/mnist.js';
import { stratifiedSplit } from '../../data/split.js';
import { buildLeNet5 } from '../../models/lenet5.js';
import { evaluateClassifier, protectModel, trainClassifier } from '../../train/index.js';
import { protectionReport } from '../../eval/report.js';
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
  const { protected: protectedModel, password } = await protectModel(baseline, train, {
    epochs: flags.lockEpochs,
    seed: flags.seed,
    // A demonstration that writes no model: its password comes from --seed so that the report repeats exactly.
    passwordRandomness: 'seed',
    password: { strategy: flags.strategy },
    onEvent: lockProgress.onEvent,
  });

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
  out.info(`password: ${flags.strategy}, ${report.password.neurons} neurons at ${report.password.lockPoints} lock points; ${seconds.toFixed(0)} s in all`);
  await out.result({ ...report, strategy: flags.strategy, seconds });
}
