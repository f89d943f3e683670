/**
 * Where a lock folds exactly: the per-channel weight edits that make a model compute what the lock graph computes
 * with one password, with no op added.
 *
 * A lock `y <- alpha * y + beta` at a layer's output folds in one of three ways, tried in this order:
 * - **into its producer**, when the lock point is itself a per-channel affine map of its input (BatchNormalization,
 *   or a Dense / Conv2D / DepthwiseConv2D with a linear activation), or an Add of such layers: the lock scales and
 *   shifts that layer's output channels, whoever consumes them;
 * - **into the next linear layer**, when the lock's output reaches exactly one Dense, or one Conv2D that pads
 *   nothing, through Flatten, GlobalAveragePooling2D or Dropout: `W' = W diag(alpha)`, `b' = b + W^T beta`;
 * - **through a ReLU**, when the lock point is a ReLU of such affine writers (a BatchNormalization, a residual Add of
 *   them, or a fused `activation: 'relu'`). A neuron locked to a constant (alpha 0, every shipped strategy's lock)
 *   becomes the constant |beta| at the writers (`relu(|beta|) = |beta|`), and its sign moves into each consumer: a
 *   conv or dense kernel's input channel (exact under zero padding, which a shift is not), a BatchNormalization, or
 *   a residual Add's other operand (a shift of `beta - |beta|` on its writer). A neuron with alpha != 0 scales the
 *   writers by |alpha|, and its sign and beta move into the consumers the same way where they allow it.
 * A fold that would edit a side (input or output) of a layer another fold already edits is not taken: its lock stays
 * an op, so two locks never compose in the wrong order.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Password } from './password.js';
import { lockVectors } from './password.js';
import { channelsLast, describeGraph, nextLinearLayer, type ModelGraph } from './next_linear.js';


/** A per-channel affine map `v <- scale * v + shift`, in float64 so that compositions do not round twice. */
export interface ChannelAffine {
  scale: Float64Array;
  shift: Float64Array;
}

/**
 * The change to one layer's weights: `input` is what its input channels get before it reads them (so it must read
 * the lock point's channels), `output` what its output channels get (before a fused activation). Input first.
 */
export interface LayerEdit {
  input?: ChannelAffine;
  output?: ChannelAffine;
}

/** How a lock point folds, for reports and tests. */
export interface FoldPlan {
  /** The lock point. */
  layer: string;
  /** `producer`, `next-layer` or `through-relu` (see the module comment). */
  how: 'producer' | 'next-layer' | 'through-relu';
  /** The layers whose weights change. */
  into: string[];
}

const AFFINE = new Set(['BatchNormalization', 'Dense', 'Conv2D', 'DepthwiseConv2D']);
const KERNELED = new Set(['Dense', 'Conv2D', 'DepthwiseConv2D']);
const PASS_THROUGH = new Set(['Flatten', 'GlobalAveragePooling2D', 'Dropout']);

function activationOf(layer: Layer): string | undefined {
  return (layer.getConfig() as { activation?: string }).activation;
}

/** A layer whose output is a per-channel affine map of what it computes linearly: nothing after the bias. */
function isAffine(layer: Layer): boolean {
  const cls = layer.getClassName();
  if (!AFFINE.has(cls) || !channelsLast(layer)) return false;
  if (cls === 'BatchNormalization') {
    // Normalising over the channels: axis -1, or the last axis by number (Keras 2 writes [3] for a conv map).
    const config = (layer.getConfig() as { axis?: number | number[] }).axis;
    const axes = config === undefined ? [-1] : Array.isArray(config) ? config : [config];
    const rank = (layer.outputShape as (number | null)[]).length;
    return axes.length === 1 && (axes[0] === -1 || axes[0] === rank - 1);
  }
  const activation = activationOf(layer);
  return activation === undefined || activation === 'linear';
}

function isPlainRelu(layer: Layer): boolean {
  const cls = layer.getClassName();
  if (cls === 'Activation') return activationOf(layer) === 'relu';
  if (cls === 'ReLU') {
    const maxValue = (layer.getConfig() as { maxValue?: number | null }).maxValue;
    return maxValue === undefined || maxValue === null;
  }
  return false;
}

/** True when a conv reads zero padding anywhere, i.e. a shift of its input is not a shift of its output. */
function padsInput(layer: Layer): boolean {
  const config = layer.getConfig() as { padding?: string; kernelSize?: number[]; strides?: number[]; dilationRate?: number | number[] };
  if (config.padding === 'valid' || config.padding === undefined) return false;
  const shapes = layer.inboundNodes[0]?.inputShapes;
  const input = (Array.isArray(shapes?.[0]) ? shapes[0] : shapes) as (number | null)[] | undefined;
  if (input === undefined) return true;
  const kernel = config.kernelSize ?? [1, 1];
  const strides = config.strides ?? [1, 1];
  const dilation = typeof config.dilationRate === 'number' ? [config.dilationRate, config.dilationRate] : (config.dilationRate ?? [1, 1]);
  for (let axis = 0; axis < 2; axis++) {
    const size = input[axis + 1];
    if (typeof size !== 'number') return true;
    const k = (kernel[axis]! - 1) * dilation[axis]! + 1;
    const s = strides[axis]!;
    const out = Math.ceil(size / s);
    if ((out - 1) * s + k - size > 0) return true;
  }
  return false;
}

function identity(channels: number): ChannelAffine {
  return { scale: new Float64Array(channels).fill(1), shift: new Float64Array(channels) };
}

type Edits = Map<string, LayerEdit>;

/** Planning state shared by the lock points: which layer sides are taken, and by the graph. */
interface Context {
  graph: ModelGraph;
  locked: ReadonlySet<string>;
  taken: Edits;
}

/** A layer that can take an edit: in this graph once, one input, not a model output. */
function editable(ctx: Context, name: string): Layer | undefined {
  const node = ctx.graph.nodes.get(name);
  if (node === undefined || node.shared) return undefined;
  return node.layer;
}

function soleConsumer(ctx: Context, name: string): string | undefined {
  const next = ctx.graph.consumers.get(name) ?? [];
  return next.length === 1 && !ctx.graph.outputs.has(name) ? next[0] : undefined;
}

/**
 * The affine layers that write `name`'s value: itself when it is affine, or the operands of an Add of affine layers.
 * Each writer must feed only that value and carry no lock of its own. `self` allows `name` itself to be a lock point.
 */
function affineWriters(ctx: Context, name: string, self: boolean): string[] | undefined {
  const layer = editable(ctx, name);
  if (layer === undefined || (!self && ctx.locked.has(name))) return undefined;
  if (isAffine(layer)) return [name];
  if (layer.getClassName() !== 'Add') return undefined;
  const inputs = ctx.graph.nodes.get(name)!.inputs;
  if (new Set(inputs).size !== inputs.length) return undefined;
  for (const input of inputs) {
    const writer = editable(ctx, input);
    if (writer === undefined || !isAffine(writer) || ctx.locked.has(input) || soleConsumer(ctx, input) !== name) return undefined;
  }
  return inputs;
}

/** Adds `edits` to the taken ones, or returns false (and adds nothing) when a side of a layer is already taken. */
function claim(ctx: Context, edits: Edits): boolean {
  for (const [name, edit] of edits) {
    const held = ctx.taken.get(name);
    if ((edit.input && held?.input) || (edit.output && held?.output)) return false;
  }
  for (const [name, edit] of edits) ctx.taken.set(name, { ...ctx.taken.get(name), ...edit });
  return true;
}

function isIdentity(affine: ChannelAffine): boolean {
  return affine.scale.every((s) => s === 1) && affine.shift.every((s) => s === 0);
}

/** Adds one side's edit to `edits` (nothing for an identity), or returns false when that side is already edited. */
function addEdit(edits: Edits, name: string, side: 'input' | 'output', affine: ChannelAffine): boolean {
  if (isIdentity(affine)) return true;
  const held = edits.get(name) ?? {};
  if (held[side] !== undefined) return false;
  edits.set(name, { ...held, [side]: affine });
  return true;
}

/** The lock folded into the lock point's own affine layer, or into every writer of an Add. */
function planProducer(ctx: Context, layer: string, alpha: Float32Array, beta: Float32Array): Edits | undefined {
  const writers = affineWriters(ctx, layer, true);
  if (writers === undefined) return undefined;
  const edits: Edits = new Map();
  writers.forEach((writer, i) => {
    const shift = i === 0 ? Float64Array.from(beta) : new Float64Array(beta.length);
    edits.set(writer, { output: { scale: Float64Array.from(alpha), shift } });
  });
  return edits;
}

/** The lock folded into the one Dense, or conv reading no padding, that its output reaches. */
function planNextLayer(ctx: Context, layer: string, alpha: Float32Array, beta: Float32Array): Edits | undefined {
  const next = nextLinearLayer(ctx.graph, layer, ctx.locked);
  if (next === undefined) return undefined;
  if (next.layer.getClassName() === 'Conv2D' && padsInput(next.layer) && beta.some((b) => b !== 0)) return undefined;
  return new Map([[next.layer.name, { input: { scale: Float64Array.from(alpha), shift: Float64Array.from(beta) } }]]);
}

/**
 * The layer that reads `name`'s channels unchanged after pass-through layers, or undefined (a fork, a model output,
 * a lock point on the way, or a layer that reads them some other way).
 */
function readerOf(ctx: Context, consumer: string): { layer: Layer; flattened: boolean } | undefined {
  let current = consumer;
  let flattened = false;
  for (;;) {
    const node = ctx.graph.nodes.get(current);
    if (node === undefined || node.shared) return undefined;
    const cls = node.layer.getClassName();
    if (!PASS_THROUGH.has(cls)) return { layer: node.layer, flattened };
    if (!channelsLast(node.layer) || ctx.locked.has(current)) return undefined;
    if (cls === 'Flatten') flattened = true;
    const next = soleConsumer(ctx, current);
    if (next === undefined) return undefined;
    current = next;
  }
}

/** How the lock's sign and offset reach one consumer of a ReLU lock point, or false when they cannot. */
function planConsumer(
  ctx: Context,
  edits: Edits,
  point: string,
  consumer: string,
  alpha: Float32Array,
  beta: Float32Array,
): boolean {
  const reader = readerOf(ctx, consumer);
  if (reader === undefined) return false;
  const { layer } = reader;
  const cls = layer.getClassName();
  const n = alpha.length;
  const constant = (c: number) => alpha[c] === 0;
  const sign = (v: number) => (v < 0 ? -1 : 1);

  if (KERNELED.has(cls) && channelsLast(layer)) {
    if (ctx.graph.nodes.get(layer.name)!.inputs.length !== 1) return false;
    // A constant neuron reaches the kernel as |beta| with its sign in the weights; no shift, so padding is fine.
    const input = identity(n);
    for (let c = 0; c < n; c++) {
      if (constant(c)) input.scale[c] = sign(beta[c]!);
      else if (alpha[c] !== 1 || beta[c] !== 0) {
        input.scale[c] = sign(alpha[c]!);
        input.shift[c] = beta[c]!;
      }
    }
    if (cls !== 'Dense' && padsInput(layer) && input.shift.some((s) => s !== 0)) return false;
    return addEdit(edits, layer.name, 'input', input);
  }
  if (reader.flattened) return false;
  if (cls === 'BatchNormalization' && isAffine(layer)) {
    const input = identity(n);
    for (let c = 0; c < n; c++) {
      if (constant(c)) input.scale[c] = sign(beta[c]!);
      else {
        input.scale[c] = sign(alpha[c]!);
        input.shift[c] = beta[c]!;
      }
    }
    return addEdit(edits, layer.name, 'input', input);
  }
  if (cls === 'Add' && layer.name === consumer) {
    // The Add sees |beta| (or |alpha| relu(z)); what is missing is a constant, which one of its other operands adds.
    const shift = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      if (constant(c)) shift[c] = beta[c]! - Math.abs(beta[c]!);
      else if (alpha[c]! < 0) return false;
      else shift[c] = beta[c]!;
    }
    if (shift.every((s) => s === 0)) return true;
    const inputs = ctx.graph.nodes.get(consumer)!.inputs;
    if (inputs.filter((i) => i === point).length !== 1) return false;
    for (const sibling of inputs) {
      if (sibling === point || ctx.locked.has(sibling) || soleConsumer(ctx, sibling) !== consumer) continue;
      const writer = editable(ctx, sibling);
      if (writer === undefined || !isAffine(writer) || ctx.taken.get(sibling)?.output || edits.get(sibling)?.output) continue;
      return addEdit(edits, sibling, 'output', { scale: new Float64Array(n).fill(1), shift });
    }
    return false;
  }
  return false;
}

/** The lock folded through a ReLU into the affine writers before it and the consumers after it. */
function planThroughRelu(ctx: Context, layer: string, alpha: Float32Array, beta: Float32Array): Edits | undefined {
  const node = editable(ctx, layer);
  if (node === undefined || ctx.graph.outputs.has(layer)) return undefined;
  let writers: string[] | undefined;
  if (isPlainRelu(node)) {
    const inputs = ctx.graph.nodes.get(layer)!.inputs;
    if (inputs.length !== 1 || soleConsumer(ctx, inputs[0]!) !== layer) return undefined;
    writers = affineWriters(ctx, inputs[0]!, false);
  } else if (KERNELED.has(node.getClassName()) && channelsLast(node) && activationOf(node) === 'relu') {
    writers = [layer];
  }
  if (writers === undefined) return undefined;

  const n = alpha.length;
  const edits: Edits = new Map();
  writers.forEach((writer, i) => {
    const output = identity(n);
    for (let c = 0; c < n; c++) {
      if (alpha[c] === 0) {
        output.scale[c] = 0;
        if (i === 0) output.shift[c] = Math.abs(beta[c]!);
      } else output.scale[c] = Math.abs(alpha[c]!);
    }
    edits.set(writer, { output });
  });
  const changed = Array.from({ length: n }, (_, c) => alpha[c] !== 1 || beta[c] !== 0).some(Boolean);
  if (!changed) return edits;
  for (const consumer of ctx.graph.consumers.get(layer) ?? []) {
    if (!planConsumer(ctx, edits, layer, consumer, alpha, beta)) return undefined;
  }
  return edits;
}

/** Plans every lock point of `password`: the folds taken, and the weight edits they need, per layer. */
export function planUnlock(model: tfl.LayersModel, password: Password): { plans: FoldPlan[]; edits: Map<string, LayerEdit> } {
  const graph = describeGraph(model);
  const ctx: Context = { graph, locked: new Set(password.lockPoints.map((k) => k.layer)), taken: new Map() };
  const plans: FoldPlan[] = [];
  for (const key of password.lockPoints) {
    const { alpha, beta } = lockVectors(key);
    const attempts: [FoldPlan['how'], () => Edits | undefined][] = [
      ['producer', () => planProducer(ctx, key.layer, alpha, beta)],
      ['next-layer', () => planNextLayer(ctx, key.layer, alpha, beta)],
      ['through-relu', () => planThroughRelu(ctx, key.layer, alpha, beta)],
    ];
    for (const [how, attempt] of attempts) {
      const edits = attempt();
      if (edits !== undefined && claim(ctx, edits)) {
        plans.push({ layer: key.layer, how, into: [...edits.keys()] });
        break;
      }
    }
  }
  return { plans, edits: ctx.taken };
}
