#!/usr/bin/env node
/**
 * The `edgepro` command line. A thin shell: parse, call the library, print. Errors are caught once, here:
 * one line by default, the stack with --verbose; exit 2 for a wrong command line, 1 for a failure.
 */
import { Command, CommanderError } from 'commander';
import { describeError, exitCodeFor } from './errors.js';
import { registerCommands } from './commands/index.js';

// `edgepro ... | head`: a closed pipe ends the output, it is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

async function main(argv: string[]): Promise<void> {
  const program = new Command('edgepro')
    .description('Protect neural networks on edge devices by neuron authorization (EdgePro).')
    .option('--verbose', 'print stack traces of errors')
    // Commander's own usage errors (unknown flag, bad value, missing argument) as one line, like ours.
    .configureOutput({ outputError: (text, write) => write(`edgepro: ${text.replace(/^error: /, '').trim()} (see --help)\n`) })
    .exitOverride();
  registerCommands(program);
  program.addHelpText(
    'after',
    [
      '',
      'Example (the owner, then the device; each command has --help):',
      '  edgepro train --out models/baseline',
      '  edgepro protect --from models/baseline --out models/protected   # owner key: models/protected.owner.key',
      '  edgepro keygen device --out keys/device1                          # on the device',
      '  edgepro licence issue models/protected --device-key keys/device1.pub --out device1.licence',
      '  edgepro infer models/protected digit.png --licence device1.licence --device-key keys/device1.key',
    ].join('\n'),
  );
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (help, version, or a usage error).
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const verbose = argv.includes('--verbose');
    process.stderr.write(`edgepro: ${describeError(error)}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitCodeFor(error);
  }
}

await main(process.argv);
