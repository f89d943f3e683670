import type { Command } from 'commander';
import { addExamples } from '../options.js';

export function registerBench(program: Command): void {
  const cmd = program
    .command('bench')
    .summary('run a benchmark of the repository (needs its dev dependencies)')
    .argument('<name>', 'which benchmark: train, protection, unlock, ... (the bench:NAME scripts of package.json)')
    .argument('[args...]', 'passed on to the benchmark (put them after --)')
    .description(
      'run a benchmark (npm run bench:NAME). Benchmarks live in the repository, not in the published package: ' +
        'run this in a checkout after `npm install` (they need the dev dependencies, e.g. tsx)',
    )
    .allowUnknownOption()
    .helpOption('-h, --help', 'display help for command');
  addExamples(cmd, [
    'edgepro bench train -- --json bench-train.json',
    'edgepro bench protection -- --schemes hardened --dataset mnist',
  ]);
  cmd.action(async (name: string, args: string[]) => {
    const { runBench } = await import('./bench_run.js');
    await runBench(name, args);
  });
}
