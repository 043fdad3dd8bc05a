/**
 * Writes ONNX models (`onnx.proto`, Apache-2.0) as protobuf bytes: just the messages and
 * fields a converted convolutional network needs (graph, nodes, attributes, float/int64 and,
 * for quantized models, int8/uint8/int32 initializers, typed inputs and outputs). No protobuf
 * library: the wire format is small.
 */

/** ONNX `TensorProto.DataType` values used here. */
export const ONNX_TYPE = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

export type AttributeValue = number | readonly number[] | string | { readonly float: number };

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Integers (and integer lists) become INT/INTS; `{ float }` becomes FLOAT; strings STRING. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array | Int8Array | Uint8Array | Int32Array;
}

export interface OnnxValueInfo {
  readonly name: string;
  /** Omitted: shape left unknown (extra outputs exposing intermediate values, for calibration). */
  readonly dims?: readonly number[];
}

function tensorType(data: OnnxInitializer['data']): number {
  if (data instanceof Float32Array) return ONNX_TYPE.FLOAT;
  if (data instanceof BigInt64Array) return ONNX_TYPE.INT64;
  if (data instanceof Int8Array) return ONNX_TYPE.INT8;
  if (data instanceof Uint8Array) return ONNX_TYPE.UINT8;
  return ONNX_TYPE.INT32;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

/** Appends protobuf fields to a growing list of byte chunks. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  private varint(value: bigint | number): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
  }
  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }
  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }
  float(field: number, value: number): this {
    this.key(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }
  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }
  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  // AttributeProto: 1 name, 2 f, 3 i, 4 s, 8 ints, 20 type (FLOAT 1, INT 2, STRING 3, INTS 7).
  w.string(1, name);
  if (typeof value === 'number') w.int(3, value).int(20, 2);
  else if (typeof value === 'string') w.string(4, value).int(20, 3);
  else if ('float' in value) w.float(2, value.float).int(20, 1);
  else {
    for (const v of value) w.int(8, v);
    w.int(20, 7);
  }
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  // ValueInfoProto: 1 name, 2 type → TypeProto: 1 tensor_type → 1 elem_type, 2 shape → 1 dim → 1 dim_value.
  w.string(1, info.name).message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ONNX_TYPE.FLOAT);
      const dims = info.dims;
      if (dims)
        tensor.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
        });
    }),
  );
}

/** Serialises a graph as an ONNX model (IR version 8, default-domain opset 13). */
export function writeOnnxModel(graph: OnnxGraph, producer = '@bambam/hand-tracker'): Uint8Array {
  const w = new ProtoWriter();
  // ModelProto: 1 ir_version, 2 producer_name, 7 graph, 8 opset_import.
  w.int(1, 8).string(2, producer);
  w.message(7, (g) => {
    // GraphProto: 1 node, 2 name, 5 initializer, 11 input, 12 output.
    for (const node of graph.nodes) {
      g.message(1, (n) => {
        // NodeProto: 1 input, 2 output, 4 op_type, 5 attribute.
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(4, node.op);
        for (const [name, value] of Object.entries(node.attributes ?? {})) {
          n.message(5, (a) => writeAttribute(a, name, value));
        }
      });
    }
    g.string(2, graph.name);
    for (const init of graph.initializers) {
      g.message(5, (t) => {
        // TensorProto: 1 dims, 2 data_type, 8 name, 9 raw_data (little-endian).
        for (const d of init.dims) t.int(1, d);
        t.int(2, tensorType(init.data));
        t.string(8, init.name);
        t.bytes(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
      });
    }
    for (const input of graph.inputs) g.message(11, (v) => writeValueInfo(v, input));
    for (const output of graph.outputs) g.message(12, (v) => writeValueInfo(v, output));
  });
  w.message(8, (o) => o.string(1, '').int(2, 13));
  return w.finish();
}
