import { initEngine } from '../../engine/index.js';
import { loadModelDir } from '../../owner/model_dir.js';
import { protectionReport, type ProtectionReport } from '../../eval/report.js';
import { loadDataFromFlags } from '../data.js';
import { Output, percent, table } from '../output.js';
import { countProgress } from '../progress.js';
import { openProtected } from '../protected_files.js';
import { UsageError } from '../errors.js';
import { describeLevel } from '../level.js';
import { checkHoldout, holdoutDefaults, holdoutRecordPath } from '../holdout.js';
import { defaultOwnerKeyPath } from '../files.js';
import { writeFileAtomic } from '../../util/node_fs.js';
import { evalReportHtml } from '../html_report.js';
import type { EvalFlags } from './eval.js';

/** The report as an aligned table: one row per condition. */
export function reportTable(report: ProtectionReport): string {
  const rows: [string, string][] = [];
  if (report.baselineAccuracy !== undefined) rows.push(['baseline (unprotected)', percent(report.baselineAccuracy)]);
  rows.push(
    ['authorized (password)', percent(report.authorizedAccuracy)],
    ['unauthorized (no password)', percent(report.unauthorizedAccuracy)],
    ['  most-predicted class share', percent(report.unauthorizedTopClassShare)],
  );
  if (report.trials > 0) {
    rows.push(
      [`wrong password, mean / max of ${report.trials}`, `${percent(report.wrongPasswordAccuracy.mean)} / ${percent(report.wrongPasswordAccuracy.max)}`],
      [`near miss, mean / max of ${report.trials}`, `${percent(report.nearMissAccuracy.mean)} / ${percent(report.nearMissAccuracy.max)}`],
    );
  }
  return table(['', 'accuracy'], rows);
}

export async function runEval(dir: string, given: EvalFlags): Promise<void> {
  const out = new Output(given);
  const keyPath = given.key ?? defaultOwnerKeyPath(dir);
  await initEngine();
  const { lockable, password, fingerprint, sealedBytes, weightBytes } = await openProtected(dir, keyPath);
  if (password === undefined) throw new UsageError(`${dir} has no lock (password.edgepro): the protection report measures a lock; a sealed model without one runs only with its key`);
  // No data flag typed: the split protect recorded for this model (its seed also seeds the trials).
  const { flags, note } = await holdoutDefaults(keyPath, given, fingerprint);
  const baseline = flags.baseline !== undefined ? await loadModelDir(flags.baseline) : undefined;
  const data = await loadDataFromFlags(flags);
  const checked = await checkHoldout(keyPath, flags, data.test.y.length, fingerprint);
  if (note !== undefined) out.note(note);
  if (!checked) out.note(`held-out split not checked: no record of this model at ${holdoutRecordPath(keyPath)}; give the data flags protect used`);
  out.note(`data: ${data.name}, ${data.test.y.length} test samples; ${flags.trials} wrong and ${flags.trials} near-miss passwords on ${Math.min(flags.trialSamples, data.test.y.length)} samples each`);
  const progress = countProgress(out, 'passwords tried', flags.trials);
  const report = protectionReport(lockable, password, data.test, {
    ...(baseline ? { baseline: baseline.model } : {}),
    trials: flags.trials,
    trialSamples: flags.trialSamples,
    seed: flags.seed,
    datasetName: data.name,
    onProgress: (done) => progress.tick(done),
  });
  progress.stop();
  out.info(reportTable(report));
  out.info(`protection: ${describeLevel(sealedBytes, weightBytes)}`);
  out.info(`model ${dir}: ${report.model}, password of ${report.password.neurons} neurons at ${report.password.lockPoints} lock points; ${report.testSamples} test samples of ${report.dataset}`);
  const result = { ...report, modelDir: dir, seal: { bytes: sealedBytes, ofBytes: weightBytes } };
  await out.result(result);
  if (flags.html !== undefined) {
    await writeFileAtomic(flags.html, evalReportHtml(result));
    out.note(`wrote ${flags.html}`);
  }
}
