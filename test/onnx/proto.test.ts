/**
 * The ONNX scanner (src/bundle/onnx_proto.ts) against protobufjs: on generated models — tensors at every place
 * onnx.proto allows (initializers, sparse initializers, attributes, subgraphs to any depth, functions, training
 * graphs) — it finds exactly the external tensors protobufjs decodes; on altered, truncated or random bytes it
 * returns or throws ModelFormatError, nothing else.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { externalTensors, type ExternalTensorRef } from '../../src/bundle/onnx_proto.js';
import { ModelFormatError } from '../../src/util/errors.js';
import { onnxProto } from './proto.js';

type Obj = Record<string, unknown>;

const plainName = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
const anyName = fc.string({ maxLength: 12 });
const decimal = fc.nat({ max: 2 ** 40 }).map(String);

const tensor: fc.Arbitrary<Obj> = fc.oneof(
  // External: location, maybe offset and length, maybe other keys (checksum).
  fc.record(
    {
      name: anyName,
      dims: fc.array(fc.nat({ max: 8 }), { maxLength: 3 }),
      dataType: fc.constant(1),
      dataLocation: fc.constant(1),
      location: fc.oneof(plainName, anyName),
      offset: fc.option(decimal, { nil: undefined }),
      length: fc.option(decimal, { nil: undefined }),
      checksum: fc.option(fc.stringMatching(/^[0-9a-f]{0,40}$/), { nil: undefined }),
    },
    { requiredKeys: ['name', 'dims', 'dataType', 'dataLocation', 'location'] },
  ).map(({ location, offset, length, checksum, ...t }) => ({
    ...t,
    externalData: [
      { key: 'location', value: location },
      ...(offset !== undefined ? [{ key: 'offset', value: offset }] : []),
      ...(length !== undefined ? [{ key: 'length', value: length }] : []),
      ...(checksum !== undefined ? [{ key: 'checksum', value: checksum }] : []),
    ],
  })),
  // Inline: raw bytes or floats; sometimes external_data entries without data_location EXTERNAL (not external).
  fc.record({ name: anyName, dims: fc.array(fc.nat({ max: 8 }), { maxLength: 3 }), dataType: fc.constant(1), rawData: fc.uint8Array({ maxLength: 32 }) }),
  fc.record({ name: anyName, floatData: fc.array(fc.float({ noNaN: true }), { maxLength: 4 }), externalData: fc.constant([{ key: 'location', value: 'ignored.bin' }]) }),
);

const sparse = fc.record({ values: tensor, indices: tensor, dims: fc.array(fc.nat({ max: 8 }), { maxLength: 2 }) });

const { graph } = fc.letrec<{ graph: Obj; node: Obj; attribute: Obj }>((tie) => ({
  graph: fc.record({
    name: anyName,
    node: fc.array(tie('node'), { maxLength: 3 }),
    initializer: fc.array(tensor, { maxLength: 3 }),
    sparseInitializer: fc.array(sparse, { maxLength: 1 }),
  }),
  node: fc.record({ opType: anyName, input: fc.array(anyName, { maxLength: 2 }), attribute: fc.array(tie('attribute'), { maxLength: 3 }) }),
  attribute: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ name: anyName, type: fc.constant(2), i: fc.integer() }),
    fc.record({ name: anyName, type: fc.constant(4), t: tensor }),
    fc.record({ name: anyName, type: fc.constant(9), tensors: fc.array(tensor, { maxLength: 2 }) }),
    fc.record({ name: anyName, type: fc.constant(11), sparseTensor: sparse }),
    fc.record({ name: anyName, type: fc.constant(12), sparseTensors: fc.array(sparse, { maxLength: 2 }) }),
    fc.record({ name: anyName, type: fc.constant(5), g: tie('graph') }),
    fc.record({ name: anyName, type: fc.constant(10), graphs: fc.array(tie('graph'), { maxLength: 2 }) }),
  ),
}));

const model: fc.Arbitrary<Obj> = fc.record({
  irVersion: fc.integer({ min: 3, max: 10 }),
  producerName: anyName,
  opsetImport: fc.constant([{ domain: '', version: 17 }]),
  graph,
  trainingInfo: fc.array(fc.record({ initialization: graph, algorithm: graph }), { maxLength: 1 }),
  functions: fc.array(fc.record({ name: anyName, node: fc.array(graph.map((g) => ({ opType: 'If', attribute: [{ name: 'then_branch', type: 5, g }] })), { maxLength: 2 }) }), { maxLength: 1 }),
  metadataProps: fc.array(fc.record({ key: anyName, value: anyName }), { maxLength: 2 }),
});

function encode(value: Obj): Uint8Array {
  const ModelProto = onnxProto().lookupType('onnx.ModelProto');
  return ModelProto.encode(ModelProto.fromObject(value)).finish();
}

// --- the reference: protobufjs decodes, then the walk over onnx.proto's places, written out plainly ---

function reference(bytes: Uint8Array): ExternalTensorRef[] {
  const ModelProto = onnxProto().lookupType('onnx.ModelProto');
  const m = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false, arrays: true }) as Obj;
  const out: ExternalTensorRef[] = [];
  const onTensor = (t: Obj | undefined) => {
    if (t === undefined || t.dataLocation !== 1) return;
    const entries = new Map((t.externalData as { key: string; value: string }[]).map((e) => [e.key, e.value]));
    out.push({ tensor: (t.name as string | undefined) ?? '', location: entries.get('location')!, offset: Number(entries.get('offset') ?? 0), length: entries.has('length') ? Number(entries.get('length')) : undefined });
  };
  const onSparse = (s: Obj | undefined) => {
    if (s === undefined) return;
    onTensor(s.values as Obj | undefined);
    onTensor(s.indices as Obj | undefined);
  };
  const onAttribute = (a: Obj) => {
    onTensor(a.t as Obj | undefined);
    if (a.g !== undefined) onGraph(a.g as Obj);
    for (const t of (a.tensors as Obj[] | undefined) ?? []) onTensor(t);
    for (const g of (a.graphs as Obj[] | undefined) ?? []) onGraph(g);
    onSparse(a.sparseTensor as Obj | undefined);
    for (const s of (a.sparseTensors as Obj[] | undefined) ?? []) onSparse(s);
  };
  const onNode = (n: Obj) => {
    for (const a of (n.attribute as Obj[] | undefined) ?? []) onAttribute(a);
  };
  function onGraph(g: Obj): void {
    for (const n of (g.node as Obj[] | undefined) ?? []) onNode(n);
    for (const t of (g.initializer as Obj[] | undefined) ?? []) onTensor(t);
    for (const s of (g.sparseInitializer as Obj[] | undefined) ?? []) onSparse(s);
  }
  if (m.graph !== undefined) onGraph(m.graph as Obj);
  for (const ti of (m.trainingInfo as Obj[] | undefined) ?? []) {
    if (ti.initialization !== undefined) onGraph(ti.initialization as Obj);
    if (ti.algorithm !== undefined) onGraph(ti.algorithm as Obj);
  }
  for (const f of (m.functions as Obj[] | undefined) ?? []) {
    for (const n of (f.node as Obj[] | undefined) ?? []) onNode(n);
    for (const a of (f.attributeProto as Obj[] | undefined) ?? []) onAttribute(a);
  }
  return out;
}

/** A length-delimited field: tag, varint length, payload. */
function delimited(field: number, payload: Uint8Array): Uint8Array {
  const length: number[] = [];
  let n = payload.length;
  do {
    length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Uint8Array.from([(field << 3) | 2, ...length, ...payload]);
}

const sorted = (refs: ExternalTensorRef[]) => refs.map((r) => JSON.stringify(r)).sort();

function onlyFormatErrors(bytes: Uint8Array): void {
  try {
    const refs = externalTensors(bytes);
    expect(Array.isArray(refs)).toBe(true);
  } catch (error) {
    if (!(error instanceof ModelFormatError)) throw error;
    expect(error.code).toBe('ERR_MODEL_FORMAT');
  }
}

describe('externalTensors', () => {
  it('finds the external tensors protobufjs decodes, at every place onnx.proto allows', () => {
    let found = 0;
    fc.assert(
      fc.property(model, (m) => {
        const bytes = encode(m);
        const refs = externalTensors(bytes);
        expect(sorted(refs)).toEqual(sorted(reference(bytes)));
        found += refs.length;
      }),
      { numRuns: 300 },
    );
    expect(found).toBeGreaterThan(100);
  });

  it('reads the fixtures', async () => {
    const { fixtureFiles } = await import('./make_fixtures.js');
    const files = fixtureFiles();
    expect(externalTensors(files['mlp.onnx']!)).toEqual([]);
    expect(externalTensors(files['cnn.onnx']!)).toEqual([]);
    expect(externalTensors(files['mlp_external.onnx']!)).toEqual([
      { tensor: 'w1', location: 'mlp_external.onnx.data', offset: 0, length: 16384 },
      { tensor: 'w2', location: 'mlp_external.onnx.data', offset: 16384, length: 2560 },
      { tensor: 'b2', location: 'mlp_external.bias.data', offset: 0, length: 40 },
    ]);
  });

  it('altered or truncated models: a result or ModelFormatError, nothing else', () => {
    fc.assert(
      fc.property(model, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (m, flips, cut) => {
        const bytes = encode(m);
        const altered = bytes.slice();
        for (const [at, value] of flips) altered[at % altered.length] = value;
        onlyFormatErrors(altered);
        onlyFormatErrors(bytes.subarray(0, cut % (bytes.length + 1)));
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes: a result or ModelFormatError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => onlyFormatErrors(bytes)), { numRuns: 1000 });
  });

  it('refuses what is not an ONNX model, and nesting past the cap', () => {
    const refused = (bytes: Uint8Array) => expect(() => externalTensors(bytes)).toThrow(ModelFormatError);
    refused(new Uint8Array(0));
    refused(new TextEncoder().encode('{"format":"layers-model"}'));
    refused(Uint8Array.of(0x08, 0x07)); // ir_version only
    refused(Uint8Array.of(0x3a, 0x00)); // graph only
    refused(Uint8Array.of(0x08, 0x07, 0x3a, 0x05, 0x0a)); // the graph runs past the end
    refused(Uint8Array.of(0x08, 0x07, 0x3a, 0x00, 0x0b)); // a group (wire type 3)
    refused(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x3a, 0x00)); // an 11-byte varint
    // Graphs nested in If-node attributes (written by hand: protobufjs caps nesting itself).
    const leaf = onnxProto().lookupType('onnx.GraphProto');
    const nested = (depth: number) => {
      let g = leaf.encode(leaf.fromObject({ initializer: [{ name: 'w', dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }] })).finish();
      for (let i = 0; i < depth; i++) g = delimited(1, delimited(5, delimited(6, g))); // GraphProto.node → NodeProto.attribute → AttributeProto.g
      return Uint8Array.from([0x08, 0x08, ...delimited(7, g)]); // ir_version 8, graph
    };
    refused(nested(100));
    expect(externalTensors(nested(20))).toEqual([{ tensor: 'w', location: 'w.bin', offset: 0, length: undefined }]);
  });

  it('refuses external tensors without a location, with bad integers or a repeated key', () => {
    const withEntries = (entries: { key: string; value: string }[]) => encode({ irVersion: 8, graph: { initializer: [{ name: 'w', dataLocation: 1, externalData: entries }] } });
    for (const entries of [
      [],
      [{ key: 'offset', value: '0' }],
      [{ key: 'location', value: 'a' }, { key: 'offset', value: '-1' }],
      [{ key: 'location', value: 'a' }, { key: 'offset', value: '01' }],
      [{ key: 'location', value: 'a' }, { key: 'length', value: '9007199254740993' }],
      [{ key: 'location', value: 'a' }, { key: 'location', value: 'b' }],
    ]) {
      expect(() => externalTensors(withEntries(entries)), JSON.stringify(entries)).toThrow(ModelFormatError);
    }
  });
});
