import { initEngine } from '../../engine/index.js';
import { saveModelDir } from '../../owner/model_dir.js';
import { evaluateClassifier, trainClassifier } from '../../train/index.js';
import { loadDataFromFlags } from '../data.js';
import { classNamesFor, modelFromFlags } from '../model.js';
import { Output, percent, table } from '../output.js';
import { trainingProgress } from '../progress.js';
import type { TrainFlags } from './train.js';

export async function runTrain(flags: TrainFlags): Promise<void> {
  const out = new Output(flags);
  await initEngine();
  const data = await loadDataFromFlags(flags);
  const lockable = await modelFromFlags(flags, data.train, (line) => out.note(line));
  const classNames = classNamesFor(lockable, flags.classNames, data.train);
  if (classNames !== undefined) lockable.classNames = classNames;
  const progress = trainingProgress(out, `train ${lockable.architecture}`);
  const result = trainClassifier(lockable.model, data.train, {
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    seed: flags.seed,
    ...(flags.optimizer ? { optimizer: flags.optimizer } : {}),
    ...(flags.lr !== undefined ? { learningRate: flags.lr } : {}),
    ...(flags.weightDecay !== undefined ? { weightDecay: flags.weightDecay } : {}),
    ...(flags.schedule ? { schedule: flags.schedule } : {}),
    onEvent: progress.onEvent,
  });
  const metrics = evaluateClassifier(lockable.model, data.test);
  if (flags.out !== undefined) await saveModelDir(lockable, flags.out);
  out.info(
    table(
      ['dataset', 'model', 'train samples', 'test samples', 'epochs', 'test accuracy', 'seconds'],
      [[data.name, lockable.architecture, data.train.y.length, data.test.y.length, flags.epochs, percent(metrics.accuracy), Number(result.seconds.toFixed(1))]],
    ),
  );
  out.info(`per-class accuracy: ${metrics.perClassAccuracy.map((a, c) => `${c}:${percent(a)}`).join(' ')}`);
  if (flags.out !== undefined) out.info(`saved ${flags.out}/model.json`);
  await out.result({
    dataset: data.name,
    model: lockable.architecture,
    trainSamples: data.train.y.length,
    testSamples: data.test.y.length,
    epochs: flags.epochs,
    testAccuracy: metrics.accuracy,
    perClassAccuracy: metrics.perClassAccuracy,
    confusion: metrics.confusion,
    lockPoints: lockable.lockPoints,
    ...(classNames !== undefined ? { classNames } : {}),
    seconds: result.seconds,
    ...(flags.out !== undefined ? { out: flags.out } : {}),
  });
}
