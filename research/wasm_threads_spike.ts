/**
 * Experiment, not part of the product: `npx tsx research/wasm_threads_spike.ts [threads]` runs LeNet-5 training steps
 * on tfjs-backend-wasm's threaded SIMD build in Node, which tfjs disables for Node (WASM_HAS_MULTITHREAD_SUPPORT is
 * hard-wired false there, tfjs issue 3830). Forcing the flag fails: the pthread worker is handed to worker_threads as
 * a blob: URL, which Node refuses. Getting it to run takes three workarounds, all here:
 *  1. the worker script (shipped as a string) and the emscripten glue are written to temp files and passed by path;
 *  2. the C++ side caps the pool at (logical cores / 2) — 1 on a 2-vCPU machine — so os.cpus() is doubled while the
 *     module initialises;
 *  3. the 8 pre-spawned workers keep Node alive after the work is done, so they are unref'd (else the process hangs).
 * Prints ms per step (median of 5 x 10 steps) and the CPU/wall ratio (above 1 means the pool threads did work).
 */
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { initEngine } from '../src/engine/index.js';
import { buildLeNet5 } from '../src/models/index.js';

const threads = Number(process.argv[2] ?? 2);
const require = createRequire(import.meta.url);
const gluePath = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
const factory = require(gluePath) as (config: object) => Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
  wasmWorkerContents: string;
};
const dir = mkdtempSync(join(tmpdir(), 'edgepro-wasm-threads-'));
const workerPath = join(dir, 'worker.cjs');
// Same escaping as tfjs does before making its blob: the string holds "\n" escapes that must stay escapes.
writeFileSync(workerPath, wasmWorkerContents.replace(/\n/g, '\\n'));
const mainPath = join(dir, 'main.js');
writeFileSync(mainPath, `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);
const wasmFile = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), 'tfjs-backend-wasm-threaded-simd.wasm');

tf.removeBackend('wasm');
tf.registerBackend(
  'wasm',
  async () => {
    const os = require('node:os') as { cpus: () => unknown[] };
    const cpus = os.cpus;
    os.cpus = () => [...cpus(), ...cpus()];
    let module: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      module = await factory({
        locateFile: (p: string) => (p.endsWith('.worker.js') ? workerPath : p.endsWith('.wasm') ? wasmFile : p),
        mainScriptUrlOrBlob: mainPath,
      });
    } finally {
      os.cpus = cpus;
    }
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    setThreadsCount(threads);
    const backend = new BackendWasm(module as never); // creates the thread pool
    for (const w of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) w.unref();
    return backend;
  },
  2,
);
await initEngine();
const backend = tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } };
console.log(`threaded SIMD build, pool threads: ${backend.wasm.tfjs.getThreadsCount()}; load average ${loadavg()[0]!.toFixed(2)}`);

const { model } = buildLeNet5({ seed: 1 });
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const optimizer: tf.Optimizer = tf.train.momentum(0.01, 0.9);
const x = tf.randomUniform([64, 28, 28, 1], 0, 1, 'float32', 1);
const y = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), 'int32'), 10);
function step(): number {
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    variables,
  );
  optimizer.applyGradients(grads);
  tf.dispose(grads);
  const loss = value.dataSync()[0]!;
  value.dispose();
  return loss;
}
for (let i = 0; i < 5; i++) step();
const rows: string[] = [];
const perStep: number[] = [];
for (let r = 0; r < 5; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let loss = 0;
  for (let i = 0; i < 10; i++) loss = step();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  perStep.push(wall / 10);
  rows.push(`  ${(wall / 10).toFixed(1)} ms/step, CPU/wall ${((cpu.user + cpu.system) / 1000 / wall).toFixed(2)}, loss ${loss.toFixed(4)}`);
}
console.log(rows.join('\n'));
console.log(`median ${perStep.sort((a, b) => a - b)[2]!.toFixed(1)} ms/step with ${threads} thread(s)`);
