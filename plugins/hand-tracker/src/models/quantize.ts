/**
 * Static int8 quantization of a converted graph, in ONNX's QDQ form, for onnxruntime's CPU
 * provider to fuse into QLinearConv / QLinearAdd (then NHWC, uint8 MaxPool):
 *
 * - activations: QuantizeLinear → DequantizeLinear, uint8, per-tensor scale and zero point
 *   from a calibration table (min/max measured on real hand crops, `calibration/*.json`);
 * - Conv weights: int8, symmetric, one scale per output channel (axis 0), behind a
 *   DequantizeLinear; biases int32 with scale = input scale × weight scale (per channel).
 *
 * A Relu/Clip between a Conv and its QuantizeLinear is left in place: its range starts at 0
 * (zero point 0, and Clip's top within [0, 6]), so ORT's Relu/ClipQuantFusion drops it.
 * Only Conv, Add (of two activations), MaxPool and ReduceMean inputs are quantized; the
 * head (ReduceMean → Gemm) stays float, and so does the stem (see {@link FLOAT_STEM_CONVS}).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { convertTfliteToGraph } from './convert.ts';
import { type OnnxGraph, type OnnxInitializer, type OnnxNode, writeOnnxModel } from './onnx-writer.ts';

/** Bump when the quantizer's output or a committed calibration table changes (cache key). */
export const QUANTIZER_REVISION = 1;

/** Measured activation ranges of one model. */
export interface CalibrationTable {
  /** `landmark_lite`, … */
  readonly model: string;
  /** {@link graphFingerprint} of the float graph measured: a converter change invalidates the table. */
  readonly fingerprint: string;
  /** How the ranges were measured (crops, statistic). */
  readonly source: string;
  /** Activation name → [min, max]. */
  readonly ranges: Readonly<Record<string, readonly [number, number]>>;
}

const QUANTIZED_OPS = new Set(['Conv', 'Add', 'MaxPool', 'ReduceMean']);

/** Drops Identity nodes (fused-activation NONE) except those producing a graph output. */
export function simplifyGraph(graph: OnnxGraph): OnnxGraph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const rename = new Map<string, string>();
  const resolve = (name: string) => rename.get(name) ?? name;
  const nodes: OnnxNode[] = [];
  for (const node of graph.nodes) {
    const inputs = node.inputs.map(resolve);
    if (node.op === 'Identity' && !outputs.has(node.outputs[0]!)) {
      rename.set(node.outputs[0]!, inputs[0]!);
      continue;
    }
    nodes.push({ ...node, inputs });
  }
  return { ...graph, nodes };
}

/** A stable digest of the graph's structure (ops, wiring, attributes; not the weights). */
export function graphFingerprint(graph: OnnxGraph): string {
  const structure = graph.nodes.map((n) => [n.op, n.inputs, n.outputs, n.attributes ?? {}]);
  return createHash('sha256').update(JSON.stringify(structure)).digest('hex').slice(0, 16);
}

/** The activations {@link quantizeGraph} quantizes: the ones to calibrate. */
export function quantizationTargets(graph: OnnxGraph, keepFloat: ReadonlySet<string> = new Set()): string[] {
  const constants = new Set(graph.initializers.map((i) => i.name));
  const targets = new Set<string>();
  for (const node of graph.nodes) {
    if (!isQuantized(node, constants) || keepFloat.has(node.outputs[0]!)) continue;
    const activations = node.op === 'Conv' ? [node.inputs[0]!] : node.inputs;
    for (const name of activations) targets.add(name);
  }
  return [...targets];
}

function isQuantized(node: OnnxNode, constants: ReadonlySet<string>): boolean {
  if (!QUANTIZED_OPS.has(node.op)) return false;
  if (node.op === 'Conv') return constants.has(node.inputs[1]!);
  if (node.op === 'Add') return node.inputs.every((i) => !constants.has(i));
  return true;
}

/** The graph with extra float outputs (unknown shape): read intermediate activations. */
export function withExtraOutputs(graph: OnnxGraph, names: readonly string[]): OnnxGraph {
  const existing = new Set(graph.outputs.map((o) => o.name));
  return {
    ...graph,
    outputs: [...graph.outputs, ...names.filter((n) => !existing.has(n)).map((name) => ({ name }))],
  };
}

/** uint8 asymmetric parameters covering [min, max] (widened to include 0, as zero must be exact). */
export function activationParams(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/** Rewrites a float graph (after {@link simplifyGraph}) into QDQ form with the table's ranges. */
export function quantizeGraph(
  graph: OnnxGraph,
  table: CalibrationTable,
  keepFloat: ReadonlySet<string> = new Set(),
): OnnxGraph {
  const constants = new Map(graph.initializers.map((i) => [i.name, i]));
  const initializers: OnnxInitializer[] = [...graph.initializers];
  const nodes: OnnxNode[] = [];
  let counter = 0;
  const fresh = (hint: string) => `${hint}_q${counter++}`;
  const add = (hint: string, dims: readonly number[], data: OnnxInitializer['data']): string => {
    const name = fresh(hint);
    initializers.push({ name, dims, data });
    return name;
  };

  // Per-tensor parameters; a MaxPool's output shares its input's (ORT then runs it on uint8).
  const ranges = new Map(Object.entries(table.ranges));
  for (const node of graph.nodes) {
    const range = ranges.get(node.inputs[0]!);
    if (node.op === 'MaxPool' && range) ranges.set(node.outputs[0]!, range);
  }
  const targets = new Set(quantizationTargets(graph, keepFloat));
  const params = new Map<string, { scale: string; zeroPoint: string; value: number }>();
  for (const name of targets) {
    const range = ranges.get(name);
    if (!range) throw new Error(`the calibration table of ${table.model} has no range for ${name}`);
    const { scale, zeroPoint } = activationParams(range[0], range[1]);
    params.set(name, {
      scale: add('scale', [], Float32Array.of(scale)),
      zeroPoint: add('zero_point', [], Uint8Array.of(zeroPoint)),
      value: Math.fround(scale),
    });
  }

  const quantized = new Map<string, string>();
  const quantize = (name: string) => {
    const p = params.get(name);
    if (!p) return;
    const q = fresh(`${name}_quantized`);
    nodes.push({ op: 'QuantizeLinear', inputs: [name, p.scale, p.zeroPoint], outputs: [q] });
    quantized.set(name, q);
  };
  // One DequantizeLinear per consumer: ORT's selectors want a DQ feeding a single node.
  const dequantize = (name: string): string => {
    const p = params.get(name)!;
    const out = fresh(`${name}_dequantized`);
    nodes.push({
      op: 'DequantizeLinear',
      inputs: [quantized.get(name)!, p.scale, p.zeroPoint],
      outputs: [out],
    });
    return out;
  };

  const constantNames = new Set(constants.keys());
  for (const input of graph.inputs) quantize(input.name);
  for (const node of graph.nodes) {
    if (!isQuantized(node, constantNames) || keepFloat.has(node.outputs[0]!)) {
      nodes.push(node);
      for (const out of node.outputs) quantize(out);
      continue;
    }
    if (node.op !== 'Conv') {
      nodes.push({ ...node, inputs: node.inputs.map(dequantize) });
      for (const out of node.outputs) quantize(out);
      continue;
    }
    const [x, w, b] = node.inputs as [string, string, string | undefined];
    const weight = constants.get(w)!;
    const data = weight.data as Float32Array;
    const outChannels = weight.dims[0]!;
    const perChannel = data.length / outChannels;
    const inputScale = params.get(x)!.value;
    const bias = b === undefined ? undefined : (constants.get(b)!.data as Float32Array);
    const weightScales = new Float32Array(outChannels);
    const q = new Int8Array(data.length);
    for (let o = 0; o < outChannels; o++) {
      let peak = 0;
      for (let i = 0; i < perChannel; i++) peak = Math.max(peak, Math.abs(data[o * perChannel + i]!));
      let scale = peak > 0 ? peak / 127 : 1;
      // A near-zero channel with a real bias would overflow int32: coarser weights instead.
      if (bias) scale = Math.max(scale, Math.abs(bias[o]!) / (inputScale * 2 ** 30));
      weightScales[o] = scale;
      for (let i = 0; i < perChannel; i++) {
        const v = Math.round(data[o * perChannel + i]! / scale);
        q[o * perChannel + i] = Math.max(-127, Math.min(127, v));
      }
    }
    const channelAxis = { axis: 0 };
    const wq = fresh(`${w}_dequantized`);
    nodes.push({
      op: 'DequantizeLinear',
      inputs: [
        add(`${w}_int8`, weight.dims, q),
        add('w_scale', [outChannels], weightScales),
        add('w_zero_point', [outChannels], new Int8Array(outChannels)),
      ],
      outputs: [wq],
      attributes: channelAxis,
    });
    const inputs = [dequantize(x), wq];
    if (bias) {
      const biasScales = weightScales.map((s) => Math.fround(s * inputScale));
      const bq = Int32Array.from(bias, (v, o) => Math.round(v / biasScales[o]!));
      const out = fresh(`${b}_dequantized`);
      nodes.push({
        op: 'DequantizeLinear',
        inputs: [
          add(`${b}_int32`, [outChannels], bq),
          add('b_scale', [outChannels], biasScales),
          add('b_zero_point', [outChannels], new Int32Array(outChannels)),
        ],
        outputs: [out],
        attributes: channelAxis,
      });
      inputs.push(out);
    }
    nodes.push({ ...node, inputs });
    for (const out of node.outputs) quantize(out);
  }
  // Float weights and biases now only feed nothing: drop them.
  const used = new Set(nodes.flatMap((n) => n.inputs));
  return {
    ...graph,
    name: `${graph.name}_int8`,
    nodes,
    initializers: initializers.filter((i) => used.has(i.name)),
  };
}

/**
 * The first convolutions (full-resolution 3→24 conv and its depthwise) stay float: at 112x112
 * with few channels ORT's uint8 kernels are slower than its float NCHWc ones (0.7 + 0.6 ms vs
 * 0.5 + 0.3 ms on AVX-512), and keeping them float was ~0.5 ms faster per run overall.
 */
export const FLOAT_STEM_CONVS = 2;

function floatStem(graph: OnnxGraph): Set<string> {
  const convs = graph.nodes.filter((n) => n.op === 'Conv');
  return new Set(convs.slice(0, FLOAT_STEM_CONVS).map((n) => n.outputs[0]!));
}

/** The committed calibration table of a model (`calibration/<model>.json`). */
export async function readCalibrationTable(model: string): Promise<CalibrationTable> {
  const url = new URL(`./calibration/${model}.json`, import.meta.url);
  return JSON.parse(await readFile(url, 'utf8')) as CalibrationTable;
}

/** Converts a float `.tflite` model and quantizes it with its committed calibration table. */
export async function convertTfliteToInt8Onnx(tflite: Uint8Array, name: string): Promise<Uint8Array> {
  const table = await readCalibrationTable(name);
  const graph = simplifyGraph(convertTfliteToGraph(tflite, name));
  if (graphFingerprint(graph) !== table.fingerprint) {
    throw new Error(
      `the int8 calibration of ${name} was measured on another converter output: run \`node scripts/calibrate-int8.ts\` in plugins/hand-tracker`,
    );
  }
  return writeOnnxModel(quantizeGraph(graph, table, floatStem(graph)));
}
