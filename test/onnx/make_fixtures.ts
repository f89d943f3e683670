/**
 * Writes the small real ONNX models the ONNX tests use, with protobufjs over the part of onnx.proto they need
 * (onnx_subset.proto), from seeded weights, so the bytes are the same on every run:
 *
 *     test/fixtures/onnx/mlp.onnx                   an MLP 64 → 64 (Relu) → 10 (Softmax), weights inside the file
 *     test/fixtures/onnx/mlp_external.onnx          the same MLP with its weights in external data files:
 *     test/fixtures/onnx/mlp_external.onnx.data       both weight matrices (offsets 0 and 16384)
 *     test/fixtures/onnx/mlp_external.bias.data       the output bias
 *     test/fixtures/onnx/cnn.onnx                   a small CNN on 8×8 images: Conv 3×3 (4 channels, padded) → Relu →
 *                                                   MaxPool 2×2 → Flatten → Gemm → Softmax, weights inside the file
 *
 * The two MLPs compute the same function; the tests run them with onnxruntime and compare. Run:
 * `npx tsx test/onnx/make_fixtures.ts` (the tests check the committed files are what this writes).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onnxProto } from './proto.js';
import { createRng } from '../../src/util/rng.js';

export const FIXTURE_DIR = join(import.meta.dirname, '../fixtures/onnx');
export const INPUTS = 64;
export const HIDDEN = 64;
export const CLASSES = 10;

const FLOAT = 1;
const EXTERNAL = 1;

function floats(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function weights(seed: number, count: number, scale: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng.normal() * scale);
}

function valueInfo(name: string, dims: (number | string)[]): object {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

interface Weight {
  name: string;
  dims: number[];
  values: Float32Array;
}

function mlpWeights(): Weight[] {
  return [
    { name: 'w1', dims: [INPUTS, HIDDEN], values: weights(1, INPUTS * HIDDEN, 1 / Math.sqrt(INPUTS)) },
    { name: 'b1', dims: [HIDDEN], values: weights(2, HIDDEN, 0.1) },
    { name: 'w2', dims: [HIDDEN, CLASSES], values: weights(3, HIDDEN * CLASSES, 1 / Math.sqrt(HIDDEN)) },
    { name: 'b2', dims: [CLASSES], values: weights(4, CLASSES, 0.1) },
  ];
}

/** The model's bytes, each initializer inline or at `external[name]` = {location, offset}. */
function mlpModel(initializers: object[]): Uint8Array {
  const model = {
    irVersion: 8,
    producerName: 'edgepro test/onnx/make_fixtures.ts',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'mlp',
      node: [
        { opType: 'MatMul', input: ['x', 'w1'], output: ['h0'], name: 'dense1' },
        { opType: 'Add', input: ['h0', 'b1'], output: ['h1'], name: 'bias1' },
        { opType: 'Relu', input: ['h1'], output: ['h2'], name: 'relu1' },
        { opType: 'MatMul', input: ['h2', 'w2'], output: ['l0'], name: 'dense2' },
        { opType: 'Add', input: ['l0', 'b2'], output: ['logits'], name: 'bias2' },
        { opType: 'Softmax', input: ['logits'], output: ['probs'], name: 'softmax', attribute: [{ name: 'axis', type: 2, i: -1 }] },
      ],
      initializer: initializers,
      input: [valueInfo('x', ['N', INPUTS])],
      output: [valueInfo('probs', ['N', CLASSES])],
    },
  };
  const ModelProto = onnxProto().lookupType('onnx.ModelProto');
  const error = ModelProto.verify(model);
  if (error !== null) throw new Error(`fixture model: ${error}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** The CNN: input x [N, 1, 8, 8] (64 values a sample, like the MLP's), output probs [N, 10]. */
function cnnModel(): Uint8Array {
  const conv = { name: 'conv_w', dims: [4, 1, 3, 3], values: weights(5, 4 * 9, 1 / 3) };
  const convBias = { name: 'conv_b', dims: [4], values: weights(6, 4, 0.1) };
  const dense = { name: 'fc_w', dims: [CLASSES, 4 * 4 * 4], values: weights(7, CLASSES * 64, 1 / 8) };
  const denseBias = { name: 'fc_b', dims: [CLASSES], values: weights(8, CLASSES, 0.1) };
  const ints = (name: string, values: number[]) => ({ name, type: 7, ints: values });
  const model = {
    irVersion: 8,
    producerName: 'edgepro test/onnx/make_fixtures.ts',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'cnn',
      node: [
        { opType: 'Conv', input: ['x', 'conv_w', 'conv_b'], output: ['c'], name: 'conv1', attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])] },
        { opType: 'Relu', input: ['c'], output: ['r'], name: 'relu1' },
        { opType: 'MaxPool', input: ['r'], output: ['p'], name: 'pool1', attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])] },
        { opType: 'Flatten', input: ['p'], output: ['f'], name: 'flatten', attribute: [{ name: 'axis', type: 2, i: 1 }] },
        { opType: 'Gemm', input: ['f', 'fc_w', 'fc_b'], output: ['logits'], name: 'fc', attribute: [{ name: 'transB', type: 2, i: 1 }] },
        { opType: 'Softmax', input: ['logits'], output: ['probs'], name: 'softmax', attribute: [{ name: 'axis', type: 2, i: -1 }] },
      ],
      initializer: [conv, convBias, dense, denseBias].map((w) => ({ name: w.name, dims: w.dims, dataType: FLOAT, rawData: floats(w.values) })),
      input: [valueInfo('x', ['N', 1, 8, 8])],
      output: [valueInfo('probs', ['N', CLASSES])],
    },
  };
  const ModelProto = onnxProto().lookupType('onnx.ModelProto');
  const error = ModelProto.verify(model);
  if (error !== null) throw new Error(`fixture model: ${error}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Each fixture model: its input's dims for `samples` samples of 64 values, and the external data files it names. */
export const FIXTURE_MODELS: { name: string; dims: (samples: number) => number[]; externalData: string[] }[] = [
  { name: 'mlp.onnx', dims: (n) => [n, INPUTS], externalData: [] },
  { name: 'mlp_external.onnx', dims: (n) => [n, INPUTS], externalData: ['mlp_external.onnx.data', 'mlp_external.bias.data'] },
  { name: 'cnn.onnx', dims: (n) => [n, 1, 8, 8], externalData: [] },
];

/** The fixture files, by name. */
export function fixtureFiles(): Record<string, Uint8Array> {
  const ws = mlpWeights();
  const inline = mlpModel(ws.map((w) => ({ name: w.name, dims: w.dims, dataType: FLOAT, rawData: floats(w.values) })));

  // w1 at 0 and w2 at 16384 of one data file (offsets page-aligned, as ONNX recommends), b2 in a second file, b1 inline.
  const w1 = ws[0]!, b1 = ws[1]!, w2 = ws[2]!, b2 = ws[3]!;
  const data = new Uint8Array(16384 + w2.values.byteLength);
  data.set(floats(w1.values), 0);
  data.set(floats(w2.values), 16384);
  const ext = (w: Weight, location: string, offset: number) => ({
    name: w.name,
    dims: w.dims,
    dataType: FLOAT,
    dataLocation: EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(w.values.byteLength) },
    ],
  });
  const external = mlpModel([
    ext(w1, 'mlp_external.onnx.data', 0),
    { name: b1.name, dims: b1.dims, dataType: FLOAT, rawData: floats(b1.values) },
    ext(w2, 'mlp_external.onnx.data', 16384),
    ext(b2, 'mlp_external.bias.data', 0),
  ]);
  return {
    'mlp.onnx': inline,
    'mlp_external.onnx': external,
    'mlp_external.onnx.data': data,
    'mlp_external.bias.data': floats(b2.values).slice(),
    'cnn.onnx': cnnModel(),
  };
}

if (process.argv[1] !== undefined && import.meta.filename === (await import('node:path')).resolve(process.argv[1])) {
  await mkdir(FIXTURE_DIR, { recursive: true });
  for (const [name, bytes] of Object.entries(fixtureFiles())) {
    await writeFile(join(FIXTURE_DIR, name), bytes);
    console.log(`${name}: ${bytes.byteLength} bytes`);
  }
}
