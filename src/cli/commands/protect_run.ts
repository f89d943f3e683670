import { initEngine } from '../../engine/index.js';
import { evaluateClassifier } from '../../train/index.js';
import { auditRecord, protect } from '../../owner/protect.js';
import { accuracyOf, buildLockGraph, predictWithPassword } from '../../lock/lock_graph.js';
import { passwordSummary } from '../../lock/password.js';
import { planFolds } from '../../lock/fold.js';
import { loadDataFromFlags } from '../data.js';
import { classNamesFor, modelFromFlags } from '../model.js';
import { Output, percent, table } from '../output.js';
import { trainingProgress } from '../progress.js';
import { writeProtectedBundle } from '../protected_files.js';
import { describeAutoSeal, describeLevel, sealReport } from '../level.js';
import { CONTAINER_FILE } from '../../bundle/layout.js';
import { UsageError } from '../errors.js';
import { holdoutRecordPath, holdoutSourceOf } from '../holdout.js';
import type { ProtectFlags } from './protect.js';

export async function runProtect(flags: ProtectFlags, keyPath: string): Promise<void> {
  const out = new Output(flags);
  await initEngine();
  const data = await loadDataFromFlags(flags);
  const base = await modelFromFlags(
    { ...(flags.from !== undefined ? { model: flags.from } : {}), ...(flags.arch !== undefined ? { arch: flags.arch } : {}), ...(flags.lockLayers !== undefined ? { lockLayers: flags.lockLayers } : {}), seed: flags.seed },
    data.train,
    (line) => out.note(line),
  );
  const classNames = classNamesFor(base, flags.classNames, data.train);
  if (classNames !== undefined) base.classNames = classNames;
  if (base.lockPoints.length === 0) throw new UsageError('the model has no lock points: name layers with --lock-layers');
  out.note(`data: ${data.name}, ${data.train.y.length} train / ${data.test.y.length} test samples; ${flags.from ? `baseline ${flags.from}` : `a fresh ${base.architecture}, from scratch`}`);
  const baselineAccuracy = flags.from !== undefined ? evaluateClassifier(base.model, data.test).accuracy : undefined;

  const progress = trainingProgress(out, `lock-train (${flags.strategy})`);
  const protectedBundle = await protect(base, data.train, {
    seal: flags.seal,
    holdout: { ...holdoutSourceOf(flags), testSamples: data.test.y.length },
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    seed: flags.seed,
    passwordRandomness: flags.reproduciblePassword ? 'seed' : 'crypto',
    password: { strategy: flags.strategy },
    audit: flags.audit === false ? false : {},
    ...(flags.optimizer ? { optimizer: flags.optimizer } : {}),
    ...(flags.lr !== undefined ? { learningRate: flags.lr } : {}),
    ...(flags.weightDecay !== undefined ? { weightDecay: flags.weightDecay } : {}),
    ...(flags.schedule ? { schedule: flags.schedule } : {}),
    onEvent: progress.onEvent,
  });
  progress.stop();
  const result = protectedBundle.lock;
  const graph = buildLockGraph(result.protected);
  const authorized = accuracyOf(predictWithPassword(graph, data.test, result.password), data.test.y);
  const unauthorized = accuracyOf(predictWithPassword(graph, data.test, undefined), data.test.y);
  try {
    await writeProtectedBundle(protectedBundle, flags.out, keyPath, protectedBundle.holdout, { force: flags.force });
  } finally {
    protectedBundle.contentKey.fill(0);
  }
  const fingerprint = protectedBundle.fingerprint;
  const level = describeLevel(protectedBundle.sealedBytes, protectedBundle.weightBytes);
  const summary = passwordSummary(result.password);

  const rows: [string, string][] = [];
  if (baselineAccuracy !== undefined) rows.push(['baseline (unprotected)', percent(baselineAccuracy)]);
  rows.push(['authorized (password)', percent(authorized)], ['unauthorized (no password)', percent(unauthorized)]);
  out.info(table(['', `test accuracy (${data.test.y.length} samples)`], rows));
  out.info(
    `password: ${flags.strategy}, ${summary.neurons} neurons at ${summary.lockPoints} lock points, drawn ${flags.reproduciblePassword ? `from --seed ${flags.seed} (reproducible: not for shipping)` : 'from WebCrypto'}; lock training ${result.training.seconds.toFixed(1)} s`,
  );
  const folded = planFolds(result.protected.model, result.password).map((p) => p.layer);
  const ops = result.password.lockPoints.map((k) => k.layer).filter((l) => !folded.includes(l));
  out.info(
    `unlock: ${folded.length} of ${result.password.lockPoints.length} lock points fold into the weights${ops.length > 0 ? `; kept as lock ops (a multiply-add each at inference): ${ops.join(', ')}` : ', no lock op at inference'}`,
  );
  const audit = result.audit ? auditRecord(result.audit) : undefined;
  if (audit) {
    out.info(
      table(
        ['lock audit (released model, no password)', ...audit.attempts.map((_, i) => `draw ${i + 1}`)],
        [
          [`as released`, ...audit.attempts.map((a) => percent(a.released))],
          [`plain fine-tune (Adam 1e-3, ${result.audit!.attempts[0]!.finetune.steps} steps)`, ...audit.attempts.map((a) => percent(a.finetune))],
          ['pruning 10-70%, max', ...audit.attempts.map((a) => percent(a.pruneMax))],
          ['greedy zeroing', ...audit.attempts.map((a) => percent(a.greedy))],
          [`passes (all <= ${percent(audit.bar)})`, ...audit.attempts.map((a) => (a.passes ? 'yes' : 'no'))],
          ['seconds', ...audit.attempts.map((a) => a.seconds.toFixed(1))],
        ],
      ),
    );
    out.info(`lock audit: on ${audit.heldOut} training samples held out of lock training (${result.audit!.attempts[0]!.attackSamples} to attack with, ${result.audit!.attempts[0]!.scoreSamples} to score on)`);
  } else {
    out.info('lock audit: skipped (--no-audit)');
  }
  out.info(`protection: ${level}`);
  if (protectedBundle.autoSeal !== undefined) out.info(describeAutoSeal(protectedBundle.autoSeal, protectedBundle.sealedBytes, protectedBundle.weightBytes));
  out.info(`wrote ${flags.out}/ (${protectedBundle.bundle.fileNames().join(', ')}), the owner key ${keyPath} and ${holdoutRecordPath(keyPath)} (the held-out split, for eval and attack)`);
  process.stderr.write(`edgepro: keep ${keyPath} secret and never ship it: it opens ${CONTAINER_FILE}${protectedBundle.sealedBytes > 0 ? ' and the sealed weights' : ''}; issue licences with it (edgepro licence issue)\n`);
  await out.result({
    dataset: data.name,
    model: result.protected.architecture,
    trainSamples: data.train.y.length,
    testSamples: data.test.y.length,
    epochs: flags.epochs,
    strategy: flags.strategy,
    ...(baselineAccuracy !== undefined ? { baselineAccuracy } : {}),
    authorizedAccuracy: authorized,
    unauthorizedAccuracy: unauthorized,
    password: { ...summary, randomness: flags.reproduciblePassword ? 'seed' : 'crypto' },
    unlock: { folded, lockOps: ops },
    modelFingerprint: fingerprint,
    seal: sealReport(flags.seal, protectedBundle),
    out: flags.out,
    ownerKey: keyPath,
    seconds: result.training.seconds,
    audit: audit ?? null,
  });
}

