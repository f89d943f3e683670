/**
 * Differential gradient tests: every op a conv net trains through, differentiated on the wasm backend (with the
 * kernels edgepro adds) and on the pure-JS cpu backend (the reference), must agree.
 *
 * Each case is a function of seeded random inputs; the loss is sum(out * r) with a seeded random r, so every
 * output element gets a distinct upstream gradient (a plain sum would hide transposed or mis-strided gradients).
 */
import { describe, expect, it } from 'vitest';
import { initEngine, tf, type BackendName } from '../../src/engine/index.js';
import { createRng, type Rng } from '../../src/util/rng.js';

type Shape = number[];
type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

interface GradCase {
  name: string;
  /** Shapes of the inputs; the gradient is taken with respect to every one. */
  shapes: Shape[];
  f: Fn;
}

type Pad = 'same' | 'valid';
type Stride = 1 | 2;

/**
 * Tolerance. Each gradient element is a float32 sum of up to ~5 * 10^4 products (LeNet's first filter gradient at
 * batch 64: 64 * 28 * 28 terms), accumulated in a different order (and, on wasm, with SIMD) by each backend. The
 * rounding error of such a sum is bounded by about K * 2^-24 times the sum of |terms| and is typically
 * sqrt(K) * 2^-24 times it (~1e-5 for K = 5 * 10^4). Single elements can cancel to near zero while their error does
 * not, so the error is measured against the largest |reference| value of the whole tensor (and at least 1):
 * |wasm - cpu| <= 1e-4 * max(1, max|cpu|). A wrong index, stride or padding gives errors of order 1 on that scale, so
 * 1e-4 still catches every real bug; the largest error seen is 6e-6 (that filter gradient), 16x below the bound.
 */
const RTOL = 1e-4;

const conv = (x: Shape, f: Shape, stride: Stride, pad: Pad): GradCase => ({
  name: `conv2d x${x.join('x')} f${f.join('x')} s${stride} ${pad}`,
  shapes: [x, f],
  f: (a, w) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
});

/** conv + bias + relu as one fused op (the way tfjs-layers may call it), gradients to input, filter and bias. */
const fusedConv = (x: Shape, f: Shape, stride: Stride, pad: Pad): GradCase => ({
  name: `fused conv2d+bias+relu x${x.join('x')} f${f.join('x')} s${stride} ${pad}`,
  shapes: [x, f, [f[3]!]],
  f: (a, w, b) =>
    tf.fused.conv2d({ x: a as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: stride, pad, activation: 'relu' }),
});

/** The transposed convolution (a forward Conv2DBackpropInput); its gradients are a Conv2D and a Conv2DBackpropFilter. */
const convTranspose = (x: Shape, f: Shape, out: [number, number, number, number], stride: Stride, pad: Pad): GradCase => ({
  name: `conv2dTranspose x${x.join('x')} f${f.join('x')} -> ${out.join('x')} s${stride} ${pad}`,
  shapes: [x, f],
  f: (a, w) => tf.conv2dTranspose(a as tf.Tensor4D, w as tf.Tensor4D, out, stride, pad),
});

const dense = (batch: number, inUnits: number, outUnits: number): GradCase => ({
  name: `dense ${batch}x${inUnits} -> ${outUnits}`,
  shapes: [
    [batch, inUnits],
    [inUnits, outUnits],
    [outUnits],
  ],
  f: (a, w, b) => tf.add(tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D), b),
});

const fusedDense = (batch: number, inUnits: number, outUnits: number): GradCase => ({
  name: `fused dense+bias+relu ${batch}x${inUnits} -> ${outUnits}`,
  shapes: [
    [batch, inUnits],
    [inUnits, outUnits],
    [outUnits],
  ],
  f: (a, w, b) => tf.fused.matMul({ a: a as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: 'relu' }),
});

/**
 * matMul with every transpose combination, also batched. (A rank-2 operand broadcast over a batch has no case here:
 * tfjs-core's matMul gradient does not reduce over broadcast batch dims, on any backend; the forward product is
 * checked below.)
 */
const matMul = (a: Shape, b: Shape, transposeA: boolean, transposeB: boolean): GradCase => ({
  name: `matMul a${a.join('x')}${transposeA ? 'T' : ''} b${b.join('x')}${transposeB ? 'T' : ''}`,
  shapes: [a, b],
  f: (x, y) => tf.matMul(x, y, transposeA, transposeB),
});

const pool = (kind: 'max' | 'avg', x: Shape, size: number, stride: Stride, pad: Pad): GradCase => ({
  name: `${kind}Pool x${x.join('x')} ${size}x${size} s${stride} ${pad}`,
  shapes: [x],
  f: (a) => (kind === 'max' ? tf.maxPool : tf.avgPool)(a as tf.Tensor4D, size, stride, pad),
});

/** Batch norm with the batch statistics from tf.moments, so the gradient also flows through mean and variance. */
const batchNorm = (x: Shape): GradCase => ({
  name: `batchNorm (batch stats) x${x.join('x')}`,
  shapes: [x, [x[x.length - 1]!], [x[x.length - 1]!]],
  f: (a, offset, scale) => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return tf.batchNorm(a, mean, variance, offset, scale, 1e-3);
  },
});

const relu = (x: Shape): GradCase => ({ name: `relu x${x.join('x')}`, shapes: [x], f: (a) => tf.relu(a) });

const cases: GradCase[] = [];
for (const stride of [1, 2] as const) {
  for (const pad of ['same', 'valid'] as const) {
    cases.push(
      conv([2, 9, 9, 3], [3, 3, 3, 4], stride, pad),
      conv([3, 28, 28, 1], [5, 5, 1, 6], stride, pad),
      conv([2, 11, 7, 5], [3, 5, 5, 3], stride, pad), // non-square input and filter
      conv([2, 10, 10, 6], [5, 5, 6, 16], stride, pad), // even size, LeNet's second conv
      conv([1, 8, 8, 2], [1, 1, 2, 3], stride, pad), // 1x1 filter (a stride-2 'valid' one skips pixels)
      conv([2, 6, 5, 2], [2, 2, 2, 2], stride, pad), // even filter: asymmetric 'same' padding
      fusedConv([2, 9, 9, 3], [3, 3, 3, 4], stride, pad),
      pool('max', [2, 9, 9, 3], 2, stride, pad),
      pool('max', [2, 10, 7, 4], 3, stride, pad),
      pool('avg', [2, 9, 9, 3], 2, stride, pad),
      pool('avg', [2, 10, 7, 4], 3, stride, pad),
    );
  }
}
cases.push(
  // LeNet-5's own layers at its batch size.
  conv([64, 28, 28, 1], [5, 5, 1, 6], 1, 'same'),
  conv([64, 14, 14, 6], [5, 5, 6, 16], 1, 'valid'),
  pool('max', [64, 28, 28, 6], 2, 2, 'valid'),
  pool('max', [64, 10, 10, 16], 2, 2, 'valid'),
  {
    name: 'conv2d x1x12x9x3 f3x2x3x5 strides [2,1] same (batch 1, unequal strides)',
    shapes: [
      [1, 12, 9, 3],
      [3, 2, 3, 5],
    ],
    f: (a, w) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, [2, 1], 'same'),
  },
  {
    name: 'conv2d x2x9x12x2 f4x3x2x3 strides [1,3] explicit pads',
    shapes: [
      [2, 9, 12, 2],
      [4, 3, 2, 3],
    ],
    f: (a, w) =>
      tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, [1, 3], [
        [0, 0],
        [2, 1],
        [0, 2],
        [0, 0],
      ]),
  },
  convTranspose([2, 5, 5, 4], [3, 3, 3, 4], [2, 10, 10, 3], 2, 'same'),
  convTranspose([2, 4, 4, 4], [3, 3, 3, 4], [2, 9, 9, 3], 2, 'valid'),
  convTranspose([2, 6, 7, 2], [5, 5, 3, 2], [2, 10, 11, 3], 1, 'valid'),
  dense(5, 7, 3),
  matMul([7, 5], [5, 3], false, false),
  matMul([5, 7], [5, 3], true, false),
  matMul([7, 5], [3, 5], false, true),
  matMul([5, 7], [3, 5], true, true),
  matMul([4, 7, 5], [4, 5, 3], false, false),
  matMul([4, 5, 7], [4, 3, 5], true, true),
  matMul([2, 3, 7, 5], [2, 3, 3, 5], false, true),
  dense(64, 400, 120),
  dense(64, 84, 10),
  fusedDense(64, 400, 120),
  batchNorm([4, 7, 5, 3]),
  batchNorm([2, 9, 9, 8]),
  relu([3, 5, 5, 2]),
);

interface Result {
  out: Float32Array;
  grads: Float32Array[];
}

function randomArray(shape: Shape, rng: Rng): Float32Array {
  const a = new Float32Array(shape.reduce((p, d) => p * d, 1));
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

function liveCounts(): { tensors: number; buffers: number } {
  return { tensors: tf.memory().numTensors, buffers: tf.backend().numDataIds() };
}

/** Output and gradients of one case on one backend; also checks that nothing stays allocated afterwards. */
async function run(c: GradCase, backend: BackendName, seed: number): Promise<Result> {
  await initEngine({ backend });
  const rng = createRng(seed);
  const before = liveCounts();
  const inputs = c.shapes.map((s) => tf.tensor(randomArray(s, rng), s));
  const out = tf.tidy(() => c.f(...inputs));
  const r = tf.tensor(randomArray(out.shape, rng), out.shape);
  const outData = (await out.data()) as Float32Array;
  out.dispose();
  const afterInputs = liveCounts();
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.f(...xs), r)))(inputs);
  const gradData = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array));
  tf.dispose(grads);
  // The gradient computation, kernels included, must leave nothing behind: no tensor, no backend buffer.
  expect(liveCounts(), `${c.name} on ${backend}: allocations after the gradient`).toEqual(afterInputs);
  tf.dispose([...inputs, r]);
  expect(liveCounts(), `${c.name} on ${backend}: allocations at the end`).toEqual(before);
  return { out: outData, grads: gradData };
}

function maxRelError(actual: Float32Array, expected: Float32Array): number {
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / scale);
  return worst;
}

describe('gradients: wasm matches the cpu reference', () => {
  cases.forEach((c, index) => {
    it(c.name, async () => {
      const seed = 1000 + index;
      const reference = await run(c, 'cpu', seed);
      const actual = await run(c, 'wasm', seed);
      expect(actual.out.length).toBe(reference.out.length);
      expect(maxRelError(actual.out, reference.out), 'forward output').toBeLessThanOrEqual(RTOL);
      expect(actual.grads.length).toBe(c.shapes.length);
      actual.grads.forEach((g, i) => {
        expect(g.length, `gradient ${i} size`).toBe(reference.grads[i]!.length);
        expect(maxRelError(g, reference.grads[i]!), `gradient wrt input ${i}`).toBeLessThanOrEqual(RTOL);
      });
    });
  });
});

describe('forward: wasm matches the cpu reference', () => {
  it('clone (Identity shares the bytes): each copy outlives the other, and nothing leaks', async () => {
    await initEngine();
    const before = liveCounts();
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.clone(a);
    const c = tf.cast(b, 'float32');
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3, 4]);
    b.dispose();
    expect(Array.from(await c.data())).toEqual([1, 2, 3, 4]);
    c.dispose();
    expect(liveCounts()).toEqual(before);
  });

  it('matMul with a rank-2 operand broadcast over the batch, every transpose combination', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const outs: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await initEngine({ backend });
        const rng = createRng(7);
        const aShape = ta ? [4, 5, 7] : [4, 7, 5];
        const bShape = tb ? [3, 5] : [5, 3];
        const a = tf.tensor(randomArray(aShape, rng), aShape);
        const b = tf.tensor(randomArray(bShape, rng), bShape);
        const out = tf.matMul(a, b, ta, tb);
        expect(out.shape).toEqual([4, 7, 3]);
        outs.push((await out.data()) as Float32Array);
        tf.dispose([a, b, out]);
      }
      expect(maxRelError(outs[1]!, outs[0]!), `transposeA=${ta} transposeB=${tb}`).toBeLessThanOrEqual(RTOL);
    }
  });
});
