/**
 * `npx tsx bench/profile_step.ts [--steps N] [--batch B]`: where one LeNet-5 training step spends its time on the wasm
 * backend. Every wasm kernel is wrapped with a timer (self time: kernels that call other kernels, like our
 * Conv2DBackpropFilter, are charged only for their own work); the wasm backend runs synchronously. Times are process
 * CPU time (process.cpuUsage), which other processes on a busy machine disturb less than wall time. Prints ms per
 * step for each kernel and its input shapes.
 *
 * `--baseline` profiles the wasm backend as shipped plus only the Conv2DBackpropFilter kernel it lacks (the state
 * before edgepro's replacement kernels), for before/after comparisons.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initEngine, tf } from '../src/engine/index.js';
import { conv2DBackpropFilterConfig } from '../src/engine/kernels/conv2d_backprop_filter.js';
import { buildLeNet5 } from '../src/models/index.js';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '20' }, batch: { type: 'string', default: '64' }, baseline: { type: 'boolean', default: false } },
});
const steps = Number(values.steps);
const batch = Number(values.batch);

if (values.baseline) {
  tf.env().set('PROD', true);
  tf.registerKernel(conv2DBackpropFilterConfig);
  await tf.setBackend('wasm');
} else {
  await initEngine();
}
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
/** Per kernel (name and input shapes): self CPU ms and calls in the current step. */
let current = new Map<string, { ms: number; calls: number }>();
const stack: number[] = [];
let enabled = false;
for (const config of tf.getKernelsForBackend('wasm')) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      if (!enabled) return inner(args);
      stack.push(0);
      const t0 = cpuMs();
      const out = inner(args);
      const total = cpuMs() - t0;
      const children = stack.pop()!;
      if (stack.length > 0) stack[stack.length - 1]! += total;
      const shapes = Object.values(args.inputs)
        .filter((t): t is tf.TensorInfo => t !== undefined)
        .map((t) => `[${t.shape.join(',')}]`)
        .join(' ');
      const key = `${config.kernelName} ${shapes}`;
      const s = current.get(key) ?? { ms: 0, calls: 0 };
      s.ms += total - children;
      s.calls++;
      current.set(key, s);
      return out;
    },
  });
}

const { model } = buildLeNet5({ seed: 1 });
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const optimizer: tf.Optimizer = tf.train.momentum(0.01, 0.9);
const x = tf.randomUniform([batch, 28, 28, 1]);
const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
function step(): void {
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    variables,
  );
  const decayed: tf.NamedTensorMap = {};
  for (const v of variables) decayed[v.name] = tf.tidy(() => tf.add(grads[v.name]!, tf.mul(v, 5e-4)));
  tf.dispose(grads);
  optimizer.applyGradients(decayed);
  tf.dispose(decayed);
  value.dataSync();
  value.dispose();
}
for (let i = 0; i < 5; i++) step();
// Medians over the steps: a busy machine (other processes, a busy hyperthread sibling) inflates some steps.
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 === 1 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const perStep = new Map<string, { ms: number[]; calls: number }>();
const walls: number[] = [];
const cpus: number[] = [];
enabled = true;
for (let i = 0; i < steps; i++) {
  current = new Map();
  const t0 = performance.now();
  const c0 = cpuMs();
  step();
  cpus.push(cpuMs() - c0);
  walls.push(performance.now() - t0);
  for (const [key, v] of current) {
    const s = perStep.get(key) ?? { ms: [], calls: v.calls };
    s.ms.push(v.ms);
    perStep.set(key, s);
  }
}
enabled = false;
const rows = [...perStep.entries()]
  .map(([key, v]) => ({ key, ms: median([...v.ms, ...new Array<number>(steps - v.ms.length).fill(0)]), calls: v.calls }))
  .sort((a, b) => b.ms - a.ms);
const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
const cpu = median(cpus);
console.log(
  `batch ${batch}, median of ${steps} steps: ${median(walls).toFixed(1)} ms/step wall (min ${Math.min(...walls).toFixed(1)}), ` +
    `${cpu.toFixed(1)} ms CPU: ${kernelMs.toFixed(1)} ms in kernels, ${(cpu - kernelMs).toFixed(1)} ms elsewhere ` +
    `(JS: tape, layers, optimizer); load average ${loadavg()[0]!.toFixed(2)}`,
);
for (const r of rows.slice(0, 25)) console.log(`${r.ms.toFixed(2).padStart(7)} ms  x${String(r.calls).padEnd(3)} ${r.key}`);
