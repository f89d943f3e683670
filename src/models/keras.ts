/**
 * Fix-ups that let tfjs-layers 4.22 load a model.json that tfjs-converter wrote from a Keras model.
 *
 * Keras 2 (tf.keras) output is the format tfjs-layers was written against and loads as is, except for small
 * spellings normalised here too (BatchNormalization's `axis: [3]`). Keras 3 changed the saved config, and
 * tfjs-layers 4.22 fails on it ("An InputLayer should be passed either a `batchInputShape` or an `inputShape`",
 * tensorflow/tfjs#8494; "Corrupted configuration, expected array for nodeData"). The differences mapped here:
 *
 * - `InputLayer`: `batch_shape` where tfjs reads `batch_input_shape`; a new `optional` flag (dropped when false).
 * - `dtype` as a policy object `{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}`
 *   instead of a string. A float policy becomes its name; a mixed policy (`mixed_float16`, `mixed_bfloat16`) and a
 *   16-bit float policy become `float32` (TF.js computes in float32; the converter writes float32 weights).
 * - `inbound_nodes` as `[{"args": [...], "kwargs": {...}}]`, where each input tensor is
 *   `{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, tensor], ...}}` (a merge layer such
 *   as Add has a list of them as its first arg), instead of `[[[layer, node, tensor, kwargs], ...]]`.
 * - `input_layers` / `output_layers` of a single-tensor model written flat (`["input_layer", 0, 0]`).
 * - bookkeeping keys tfjs does not know: `module`, `registered_name`, `build_config`, `compile_config`, and layer
 *   options whose default is what tfjs does (`synchronized`, `quantization_config`, `lora_rank`, ...).
 *
 * A Keras option tfjs-layers would silently ignore although it changes the result (Conv2D `groups` > 1,
 * GlobalAveragePooling2D `keepdims`, ReLU `negative_slope` / `threshold`, a quantised dtype policy, an optional
 * input) is refused with a {@link ModelFormatError} naming the layer, rather than loaded wrong.
 *
 * Pure: JSON in, new JSON out; the argument is not modified. A topology that needs no fix-up comes back equal.
 */
import { ModelFormatError } from '../util/errors.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys Keras 3 adds to every serialised object that tfjs-layers does not read. */
const BOOKKEEPING = ['module', 'registered_name', 'build_config', 'compile_config'];

/** Layer config keys Keras 3 writes that tfjs-layers 4.22 does not know, harmless at their default. */
const DEFAULT_ONLY: Record<string, Json> = {
  synchronized: false,
  quantization_config: null,
  lora_rank: null,
  lora_alpha: null,
  optional: false,
  ragged: false,
  renorm: false,
};

const FLOAT_POLICIES = new Set(['float32', 'float16', 'bfloat16', 'mixed_float16', 'mixed_bfloat16']);

function dtypeName(policy: JsonObject, where: string): string {
  const className = policy.class_name;
  const name = isObject(policy.config) ? policy.config.name : undefined;
  if ((className === 'DTypePolicy' || className === 'FloatDTypePolicy' || className === 'Policy') && typeof name === 'string') {
    if (FLOAT_POLICIES.has(name)) return 'float32';
    if (name === 'int32' || name === 'bool') return name;
  }
  throw new ModelFormatError(`${where}: dtype policy ${String(className)} ${JSON.stringify(name ?? null)} cannot run in TensorFlow.js (it needs float32 layers)`);
}

/** Is `value` a Keras tensor reference `[layer, node, tensor]` (optionally with kwargs)? */
function isHistory(value: Json): value is [string, number, number, ...Json[]] {
  return Array.isArray(value) && value.length >= 3 && typeof value[0] === 'string' && typeof value[1] === 'number' && typeof value[2] === 'number';
}

function isKerasTensor(value: Json): value is JsonObject {
  return isObject(value) && value.class_name === '__keras_tensor__';
}

/** The input tensors a Keras 3 call's args name, in order, as `[layer, node, tensor]`. */
function tensorsOf(value: Json, where: string, out: [string, number, number][]): void {
  if (isKerasTensor(value)) {
    const history = isObject(value.config) ? value.config.keras_history : undefined;
    if (history === undefined || !isHistory(history)) throw new ModelFormatError(`${where}: an input tensor has no keras_history`);
    out.push([history[0], history[1], history[2]]);
  } else if (Array.isArray(value)) {
    for (const item of value) tensorsOf(item, where, out);
  } else if (isObject(value)) {
    throw new ModelFormatError(`${where}: inputs given as a dict are not supported by TensorFlow.js`);
  }
  // Plain values among the args (numbers, strings, null) are not inputs.
}

function containsTensor(value: Json): boolean {
  if (isKerasTensor(value)) return true;
  if (Array.isArray(value)) return value.some(containsTensor);
  if (isObject(value)) return Object.values(value).some(containsTensor);
  return false;
}

/** One Keras 3 inbound node `{args, kwargs}` as the tfjs node data `[[layer, node, tensor, kwargs], ...]`. */
function convertNode(node: Json, where: string): Json {
  if (!isObject(node) || !('args' in node)) return node; // already Keras 2 / tfjs format
  const kwargs: JsonObject = {};
  if (isObject(node.kwargs)) {
    for (const [key, value] of Object.entries(node.kwargs)) {
      if (value === null) continue;
      if (containsTensor(value)) throw new ModelFormatError(`${where}: a tensor passed as keyword argument "${key}" is not supported by TensorFlow.js`);
      kwargs[key] = value;
    }
  }
  const inputs: [string, number, number][] = [];
  tensorsOf(node.args ?? [], where, inputs);
  if (inputs.length === 0) throw new ModelFormatError(`${where}: a call with no input tensor`);
  return inputs.map((h) => [...h, kwargs]);
}

/** `input_layers` / `output_layers`: a list of `[layer, node, tensor]`; Keras 3 writes a single one flat. */
function convertEnds(value: Json | undefined, key: string): Json | undefined {
  if (value === undefined || value === null) return value;
  if (isHistory(value)) return [[value[0], value[1], value[2]]];
  if (isObject(value)) throw new ModelFormatError(`model ${key} given as a dict are not supported by TensorFlow.js`);
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (isKerasTensor(item)) {
        const found: [string, number, number][] = [];
        tensorsOf(item, key, found);
        return found[0]!;
      }
      return item;
    });
  }
  return value;
}

/** Deep copy without Keras 3 bookkeeping keys, with dtype policies as dtype strings. */
function clean(value: Json, where: string): Json {
  if (Array.isArray(value)) return value.map((v) => clean(v, where));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  const serialised = 'class_name' in value;
  for (const [key, v] of Object.entries(value)) {
    if (serialised && BOOKKEEPING.includes(key)) continue;
    if (key === 'dtype' && isObject(v)) out[key] = dtypeName(v, where);
    else out[key] = clean(v, where);
  }
  return out;
}

function refuse(where: string, what: string): never {
  throw new ModelFormatError(`${where}: ${what} is not supported by TensorFlow.js`);
}

/** Per-class normalisation of a layer's config (already cleaned). */
function fixLayerConfig(className: string, config: JsonObject, where: string): JsonObject {
  const c: JsonObject = { ...config };
  for (const [key, harmless] of Object.entries(DEFAULT_ONLY)) {
    if (!(key in c)) continue;
    const value = c[key];
    if (value === harmless || value === null || (harmless === null && value === 0)) delete c[key];
    else refuse(where, `${key}: ${JSON.stringify(value)}`);
  }
  switch (className) {
    case 'InputLayer':
      if (c.batch_input_shape === undefined && c.batch_shape !== undefined) c.batch_input_shape = c.batch_shape;
      delete c.batch_shape;
      if (c.batch_input_shape === undefined && Array.isArray(c.shape)) c.batch_input_shape = [null, ...c.shape];
      delete c.shape;
      break;
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'SeparableConv2D':
    case 'Conv2DTranspose':
    case 'DepthwiseConv2D':
      if (c.groups !== undefined && c.groups !== 1) refuse(where, `groups: ${JSON.stringify(c.groups)}`);
      delete c.groups;
      break;
    case 'BatchNormalization':
      if (Array.isArray(c.axis)) {
        if (c.axis.length !== 1 || typeof c.axis[0] !== 'number') refuse(where, `axis ${JSON.stringify(c.axis)}`);
        c.axis = c.axis[0]!;
      }
      break;
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
    case 'GlobalAveragePooling1D':
    case 'GlobalMaxPooling1D':
      if (c.keepdims === true) refuse(where, 'keepdims: true');
      delete c.keepdims;
      break;
    case 'ReLU':
      if (typeof c.negative_slope === 'number' && c.negative_slope !== 0) refuse(where, `negative_slope: ${c.negative_slope}`);
      if (typeof c.threshold === 'number' && c.threshold !== 0) refuse(where, `threshold: ${c.threshold}`);
      delete c.negative_slope;
      delete c.threshold;
      break;
    default:
      break;
  }
  return c;
}

function fixLayer(layer: Json, index: number): Json {
  if (!isObject(layer)) throw new ModelFormatError(`layer ${index} of model.json is not an object`);
  const className = typeof layer.class_name === 'string' ? layer.class_name : 'unknown';
  const config = isObject(layer.config) ? layer.config : {};
  const name = typeof layer.name === 'string' ? layer.name : typeof config.name === 'string' ? config.name : `#${index}`;
  const where = `layer ${name} (${className})`;
  const cleaned = clean(layer, where) as JsonObject;
  const out: JsonObject = { ...cleaned };
  if (layer.name !== undefined) out.name = name;
  if (className === 'Functional' || className === 'Model' || className === 'Sequential') {
    // A nested model: fix its own layers the same way.
    out.config = fixModelConfig(cleaned.config ?? {});
  } else {
    out.config = fixLayerConfig(className, isObject(cleaned.config) ? cleaned.config : {}, where);
  }
  if (Array.isArray(cleaned.inbound_nodes)) out.inbound_nodes = cleaned.inbound_nodes.map((node) => convertNode(node, where));
  return out;
}

function fixModelConfig(config: Json): Json {
  if (Array.isArray(config)) return config.map(fixLayer); // an old Sequential: a bare list of layers
  if (!isObject(config)) return config;
  const out: JsonObject = { ...config };
  if (Array.isArray(config.layers)) out.layers = config.layers.map(fixLayer);
  for (const key of ['input_layers', 'output_layers'] as const) {
    const fixed = convertEnds(config[key], key);
    if (fixed !== undefined) out[key] = fixed;
  }
  return out;
}

/**
 * Makes a Keras model topology (model.json's `modelTopology`, as tfjs-converter writes it from Keras 2 or Keras 3)
 * loadable by tfjs-layers 4.22; see this module's header for what is mapped. Pure: returns a new object.
 * Throws {@link ModelFormatError} naming the layer when the model uses something TF.js cannot run as Keras does.
 *
 * @example
 * ```ts
 * const topology = fixKerasModelTopology(JSON.parse(text).modelTopology);
 * const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs, weightData }));
 * ```
 */
export function fixKerasModelTopology<T extends object>(modelTopology: T): T {
  const topology = modelTopology as unknown as JsonObject;
  if (!isObject(topology)) throw new ModelFormatError('modelTopology is not an object');
  const wrapped = isObject(topology.model_config);
  const model = (wrapped ? topology.model_config : topology) as JsonObject;
  const fixedModel: JsonObject = clean(model, 'model') as JsonObject;
  fixedModel.config = fixModelConfig(model.config ?? {});
  const out: JsonObject = wrapped ? { ...topology, model_config: fixedModel } : fixedModel;
  return out as unknown as T;
}
