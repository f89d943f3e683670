import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchmarkFailedError, UsageError } from '../errors.js';
import { exists } from '../files.js';


/** The package root: dist/cli/commands/ -> three levels up. */
function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

export async function runBench(name: string, args: string[]): Promise<void> {
  const root = packageRoot();
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const names = Object.keys(manifest.scripts ?? {})
    .filter((s) => s.startsWith('bench:'))
    .map((s) => s.slice('bench:'.length));
  if (!names.includes(name)) {
    throw new UsageError(`no benchmark "${name}"; this checkout has ${names.length > 0 ? names.join(', ') : 'none (benchmarks ship only with the repository)'}`);
  }
  if (!(await exists(join(root, 'bench'))) || !(await exists(join(root, 'node_modules', '.bin', 'tsx')))) {
    throw new UsageError(`benchmarks need the repository checkout and its dev dependencies (tsx): run \`npm install\` in ${root}`);
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await new Promise<number>((resolveCode, reject) => {
    const child = spawn(npm, ['run', '--silent', `bench:${name}`, '--', ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', (error) => reject(new BenchmarkFailedError(`could not start npm to run bench:${name}: ${error.message}`)));
    child.on('exit', (exitCode, signal) => resolveCode(exitCode ?? (signal ? 1 : 0)));
  });
  if (code !== 0) throw new BenchmarkFailedError(`benchmark ${name} failed (exit code ${code})`);
}
