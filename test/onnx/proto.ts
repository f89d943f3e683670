/** onnx_subset.proto loaded with protobufjs: the tests' reference encoder and decoder of ONNX models. */
import { join } from 'node:path';
import protobuf from 'protobufjs';

let root: protobuf.Root | undefined;

export function onnxProto(): protobuf.Root {
  root ??= protobuf.loadSync(join(import.meta.dirname, 'onnx_subset.proto'));
  return root;
}
