/** The studies' shared data helpers: the benchmarks' datasets, the fine-tuning attacker's split, a progress log. */
import { sampleStratified, stratifiedSplit, type Dataset } from '../src/data/index.js';

export { loadBenchData } from '../bench/data.js';

/**
 * The fine-tuning attacker's data: a stratified `fraction` of the training set (seed + 1), split 80 / 20 into what
 * they train on and the hold-out they choose a recipe by (seed + 2), as the attack suite does.
 */
export function attackerSplit(train: Dataset, fraction: number, seed: number): { attacker: Dataset; fit: Dataset; holdout: Dataset } {
  const attacker = sampleStratified(train, { fraction }, seed + 1);
  const { train: fit, test: holdout } = stratifiedSplit(attacker, { testFraction: 0.2, seed: seed + 2 });
  return { attacker, fit, holdout };
}

/** One JSON line on stderr with the time of day: the studies' progress log. */
export function logLine(o: object): void {
  process.stderr.write(`${JSON.stringify({ t: new Date().toISOString().slice(11, 19), ...o })}\n`);
}
