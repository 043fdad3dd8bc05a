/**
 * Builds the `hand_landmarker.task` file that `@mediapipe/tasks-vision`'s HandLandmarker loads,
 * from the models shipped in `@mediapipe/hands` (Apache-2.0), into `.cache/`. Used by
 * `bench/tasks-vision.ts`; run alone with `node scripts/tasks-vision-bundle.ts [full|lite]`.
 *
 * A `.task` file is a stored (uncompressed) zip of `hand_detector.tflite` and
 * `hand_landmarks_detector.tflite`. tasks-vision refuses a float model without TFLite metadata
 * saying how to normalise the input image, and the `@mediapipe/hands` models have none, so each
 * model gets a `TFLITE_METADATA` entry (the `metadata_schema.fbs` tables, file identifier
 * `M001`): an RGB image input with NormalizationOptions mean 0, std 255 (pixels to [0, 1]).
 *
 * Adding it does not re-encode the model: the new file is a new root `Model` table (and a
 * `buffers` and `metadata` vector with one more entry each) written in front of the untouched old
 * bytes, whose operators, tensors and buffers it points into. Flatbuffer offsets only point
 * forwards, so the old tables stay valid; the old bytes keep their 16-byte alignment.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { Builder, ByteBuffer } from 'flatbuffers';
import { type ModelVariant, readTfliteModel } from '../src/models/sources.ts';

/** A flatbuffer vtable slot of field `index`. */
const slot = (index: number) => 4 + 2 * index;

/** Writes `bytes` as a `[ubyte]` vector whose data starts `alignment`-aligned; returns its offset. */
function alignedByteVector(builder: Builder, bytes: Uint8Array, alignment: number): number {
  builder.startVector(1, bytes.length, alignment);
  builder.pad(bytes.length);
  const data = builder.dataBuffer();
  data.bytes().set(bytes, data.capacity() - builder.offset());
  return builder.endVector();
}

function floatVector(builder: Builder, values: readonly number[]): number {
  builder.startVector(4, values.length, 4);
  for (const value of [...values].reverse()) builder.addFloat32(value);
  return builder.endVector();
}

function offsetVector(builder: Builder, offsets: readonly number[]): number {
  builder.startVector(4, offsets.length, 4);
  for (const offset of [...offsets].reverse()) builder.addOffset(offset);
  return builder.endVector();
}

export interface ImageInputMetadata {
  /** Model name recorded in the metadata. */
  readonly name: string;
  /** Per-channel (or one shared) normalisation: `(pixel - mean) / std`. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** A `ModelMetadata` flatbuffer (`M001`) describing one RGB image input tensor. */
export function imageInputMetadata({ name, mean, std }: ImageInputMetadata): Uint8Array {
  const b = new Builder(512);
  // NormalizationOptions { mean: [float] = 0, std: [float] = 1 }
  const meanVector = floatVector(b, mean);
  const stdVector = floatVector(b, std);
  b.startObject(2);
  b.addFieldOffset(0, meanVector, 0);
  b.addFieldOffset(1, stdVector, 0);
  const normalization = b.endObject();
  // ProcessUnit { options: ProcessUnitOptions } — a union: type slot 0 (NormalizationOptions = 1), value slot 1.
  b.startObject(2);
  b.addFieldInt8(0, 1, 0);
  b.addFieldOffset(1, normalization, 0);
  const processUnits = offsetVector(b, [b.endObject()]);
  // ImageProperties { color_space = RGB (1) }
  b.startObject(2);
  b.addFieldInt8(0, 1, 0);
  const imageProperties = b.endObject();
  // Content { content_properties: ContentProperties } — union: type slot 0 (ImageProperties = 2), value slot 1.
  b.startObject(3);
  b.addFieldInt8(0, 2, 0);
  b.addFieldOffset(1, imageProperties, 0);
  const content = b.endObject();
  // TensorMetadata { 0 name, 3 content, 4 process_units }
  const tensorName = b.createString('image');
  b.startObject(7);
  b.addFieldOffset(0, tensorName, 0);
  b.addFieldOffset(3, content, 0);
  b.addFieldOffset(4, processUnits, 0);
  const inputs = offsetVector(b, [b.endObject()]);
  // SubGraphMetadata { 2 input_tensor_metadata }
  b.startObject(5);
  b.addFieldOffset(2, inputs, 0);
  const subgraphs = offsetVector(b, [b.endObject()]);
  // ModelMetadata { 0 name, 3 subgraph_metadata, 7 min_parser_version }
  const modelName = b.createString(name);
  const minParserVersion = b.createString('1.0.0');
  b.startObject(8);
  b.addFieldOffset(0, modelName, 0);
  b.addFieldOffset(3, subgraphs, 0);
  b.addFieldOffset(7, minParserVersion, 0);
  b.finish(b.endObject(), 'M001');
  return b.asUint8Array().slice();
}

/**
 * The `.tflite` model with `metadata` added as its `TFLITE_METADATA` entry (any metadata entries
 * it already has are kept).
 */
export function addTfliteMetadata(model: Uint8Array, metadata: Uint8Array): Uint8Array {
  const old = new ByteBuffer(model);
  if (model.length < 8 || old.getBufferIdentifier() !== 'TFL3') {
    throw new Error('not a TFLite model (missing the TFL3 file identifier)');
  }
  const root = old.readUint32(0);
  /** Position of the table/vector/string field `index` of the old root points to, or 0 if absent. */
  const target = (table: number, index: number) => {
    const o = old.__offset(table, slot(index));
    return o ? table + o + old.readUint32(table + o) : 0;
  };
  const tables = (vector: number) => {
    if (!vector) return [];
    const out: number[] = [];
    for (let i = 0; i < old.readUint32(vector); i++) out.push(old.__indirect(vector + 4 + 4 * i));
    return out;
  };

  const b = new Builder(model.length + metadata.length + 1024);
  // The old file goes last (flatbuffers build back to front), 16-aligned and padded to 16.
  const padded = Math.ceil(model.length / 16) * 16;
  b.prep(16, padded);
  b.pad(padded);
  const data = b.dataBuffer();
  data.bytes().set(model, data.capacity() - b.offset());
  const oldStart = b.offset();
  /** Builder offset of an old position (builder offsets count from the buffer's end). */
  const ref = (position: number) => oldStart - position;

  // Model: 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers,
  // 5 metadata_buffer, 6 metadata, 7 signature_defs. Buffer: 0 data. Metadata: 0 name, 1 buffer.
  const oldBuffers = tables(target(root, 4));
  const metadataData = alignedByteVector(b, metadata, 16);
  b.startObject(3);
  b.addFieldOffset(0, metadataData, 0);
  const metadataBuffer = b.endObject();
  const buffers = offsetVector(b, [...oldBuffers.map(ref), metadataBuffer]);
  const entryName = b.createString('TFLITE_METADATA');
  b.startObject(2);
  b.addFieldOffset(0, entryName, 0);
  b.addFieldInt32(1, oldBuffers.length, -1);
  const entry = b.endObject();
  const metadataEntries = offsetVector(b, [...tables(target(root, 6)).map(ref), entry]);

  const versionOffset = old.__offset(root, slot(0));
  b.startObject(8);
  b.addFieldInt32(0, versionOffset ? old.readUint32(root + versionOffset) : 0, -1);
  for (const index of [1, 2, 3, 5, 7]) {
    const position = target(root, index);
    if (position) b.addFieldOffset(index, ref(position), 0);
  }
  b.addFieldOffset(4, buffers, 0);
  b.addFieldOffset(6, metadataEntries, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** A zip archive of stored (uncompressed) files, each file's data 64-byte aligned. */
export function storedZip(files: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1; // 2026-01-01, a fixed date: reproducible output
  for (const { name, data } of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    // Alignment padding goes in an extra field (id 0xD935, as Android's zipalign uses).
    let extraLength = 64 - ((offset + 30 + nameBytes.length) % 64);
    if (extraLength < 4) extraLength += 64;
    const crc = crc32(data);
    const local = Buffer.alloc(30 + nameBytes.length + extraLength);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4); // version needed: stored
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // method: stored
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(extraLength, 28);
    nameBytes.copy(local, 30);
    local.writeUInt16LE(0xd935, 30 + nameBytes.length);
    local.writeUInt16LE(extraLength - 4, 32 + nameBytes.length);

    const header = Buffer.alloc(46 + nameBytes.length);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // made by
    header.writeUInt16LE(10, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(0, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    nameBytes.copy(header, 46);
    parts.push(local, data);
    central.push(header);
    offset += local.length + data.length;
  }
  const centralSize = central.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

/** The `hand_landmarker.task` bytes for one model size. */
export async function handLandmarkerTask(variant: ModelVariant = 'full'): Promise<Uint8Array> {
  const normalization = { mean: [0], std: [255] };
  const [palm, landmark] = await Promise.all([
    readTfliteModel('palm', variant),
    readTfliteModel('landmark', variant),
  ]);
  return storedZip([
    {
      name: 'hand_detector.tflite',
      data: addTfliteMetadata(
        palm,
        imageInputMetadata({ name: `palm_detection_${variant}`, ...normalization }),
      ),
    },
    {
      name: 'hand_landmarks_detector.tflite',
      data: addTfliteMetadata(
        landmark,
        imageInputMetadata({ name: `hand_landmark_${variant}`, ...normalization }),
      ),
    },
  ]);
}

export const CACHE_DIR = fileURLToPath(new URL('../.cache/', import.meta.url));

/** Writes `.cache/hand_landmarker_<variant>.task` and returns its path. */
export async function writeHandLandmarkerTask(variant: ModelVariant = 'full'): Promise<string> {
  const path = join(CACHE_DIR, `hand_landmarker_${variant}.task`);
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(path, await handLandmarkerTask(variant));
  return path;
}

if (import.meta.main) {
  const variant = process.argv[2] ?? 'full';
  if (variant !== 'full' && variant !== 'lite') {
    console.error(`usage: node scripts/tasks-vision-bundle.ts [full|lite] (got ${variant})`);
    process.exit(2);
  }
  console.log(`wrote ${await writeHandLandmarkerTask(variant)}`);
}
