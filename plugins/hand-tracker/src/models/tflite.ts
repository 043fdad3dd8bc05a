/**
 * A minimal reader for the `.tflite` flatbuffer format (TensorFlow Lite's `schema.fbs`,
 * Apache-2.0): only the tables and fields the model converter needs. Field numbers follow the
 * schema; a flatbuffer vtable slot is `4 + 2 * fieldIndex`.
 */
import { ByteBuffer } from 'flatbuffers';

/** TFLite `TensorType` values we meet. */
export const TENSOR_TYPE = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4 } as const;

/** TFLite `BuiltinOperator` codes of the operators the MediaPipe hand models use. */
export const OP = {
  ADD: 0,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  PAD: 34,
  MEAN: 40,
  PRELU: 54,
} as const;

export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
  /** The constant's bytes, or undefined for an activation. */
  readonly data: Uint8Array | undefined;
}

export interface TfliteOperator {
  readonly opcode: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** The operator's builtin options table (reads defaults when the operator has none). */
  readonly options: OptionsReader;
}

export interface TfliteModel {
  readonly tensors: readonly TfliteTensor[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly TfliteOperator[];
}

/** Reads scalar fields of one options table by field index, with the schema's defaults. */
export class OptionsReader {
  private readonly bb: ByteBuffer;
  private readonly pos: number;
  constructor(bb: ByteBuffer, pos: number) {
    this.bb = bb;
    this.pos = pos;
  }
  private field(index: number): number {
    return this.pos === 0 ? 0 : this.bb.__offset(this.pos, 4 + 2 * index);
  }
  int8(index: number, fallback = 0): number {
    const o = this.field(index);
    return o ? this.bb.readInt8(this.pos + o) : fallback;
  }
  int32(index: number, fallback = 0): number {
    const o = this.field(index);
    return o ? this.bb.readInt32(this.pos + o) : fallback;
  }
  bool(index: number, fallback = false): boolean {
    const o = this.field(index);
    return o ? this.bb.readInt8(this.pos + o) !== 0 : fallback;
  }
  int32Vector(index: number): number[] {
    const o = this.field(index);
    return o ? readInt32Vector(this.bb, this.pos + o) : [];
  }
}

function readInt32Vector(bb: ByteBuffer, fieldPos: number): number[] {
  const start = bb.__vector(fieldPos);
  const length = bb.__vector_len(fieldPos);
  const out: number[] = [];
  for (let i = 0; i < length; i++) out.push(bb.readInt32(start + 4 * i));
  return out;
}

/** Positions of the tables in a vector of tables. */
function readTableVector(bb: ByteBuffer, tablePos: number, index: number): number[] {
  const o = bb.__offset(tablePos, 4 + 2 * index);
  if (!o) return [];
  const start = bb.__vector(tablePos + o);
  const length = bb.__vector_len(tablePos + o);
  const out: number[] = [];
  for (let i = 0; i < length; i++) out.push(bb.__indirect(start + 4 * i));
  return out;
}

function intVectorField(bb: ByteBuffer, tablePos: number, index: number): number[] {
  const o = bb.__offset(tablePos, 4 + 2 * index);
  return o ? readInt32Vector(bb, tablePos + o) : [];
}

/** Parses a `.tflite` file (first subgraph only, which is all these models have). */
export function readTflite(bytes: Uint8Array): TfliteModel {
  const bb = new ByteBuffer(bytes);
  if (bytes.length < 8 || bb.getBufferIdentifier() !== 'TFL3') {
    throw new Error('not a TFLite model (missing the TFL3 file identifier)');
  }
  const model = bb.readInt32(bb.position()) + bb.position();

  // Model: 1 operator_codes, 2 subgraphs, 4 buffers.
  const opcodes = readTableVector(bb, model, 1).map((pos) => {
    // OperatorCode: 0 deprecated_builtin_code (int8), 3 builtin_code (int32).
    const reader = new OptionsReader(bb, pos);
    return Math.max(reader.int8(0), reader.int32(3));
  });
  const buffers = readTableVector(bb, model, 4).map((pos) => {
    // Buffer: 0 data ([ubyte]). Offset/size fields (for >2 GB models) are not used here.
    const o = bb.__offset(pos, 4);
    if (!o) return undefined;
    const start = bb.__vector(pos + o);
    const length = bb.__vector_len(pos + o);
    return length > 0 ? bytes.subarray(start, start + length) : undefined;
  });
  const subgraphs = readTableVector(bb, model, 2);
  if (subgraphs.length === 0) throw new Error('TFLite model has no subgraph');
  const graph = subgraphs[0]!;

  // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators.
  const tensors = readTableVector(bb, graph, 0).map((pos, index): TfliteTensor => {
    // Tensor: 0 shape, 1 type (int8), 2 buffer (uint32), 3 name.
    const reader = new OptionsReader(bb, pos);
    const nameOffset = bb.__offset(pos, 10);
    return {
      index,
      name: nameOffset ? (bb.__string(pos + nameOffset) as string) : `t${index}`,
      shape: intVectorField(bb, pos, 0),
      type: reader.int8(1),
      data: buffers[reader.int32(2)],
    };
  });
  const operators = readTableVector(bb, graph, 3).map((pos): TfliteOperator => {
    // Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options.
    const reader = new OptionsReader(bb, pos);
    const optionsOffset = bb.__offset(pos, 12);
    const opcode = opcodes[reader.int32(0)];
    if (opcode === undefined) throw new Error('TFLite operator refers to a missing operator code');
    return {
      opcode,
      inputs: intVectorField(bb, pos, 1),
      outputs: intVectorField(bb, pos, 2),
      options: new OptionsReader(bb, optionsOffset ? bb.__indirect(pos + optionsOffset) : 0),
    };
  });
  return { tensors, inputs: intVectorField(bb, graph, 1), outputs: intVectorField(bb, graph, 2), operators };
}
