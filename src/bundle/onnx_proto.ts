/**
 * What edgepro reads of an ONNX model: the tensors whose data lives in external files. A minimal protobuf
 * wire-format reader (varints, fixed 32/64, length-delimited fields; groups are refused) walks every place of
 * onnx.proto that can hold a tensor — graph initializers and sparse initializers, node attributes (tensors, sparse
 * tensors and subgraphs, to any depth), functions and training graphs — and skips everything else by its length.
 * Field numbers are ONNX's (onnx/onnx.proto); test/onnx checks this reader against protobufjs on generated models.
 *
 * The model is untrusted input: every length is bounded by the bytes left, nesting by {@link ONNX_LIMITS}, and
 * every failure is a ModelFormatError. Isomorphic.
 */
import { ModelFormatError } from '../util/errors.js';

/** One tensor stored outside the model file (`data_location: EXTERNAL`). */
export interface ExternalTensorRef {
  /** The tensor's name. */
  tensor: string;
  /** The file it is in, as the model names it (relative to the model's directory). */
  location: string;
  /** Byte offset in that file (0 when the model gives none). */
  offset: number;
  /** Byte length, or undefined when the model gives none (the tensor's own size then). */
  length: number | undefined;
}

export const ONNX_LIMITS = {
  /** Nesting of messages (a graph in an attribute of a node of a graph ...). */
  maxDepth: 64,
  /** Tensors with external data in one model. */
  maxExternalTensors: 1_000_000,
} as const;

// --- wire format ---

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

function malformed(source: string, message: string): ModelFormatError {
  return new ModelFormatError(`${source} is not a readable ONNX model: ${message}`);
}

/** A cursor over one message's bytes. */
class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    readonly source: string,
  ) {
    this.pos = start;
  }

  /** An unsigned varint of at most 64 bits, as a number (exact up to 2^53; larger values only need to be skipped or refused). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw malformed(this.source, 'a varint runs past the end of its message');
      const byte = this.bytes[this.pos++]!;
      if (i === 9 && byte > 1) throw malformed(this.source, 'a varint is longer than 64 bits');
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw malformed(this.source, 'a varint is longer than 10 bytes');
  }

  /** The next field's number and wire type, or undefined at the end of the message. */
  tag(): { field: number; wire: number } | undefined {
    if (this.pos >= this.end) return undefined;
    const key = this.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field < 1 || field > 0x1fffffff) throw malformed(this.source, `field number ${field} is out of range`);
    return { field, wire };
  }

  /** The bounds of a length-delimited field's payload, checked against the message's end. */
  delimited(): { start: number; end: number } {
    const length = this.varint();
    if (length > this.end - this.pos) throw malformed(this.source, 'a field is longer than the bytes left in its message');
    const start = this.pos;
    this.pos += length;
    return { start, end: this.pos };
  }

  skip(wire: number): void {
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.advance(8);
        return;
      case LENGTH_DELIMITED:
        this.delimited();
        return;
      case FIXED32:
        this.advance(4);
        return;
      default:
        throw malformed(this.source, `wire type ${wire} is not used by ONNX (groups are not supported)`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw malformed(this.source, 'a fixed-size field runs past the end of its message');
    this.pos += n;
  }

  sub(range: { start: number; end: number }): Reader {
    return new Reader(this.bytes, range.start, range.end, this.source);
  }

  text(range: { start: number; end: number }): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(range.start, range.end));
    } catch (cause) {
      throw new ModelFormatError(`${this.source} is not a readable ONNX model: a string is not UTF-8`, { cause });
    }
  }
}

// --- onnx.proto: where tensors are ---

type Kind = 'model' | 'graph' | 'node' | 'attribute' | 'tensor' | 'sparse' | 'training' | 'function';

/** For each message, the fields (number → message kind) that can lead to a tensor. Everything else is skipped. */
const CHILDREN: Record<Exclude<Kind, 'tensor'>, Record<number, Kind>> = {
  // ModelProto: graph = 7, training_info = 20, functions = 25
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  // GraphProto: node = 1, initializer = 5, sparse_initializer = 15
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  // NodeProto: attribute = 5
  node: { 5: 'attribute' },
  // AttributeProto: t = 5, g = 6, tensors = 10, graphs = 11, sparse_tensor = 22, sparse_tensors = 23
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  // SparseTensorProto: values = 1, indices = 2
  sparse: { 1: 'tensor', 2: 'tensor' },
  // TrainingInfoProto: initialization = 1, algorithm = 2
  training: { 1: 'graph', 2: 'graph' },
  // FunctionProto: node = 7, attribute_proto = 11
  function: { 7: 'node', 11: 'attribute' },
};

// TensorProto: name = 8, external_data = 13 (StringStringEntryProto: key = 1, value = 2), data_location = 14
const TENSOR_NAME = 8;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;
// ModelProto: ir_version = 1, graph = 7
const MODEL_IR_VERSION = 1;
const MODEL_GRAPH = 7;

function expectWire(reader: Reader, wire: number, wanted: number, what: string): void {
  if (wire !== wanted) throw malformed(reader.source, `${what} has wire type ${wire}, not ${wanted}`);
}

function readEntry(reader: Reader): { key: string | undefined; value: string | undefined } {
  let key: string | undefined;
  let value: string | undefined;
  for (let t = reader.tag(); t !== undefined; t = reader.tag()) {
    if (t.field === 1 || t.field === 2) {
      expectWire(reader, t.wire, LENGTH_DELIMITED, 'an external_data entry');
      const text = reader.text(reader.delimited());
      if (t.field === 1) key = text;
      else value = text;
    } else reader.skip(t.wire);
  }
  return { key, value };
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

function integerValue(reader: Reader, tensor: string, key: string, value: string): number {
  const n = DECIMAL.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw malformed(reader.source, `tensor ${JSON.stringify(tensor)} has external_data ${key} ${JSON.stringify(value)}, not a non-negative integer`);
  return n;
}

function readTensor(reader: Reader, out: ExternalTensorRef[]): void {
  let name = '';
  let location = 0;
  const entries = new Map<string, string>();
  for (let t = reader.tag(); t !== undefined; t = reader.tag()) {
    if (t.field === TENSOR_NAME) {
      expectWire(reader, t.wire, LENGTH_DELIMITED, 'TensorProto.name');
      name = reader.text(reader.delimited());
    } else if (t.field === TENSOR_EXTERNAL_DATA) {
      expectWire(reader, t.wire, LENGTH_DELIMITED, 'TensorProto.external_data');
      const { key, value } = readEntry(reader.sub(reader.delimited()));
      if (key === undefined || value === undefined) throw malformed(reader.source, 'an external_data entry lacks its key or value');
      if (entries.has(key)) throw malformed(reader.source, `an external_data key ${JSON.stringify(key)} appears twice in one tensor`);
      entries.set(key, value);
    } else if (t.field === TENSOR_DATA_LOCATION) {
      expectWire(reader, t.wire, VARINT, 'TensorProto.data_location');
      location = reader.varint();
    } else reader.skip(t.wire);
  }
  if (location !== DATA_LOCATION_EXTERNAL) return;
  const file = entries.get('location');
  if (file === undefined) throw malformed(reader.source, `tensor ${JSON.stringify(name)} is external but names no location`);
  const offset = entries.get('offset');
  const length = entries.get('length');
  if (out.length >= ONNX_LIMITS.maxExternalTensors) throw malformed(reader.source, `more than ${ONNX_LIMITS.maxExternalTensors} tensors are external`);
  out.push({
    tensor: name,
    location: file,
    offset: offset === undefined ? 0 : integerValue(reader, name, 'offset', offset),
    length: length === undefined ? undefined : integerValue(reader, name, 'length', length),
  });
}

function walk(reader: Reader, kind: Exclude<Kind, 'tensor'>, depth: number, out: ExternalTensorRef[]): void {
  if (depth > ONNX_LIMITS.maxDepth) throw malformed(reader.source, `messages are nested more than ${ONNX_LIMITS.maxDepth} deep`);
  const children = CHILDREN[kind];
  for (let t = reader.tag(); t !== undefined; t = reader.tag()) {
    const child = children[t.field];
    if (child === undefined) {
      reader.skip(t.wire);
      continue;
    }
    expectWire(reader, t.wire, LENGTH_DELIMITED, `field ${t.field} of a ${kind}`);
    const sub = reader.sub(reader.delimited());
    if (child === 'tensor') readTensor(sub, out);
    else walk(sub, child, depth + 1, out);
  }
}

/**
 * The tensors of an ONNX model (a serialized `ModelProto`) whose data is in external files, in the order the model
 * lists them. Refuses (ModelFormatError) bytes that are not a well-formed protobuf message with an `ir_version` and a
 * `graph`, external tensors without a location, and offsets or lengths that are not integers. The locations are
 * returned as the model spells them: checking them is the caller's.
 *
 * @example
 * ```ts
 * const refs = externalTensors(onnxBytes, 'model.onnx');
 * const files = new Set(refs.map((r) => r.location)); // e.g. { 'model.onnx.data' }
 * ```
 */
export function externalTensors(model: Uint8Array, source = 'the ONNX model'): ExternalTensorRef[] {
  const top = new Reader(model, 0, model.byteLength, source);
  let irVersion = false;
  let graph = false;
  // A first pass over the top level only: what is not an ONNX model fails here, before any walking.
  for (let t = top.tag(); t !== undefined; t = top.tag()) {
    if (t.field === MODEL_IR_VERSION) {
      expectWire(top, t.wire, VARINT, 'ModelProto.ir_version');
      irVersion = true;
    }
    if (t.field === MODEL_GRAPH) {
      expectWire(top, t.wire, LENGTH_DELIMITED, 'ModelProto.graph');
      graph = true;
    }
    top.skip(t.wire);
  }
  if (!irVersion || !graph) throw malformed(source, `it has no ${irVersion ? 'graph' : 'ir_version'}`);
  const out: ExternalTensorRef[] = [];
  walk(new Reader(model, 0, model.byteLength, source), 'model', 0, out);
  return out;
}
