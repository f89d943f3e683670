/**
 * The fuzz properties of test/fuzz/properties.ts for as long as asked, with random seeds; prints every
 * counterexample (with its seed and path, to replay with fc.assert(..., { seed, path })) and exits 1 if any.
 *
 *     npx tsx test/fuzz/long.ts --seconds 600 [--only licence]
 */
import fc from 'fast-check';
import { initEngine } from '../../src/engine/index.js';
import { allProperties, type FuzzProperty } from './properties.js';
import { RUN_TIMEOUT_MS } from './run.js';
import { outcomeStats } from './mutate.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(arg('seconds') ?? 60);
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
const only = arg('only');
const properties: FuzzProperty[] = Object.values(allProperties).flat().filter((p) => only === undefined || p.name.includes(only));
if (properties.length === 0) throw new Error(`no property matches ${only}`);

await initEngine();
const built = await Promise.all(properties.map(async (p) => ({ name: p.name, property: await p.build() })));
const deadline = Date.now() + seconds * 1000;
const runs = new Map<string, number>();
let failures = 0;
for (let round = 0; Date.now() < deadline; round++) {
  for (const { name, property } of built) {
    if (Date.now() >= deadline) break;
    const seed = (Math.random() * 2 ** 31) | 0;
    const numRuns = 200;
    const result = await fc.check(property, { seed, numRuns, timeout: RUN_TIMEOUT_MS });
    runs.set(name, (runs.get(name) ?? 0) + result.numRuns);
    if (result.failed) {
      failures++;
      console.log(`\nCOUNTEREXAMPLE in "${name}"\n  seed ${result.seed}, path ${JSON.stringify(result.counterexamplePath)}`);
      console.log(`  input: ${fc.stringify(result.counterexample)}`);
      console.log(`  error: ${result.errorInstance instanceof Error ? (result.errorInstance.cause instanceof Error ? result.errorInstance.cause.message : result.errorInstance.message) : String(result.errorInstance)}`);
    }
  }
}
for (const [name, n] of runs) console.log(`${String(n).padStart(8)} runs  ${name}`);
console.log(`outcomes: ${[...outcomeStats].map(([k, n]) => `${k} ${n}`).join(', ')}`);
console.log(failures === 0 ? `no counterexample in ${seconds} s` : `${failures} counterexample(s)`);
process.exitCode = failures === 0 ? 0 : 1;
