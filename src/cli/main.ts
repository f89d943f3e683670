#!/usr/bin/env node
/**
 * The `edgepro` command line. A thin shell: parse, call the library, print. Errors are caught once, here:
 * one line by default, the stack with --verbose; with --json one JSON line `{"error":{"code","message","hint"}}`
 * instead; exit 2 for a wrong command line, 1 for a failure.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { describeError, errorJson, exitCodeFor } from './errors.js';
import { registerCommands } from './commands/index.js';

// `edgepro ... | head`: a closed pipe ends the output, it is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

/** The package's version: dist/cli/main.js (and src/cli/main.ts) sit two levels below package.json, installed or not. */
function packageVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

/** `--json` or `--json FILE` anywhere before `--`: errors go out as JSON too. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--json' || arg.startsWith('--json='));
}

async function main(argv: string[]): Promise<void> {
  const json = wantsJson(argv.slice(2));
  const verbose = argv.includes('--verbose');
  let usageMessage: string | undefined;
  const program = new Command('edgepro')
    .description('Protect neural networks on edge devices by neuron authorization (EdgePro).')
    .version(packageVersion(), '-V, --version', 'print the version of edgepro')
    .option('--verbose', 'print stack traces of errors')
    // Commander's own usage errors (unknown flag, bad value, missing argument) as one line, like ours; with --json
    // kept for the JSON line written below.
    .configureOutput({
      outputError: (text, write) => {
        usageMessage = text.replace(/^error: /, '').trim();
        if (!json) write(`edgepro: ${usageMessage} (see --help)\n`);
      },
    })
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
      // Commander has already printed its message (help, version, or a usage error), except a usage error under --json.
      if (json && error.exitCode !== 0 && usageMessage !== undefined) process.stderr.write(errorJson(error, { message: usageMessage }));
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (json) process.stderr.write(errorJson(error, { stack: verbose }));
    else {
      process.stderr.write(`edgepro: ${describeError(error)}\n`);
      if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    }
    process.exitCode = exitCodeFor(error);
  }
}

await main(process.argv);
