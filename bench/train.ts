/**
 * `npm run bench:train [-- --json FILE] [--samples N] [--runs R] [--torch-threads T]`: training throughput of edgepro
 * against PyTorch.
 *
 * Both train LeNet-5 for one epoch on the same N = 8,000 MNIST samples (batch 64, SGD momentum, weight decay),
 * R = 3 times from fresh weights after an untimed warm-up, the two sides' runs interleaved so that a change of
 * machine load hits both; the median run counts. PyTorch is Debian's
 * python3-torch (/usr/bin/python3) on T = 2 threads; edgepro runs on its wasm backend, which is single-threaded in Node.
 * With `--json FILE`, writes {edgeproSamplesPerSecond, pytorchSamplesPerSecond, ratio} (null where unmeasured).
 * Without torch (EDGEPRO_BENCH_PYTHON overrides the interpreter), it says so and still reports edgepro's number.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { loadSamples, trainOneEpoch } from './workload.js';
import type { BenchSamples } from './workload_types.js';

/** Debian's python3-torch lives under /usr/bin/python3 (a `python3` earlier on PATH may lack torch). */
const PYTHON = process.env.EDGEPRO_BENCH_PYTHON ?? '/usr/bin/python3';
const BATCH_SIZE = 64;
const WARMUP_BATCHES = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function edgeproWarmUp(samples: BenchSamples): void {
  const warm = Math.min(samples.y.length, WARMUP_BATCHES * BATCH_SIZE);
  trainOneEpoch({ x: samples.x.subarray(0, warm * 784), y: samples.y.subarray(0, warm) }, { batchSize: BATCH_SIZE, seed: 0 });
}

function edgeproRun(samples: BenchSamples, run: number): number {
  const n = samples.y.length;
  const { seconds, loss } = trainOneEpoch(samples, { batchSize: BATCH_SIZE, seed: 1 + run });
  console.log(`  edgepro run ${run + 1}: ${seconds.toFixed(2)} s, ${(n / seconds).toFixed(0)} samples/s, loss ${loss.toFixed(3)}`);
  return n / seconds;
}

/** Runs bench/lenet5_torch.py on samples exported to a temp dir; each run is a fresh process (with its warm-up). */
class PyTorchSide {
  private readonly dir = mkdtempSync(join(tmpdir(), 'edgepro-bench-'));
  private readonly script = join(dirname(fileURLToPath(import.meta.url)), 'lenet5_torch.py');

  constructor(
    private readonly samples: BenchSamples,
    private readonly threads: number,
  ) {
    writeFileSync(join(this.dir, 'x.f32'), samples.x);
    writeFileSync(join(this.dir, 'y.i32'), samples.y);
  }

  /** Why PyTorch cannot run here, or undefined if it can. */
  static unavailable(): string | undefined {
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.error === undefined && probe.status === 0) return undefined;
    return `PyTorch not available (${PYTHON} cannot import torch; install Debian's python3-torch)`;
  }

  /** samples/s of one epoch, or the reason the run failed. */
  run(run: number): number | string {
    const args = [this.script, this.dir, '--threads', String(this.threads), '--batch-size', String(BATCH_SIZE), '--runs', '1'];
    args.push('--seed', String(1 + run), '--warmup-batches', String(WARMUP_BATCHES));
    const env = { ...process.env, OMP_NUM_THREADS: String(this.threads) };
    const child = spawnSync(PYTHON, args, { encoding: 'utf8', env });
    if (child.status !== 0) return `PyTorch run failed: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`;
    const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as { torch: string; threads: number; runs: { seconds: number; loss: number }[] };
    const { seconds, loss } = out.runs[0]!;
    const n = this.samples.y.length;
    console.log(
      `  pytorch run ${run + 1}: ${seconds.toFixed(2)} s, ${(n / seconds).toFixed(0)} samples/s, loss ${loss.toFixed(3)} (torch ${out.torch}, ${out.threads} threads)`,
    );
    return n / seconds;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function writeJsonAtomically(file: string, value: unknown): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temp, file);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      samples: { type: 'string', default: '8000' },
      runs: { type: 'string', default: '3' },
      'torch-threads': { type: 'string', default: '2' },
    },
  });
  const torchThreads = Number(values['torch-threads']);
  if (!(Number.isInteger(torchThreads) && torchThreads >= 1)) throw new RangeError('--torch-threads must be a positive integer');
  const count = Number(values.samples);
  const runs = Number(values.runs);
  if (!(Number.isInteger(count) && count >= BATCH_SIZE && count <= 10000)) throw new RangeError(`--samples must be an integer in [${BATCH_SIZE}, 10000]`);
  if (!(Number.isInteger(runs) && runs >= 1)) throw new RangeError('--runs must be a positive integer');

  // Both sides are timed on wall clock: other busy processes slow them down, PyTorch's two OpenMP threads (which
  // spin while waiting for each other) far more than single-threaded edgepro, so the ratio is only meaningful on an
  // otherwise idle machine.
  const load = loadavg()[0]!;
  if (load > 0.5) {
    console.log(`warning: load average ${load.toFixed(2)} on ${cpus().length} CPUs: other processes compete, numbers are unreliable`);
  }
  await initEngine();
  const samples = loadSamples(count, 1);
  console.log(`LeNet-5, one epoch on ${count} MNIST samples, batch ${BATCH_SIZE}, median of ${runs} runs each`);
  console.log(`edgepro: tfjs wasm backend, 1 thread; PyTorch: ${torchThreads} threads; runs interleaved`);
  let torchProblem = PyTorchSide.unavailable();
  const torch = torchProblem === undefined ? new PyTorchSide(samples, torchThreads) : undefined;
  const edgeproRates: number[] = [];
  const torchRates: number[] = [];
  try {
    edgeproWarmUp(samples);
    for (let r = 0; r < runs; r++) {
      edgeproRates.push(edgeproRun(samples, r));
      if (torch === undefined || torchProblem !== undefined) continue;
      const rate = torch.run(r);
      if (typeof rate === 'string') torchProblem = rate;
      else torchRates.push(rate);
    }
  } finally {
    torch?.dispose();
  }
  if (torchProblem !== undefined) console.log(`  ${torchProblem}`);
  const edgepro = median(edgeproRates);
  const pytorch = torchProblem === undefined ? median(torchRates) : null;
  const ratio = pytorch === null ? null : edgepro / pytorch;

  console.log(`edgepro: ${edgepro.toFixed(0)} samples/s`);
  console.log(`pytorch: ${pytorch === null ? 'n/a' : pytorch.toFixed(0)} samples/s`);
  console.log(`ratio edgepro/pytorch: ${ratio === null ? 'n/a' : ratio.toFixed(3)}`);
  if (values.json !== undefined) {
    writeJsonAtomically(values.json, { edgeproSamplesPerSecond: edgepro, pytorchSamplesPerSecond: pytorch, ratio });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
