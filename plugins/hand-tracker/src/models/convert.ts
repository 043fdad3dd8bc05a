/**
 * Converts the MediaPipe hand models from TFLite to ONNX so onnxruntime-node can run them.
 *
 * Layout rule: TFLite is NHWC, ONNX convolutions are NCHW. Every 4-D activation in the ONNX
 * graph is NCHW (the graph input too: feed it planar RGB); every other tensor keeps TFLite's
 * layout. Reshapes and fully-connected layers that flatten a 4-D tensor transpose it back to
 * NHWC first so the element order matches. float16 weights (fed through DEQUANTIZE) are
 * folded into float32 initializers.
 *
 * Only the 13 operators these models use are supported; anything else is a clear error.
 */
import { type OnnxGraph, type OnnxInitializer, type OnnxNode, writeOnnxModel } from './onnx-writer.ts';
import {
  OP,
  type OptionsReader,
  readTflite,
  TENSOR_TYPE,
  type TfliteModel,
  type TfliteTensor,
} from './tflite.ts';

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
/** TFLite NHWC axis → NCHW axis. */
const AXIS_TO_NCHW = [0, 2, 3, 1];

/** TFLite ActivationFunctionType values. */
const ACTIVATION = { NONE: 0, RELU: 1, RELU6: 3 } as const;

function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Permutes a dense float array of `shape` by `perm` (ONNX Transpose semantics). */
export function transposeArray(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i]!;
  }
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += index[i]! * inStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

export interface ConvertOptions {
  /**
   * Rewrite per-channel PRELU on 4-D activations as depthwise 1x1 convolutions (see
   * `preluAsConv`). Default true; false keeps ONNX PRelu (the reference the tests compare to).
   */
  readonly preluAsConv?: boolean;
  /** Rewrite zero-padding of the channel axis as a 1x1 convolution (see `channelPadAsConv`). Default true. */
  readonly channelPadAsConv?: boolean;
}

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private counter = 0;

  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }
  node(op: string, inputs: readonly string[], attributes?: OnnxNode['attributes'], output?: string): string {
    const out = output ?? this.fresh(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [out], attributes });
    return out;
  }
  floats(hint: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }
  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    this.initializers.push({
      name,
      dims: [values.length],
      data: BigInt64Array.from(values, (v) => BigInt(v)),
    });
    return name;
  }
}

class Converter {
  private readonly model: TfliteModel;
  private readonly g = new GraphBuilder();
  /** Folded float constants (TFLite layout), by tensor index. */
  private readonly constants = new Map<number, Float32Array>();
  private readonly names = new Map<number, string>();

  private readonly options: Required<ConvertOptions>;

  constructor(model: TfliteModel, options: ConvertOptions) {
    this.model = model;
    this.options = { preluAsConv: true, channelPadAsConv: true, ...options };
    for (const tensor of model.tensors) {
      if (tensor.data && tensor.type === TENSOR_TYPE.FLOAT32)
        this.constants.set(tensor.index, this.float32(tensor));
    }
    for (const [i, index] of model.inputs.entries()) this.names.set(index, `input_${i}`);
    for (const index of model.outputs) this.names.set(index, this.tensor(index).name);
  }

  private tensor(index: number): TfliteTensor {
    const tensor = this.model.tensors[index];
    if (!tensor) throw new Error(`TFLite tensor ${index} does not exist`);
    return tensor;
  }
  private float32(tensor: TfliteTensor): Float32Array {
    const data = tensor.data!;
    return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  }
  private int32s(index: number): number[] {
    const tensor = this.tensor(index);
    if (!tensor.data || tensor.type !== TENSOR_TYPE.INT32) {
      throw new Error(`TFLite tensor ${tensor.name} must be a constant int32 tensor`);
    }
    const view = new DataView(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    return Array.from({ length: tensor.data.byteLength / 4 }, (_, i) => view.getInt32(4 * i, true));
  }
  private const(index: number): Float32Array {
    const value = this.constants.get(index);
    if (!value) throw new Error(`TFLite tensor ${this.tensor(index).name} must be a constant`);
    return value;
  }
  /** The ONNX value name of an activation. */
  private value(index: number): string {
    const name = this.names.get(index);
    if (!name) throw new Error(`TFLite tensor ${this.tensor(index).name} is used before it is computed`);
    return name;
  }
  private outName(index: number): string {
    const name = this.names.get(index) ?? `t${index}`;
    this.names.set(index, name);
    return name;
  }
  private rank(index: number): number {
    return this.tensor(index).shape.length;
  }
  /** A value as an activation, or a constant initializer shaped to broadcast against NCHW. */
  private operand(index: number, against: number): string {
    const constant = this.constants.get(index);
    if (!constant) return this.value(index);
    const shape = this.tensor(index).shape;
    if (this.rank(against) === 4 && shape.length < 4) {
      // A per-channel constant ([C], [1,C], [1,1,C]) broadcasts over NCHW as [C,1,1].
      if (product(shape) !== (shape.at(-1) ?? 1)) throw new Error('only per-channel constants can broadcast');
      return this.g.floats('channel_const', [shape.at(-1) ?? 1, 1, 1], constant);
    }
    if (shape.length === 4)
      return this.g.floats(
        'const',
        NHWC_TO_NCHW.map((p) => shape[p]!),
        transposeArray(constant, shape, NHWC_TO_NCHW),
      );
    return this.g.floats('const', shape, constant);
  }
  /** Element order as TFLite has it: a 4-D activation goes back to NHWC. */
  private asTfliteLayout(index: number): string {
    return this.rank(index) === 4
      ? this.g.node('Transpose', [this.value(index)], { perm: NCHW_TO_NHWC })
      : this.value(index);
  }
  private activation(value: string, activation: number, output: string): void {
    if (activation === ACTIVATION.NONE) this.g.node('Identity', [value], undefined, output);
    else if (activation === ACTIVATION.RELU) this.g.node('Relu', [value], undefined, output);
    else if (activation === ACTIVATION.RELU6) {
      const min = this.g.floats('zero', [], Float32Array.of(0));
      const max = this.g.floats('six', [], Float32Array.of(6));
      this.g.node('Clip', [value, min, max], undefined, output);
    } else throw new Error(`unsupported fused activation ${activation}`);
  }
  /** Explicit ONNX pads [top, left, bottom, right] for TFLite SAME/VALID padding. */
  private pads(
    input: number,
    output: number,
    kernel: [number, number],
    stride: [number, number],
    dilation: [number, number],
    same: boolean,
  ): number[] {
    if (!same) return [0, 0, 0, 0];
    const inShape = this.tensor(input).shape;
    const outShape = this.tensor(output).shape;
    const total = [1, 2].map((axis, i) => {
      const effective = (kernel[i]! - 1) * dilation[i]! + 1;
      return Math.max((outShape[axis]! - 1) * stride[i]! + effective - inShape[axis]!, 0);
    });
    const begin = total.map((t) => Math.floor(t / 2));
    return [begin[0]!, begin[1]!, total[0]! - begin[0]!, total[1]! - begin[1]!];
  }

  /**
   * PRelu(x) = x + (1 - a) * Relu(-x), as two depthwise 1x1 convolutions: ORT's NCHWc
   * transformer has no PRelu, so a plain PRelu forces a reorder out of NCHWc and back plus a
   * slow broadcast kernel; this form stays in NCHWc, with the Relu fused into the first
   * convolution and the Add fused into the second as its sum input.
   */
  private preluAsConv(x: string, slope: Float32Array, output: string): void {
    const g = this.g;
    const channels = slope.length;
    const depthwise = { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], group: channels };
    const negate = g.floats('prelu_negate', [channels, 1, 1, 1], new Float32Array(channels).fill(-1));
    const negative = g.node('Relu', [g.node('Conv', [x, negate], depthwise)]);
    const scale = g.floats(
      'prelu_scale',
      [channels, 1, 1, 1],
      slope.map((a) => 1 - a),
    );
    g.node('Add', [g.node('Conv', [negative, scale], depthwise), x], undefined, output);
  }

  /**
   * Zero-padding of the channel axis only, as a 1x1 convolution with identity weights (exact:
   * every output is 1·x or 0). BlazePalm pads channels where a stage widens its residual path;
   * ORT's NCHWc transformer has no Pad, so a Pad there leaves the stage's residual Adds in
   * plain NCHW, each with a reorder out and back in, and unfused.
   */
  private channelPadAsConv(x: number, before: number, after: number, output: string): void {
    const inChannels = this.tensor(x).shape[3]!;
    const outChannels = before + inChannels + after;
    const weights = new Float32Array(outChannels * inChannels);
    for (let c = 0; c < inChannels; c++) weights[(before + c) * inChannels + c] = 1;
    this.g.node(
      'Conv',
      [this.value(x), this.g.floats('pad_weight', [outChannels, inChannels, 1, 1], weights)],
      { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], group: 1 },
      output,
    );
  }

  private convert(
    opcode: number,
    inputs: readonly number[],
    outputs: readonly number[],
    options: OptionsReader,
  ): void {
    const g = this.g;
    const [x, w, b] = inputs as [number, number, number | undefined];
    const out = outputs[0]!;
    const outName = this.outName(out);
    switch (opcode) {
      case OP.DEQUANTIZE: {
        const source = this.tensor(x);
        if (!source.data || source.type !== TENSOR_TYPE.FLOAT16)
          throw new Error('only constant float16 DEQUANTIZE is supported');
        const view = new DataView(source.data.buffer, source.data.byteOffset, source.data.byteLength);
        const values = new Float32Array(source.data.byteLength / 2);
        for (let i = 0; i < values.length; i++) values[i] = float16ToFloat32(view.getUint16(2 * i, true));
        this.constants.set(out, values);
        this.names.delete(out);
        return;
      }
      case OP.CONV_2D:
      case OP.DEPTHWISE_CONV_2D: {
        const depthwise = opcode === OP.DEPTHWISE_CONV_2D;
        // Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4 dilation_w, 5 dilation_h.
        // DepthwiseConv2DOptions: the same with 3 depth_multiplier inserted before the activation.
        const activation = options.int8(depthwise ? 4 : 3);
        const dilation: [number, number] = [
          options.int32(depthwise ? 6 : 5, 1),
          options.int32(depthwise ? 5 : 4, 1),
        ];
        const stride: [number, number] = [options.int32(2, 1), options.int32(1, 1)];
        const wShape = this.tensor(w).shape; // conv: [O, KH, KW, I]; depthwise: [1, KH, KW, O]
        const kernel: [number, number] = [wShape[1]!, wShape[2]!];
        const weights = depthwise
          ? g.floats(
              'dw_weight',
              [wShape[3]!, 1, wShape[1]!, wShape[2]!],
              transposeArray(this.const(w), wShape, [3, 0, 1, 2]),
            )
          : g.floats(
              'conv_weight',
              [wShape[0]!, wShape[3]!, wShape[1]!, wShape[2]!],
              transposeArray(this.const(w), wShape, [0, 3, 1, 2]),
            );
        const convInputs = [this.value(x), weights];
        if (b !== undefined && b >= 0)
          convInputs.push(g.floats('bias', [product(this.tensor(b).shape)], this.const(b)));
        const y = g.node('Conv', convInputs, {
          kernel_shape: kernel,
          strides: stride,
          dilations: dilation,
          pads: this.pads(x, out, kernel, stride, dilation, options.int8(0) === 0),
          group: depthwise ? this.tensor(x).shape[3]! : 1,
        });
        this.activation(y, activation, outName);
        return;
      }
      case OP.MAX_POOL_2D: {
        // Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_width, 4 filter_height, 5 activation.
        const kernel: [number, number] = [options.int32(4), options.int32(3)];
        const stride: [number, number] = [options.int32(2, 1), options.int32(1, 1)];
        const y = g.node('MaxPool', [this.value(x)], {
          kernel_shape: kernel,
          strides: stride,
          pads: this.pads(x, out, kernel, stride, [1, 1], options.int8(0) === 0),
        });
        this.activation(y, options.int8(5), outName);
        return;
      }
      case OP.ADD: {
        // AddOptions: 0 activation.
        const y = g.node('Add', [this.operand(x, out), this.operand(w, out)]);
        this.activation(y, options.int8(0), outName);
        return;
      }
      case OP.PRELU: {
        const slope = this.constants.get(w);
        const channels = this.tensor(x).shape[3];
        if (
          this.options.preluAsConv &&
          this.rank(x) === 4 &&
          slope &&
          channels !== undefined &&
          slope.length === channels &&
          product(this.tensor(w).shape) === channels
        ) {
          this.preluAsConv(this.value(x), slope, outName);
          return;
        }
        g.node('PRelu', [this.value(x), this.operand(w, out)], undefined, outName);
        return;
      }
      case OP.LOGISTIC:
        g.node('Sigmoid', [this.value(x)], undefined, outName);
        return;
      case OP.CONCATENATION: {
        // ConcatenationOptions: 0 axis, 1 activation.
        const rank = this.rank(out);
        let axis = options.int32(0);
        if (axis < 0) axis += rank;
        const y = g.node(
          'Concat',
          inputs.map((i) => this.operand(i, out)),
          { axis: rank === 4 ? AXIS_TO_NCHW[axis]! : axis },
        );
        this.activation(y, options.int8(1), outName);
        return;
      }
      case OP.RESHAPE: {
        const outShape = this.tensor(out).shape;
        const shape = g.int64s('shape', outShape);
        if (outShape.length === 4) {
          const y = g.node('Reshape', [this.asTfliteLayout(x), shape]);
          g.node('Transpose', [y], { perm: NHWC_TO_NCHW }, outName);
        } else g.node('Reshape', [this.asTfliteLayout(x), shape], undefined, outName);
        return;
      }
      case OP.RESIZE_BILINEAR: {
        // ResizeBilinearOptions: 0 new_height (deprecated), 1 new_width (deprecated), 2 align_corners, 3 half_pixel_centers.
        const [n, h, wd, c] = this.tensor(out).shape as [number, number, number, number];
        const mode = options.bool(2) ? 'align_corners' : options.bool(3) ? 'half_pixel' : 'asymmetric';
        g.node(
          'Resize',
          [this.value(x), '', '', g.int64s('sizes', [n, c, h, wd])],
          { mode: 'linear', coordinate_transformation_mode: mode },
          outName,
        );
        return;
      }
      case OP.PAD: {
        const paddings = this.int32s(w); // [[before, after] per NHWC axis]
        const rank = this.rank(x);
        const order = rank === 4 ? NHWC_TO_NCHW : [...Array(rank).keys()];
        const pads = [
          ...order.map((axis) => paddings[2 * axis]!),
          ...order.map((axis) => paddings[2 * axis + 1]!),
        ];
        if (this.options.channelPadAsConv && rank === 4 && paddings.every((p, i) => p === 0 || i >= 6)) {
          this.channelPadAsConv(x, paddings[6]!, paddings[7]!, outName);
          return;
        }
        g.node('Pad', [this.value(x), g.int64s('pads', pads)], { mode: 'constant' }, outName);
        return;
      }
      case OP.MEAN: {
        // ReducerOptions: 0 keep_dims.
        const rank = this.rank(x);
        const keep = options.bool(0);
        const axes = this.int32s(w).map((a) => (a < 0 ? a + rank : a));
        if (rank === 4 && !keep && !(axes.length === 2 && axes.includes(1) && axes.includes(2))) {
          throw new Error('MEAN over a 4-D tensor without keep_dims is only supported over the spatial axes');
        }
        g.node(
          'ReduceMean',
          [this.value(x)],
          { axes: rank === 4 ? axes.map((a) => AXIS_TO_NCHW[a]!) : axes, keepdims: keep ? 1 : 0 },
          outName,
        );
        return;
      }
      case OP.FULLY_CONNECTED: {
        // FullyConnectedOptions: 0 activation, 1 weights_format, 2 keep_num_dims.
        const wShape = this.tensor(w).shape; // [out, in]
        let input = this.asTfliteLayout(x);
        if (this.rank(x) !== 2) input = g.node('Reshape', [input, g.int64s('shape', [-1, wShape[1]!])]);
        const gemmInputs = [input, g.floats('fc_weight', wShape, this.const(w))];
        if (b !== undefined && b >= 0) gemmInputs.push(g.floats('fc_bias', [wShape[0]!], this.const(b)));
        const y = g.node('Gemm', gemmInputs, { transB: 1 });
        if (this.rank(out) !== 2) throw new Error('FULLY_CONNECTED with a non-2-D output is not supported');
        this.activation(y, options.int8(0), outName);
        return;
      }
      default:
        throw new Error(`unsupported TFLite operator (builtin code ${opcode})`);
    }
  }

  run(name: string): OnnxGraph {
    for (const op of this.model.operators) this.convert(op.opcode, op.inputs, op.outputs, op.options);
    const io = (index: number) => {
      const shape = this.tensor(index).shape;
      return {
        name: this.value(index),
        dims: shape.length === 4 ? NHWC_TO_NCHW.map((p) => shape[p]!) : shape,
      };
    };
    for (const index of this.model.outputs) {
      if (this.rank(index) === 4)
        throw new Error('4-D model outputs are not supported (they would come out NCHW)');
    }
    return {
      name,
      nodes: this.g.nodes,
      initializers: this.g.initializers,
      inputs: this.model.inputs.map(io),
      outputs: this.model.outputs.map(io),
    };
  }
}

/**
 * Converts a `.tflite` model to ONNX bytes. The ONNX model takes its image input as NCHW
 * (`[1, 3, H, W]`); other inputs and all outputs keep their TFLite shapes and names.
 */
export function convertTfliteToOnnx(
  tflite: Uint8Array,
  name = 'model',
  options: ConvertOptions = {},
): Uint8Array {
  return writeOnnxModel(convertTfliteToGraph(tflite, name, options));
}

/** The converted graph before serialisation (the int8 quantizer rewrites it). */
export function convertTfliteToGraph(
  tflite: Uint8Array,
  name = 'model',
  options: ConvertOptions = {},
): OnnxGraph {
  return new Converter(readTflite(tflite), options).run(name);
}
