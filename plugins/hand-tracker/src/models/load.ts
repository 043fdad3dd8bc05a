/**
 * The ONNX bytes of a hand model: from the build cache (`npm run build` writes
 * `.cache/models/`), else converted from the installed `@mediapipe/hands` package on the spot
 * (a few hundred ms; nothing is downloaded) and cached for next time when the folder is writable.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertTfliteToOnnx } from './convert.ts';
import { convertTfliteToInt8Onnx, QUANTIZER_REVISION } from './quantize.ts';
import {
  baseVariant,
  isInt8,
  MODEL_VARIANTS,
  type ModelKind,
  type ModelVariant,
  readTfliteModel,
} from './sources.ts';

/** Bump when the converter's output changes, so stale cached models are not used. */
const CONVERTER_REVISION = 2;

/** Where converted models are cached: the package's `.cache/models`. */
export const MODEL_CACHE_DIR = fileURLToPath(new URL('../../.cache/models/', import.meta.url));

export function cachedModelPath(kind: ModelKind, variant: ModelVariant, dir = MODEL_CACHE_DIR): string {
  if (isInt8(kind, variant))
    return join(dir, `${kind}_${variant}.r${CONVERTER_REVISION}q${QUANTIZER_REVISION}.onnx`);
  return join(dir, `${kind}_${baseVariant(variant)}.r${CONVERTER_REVISION}.onnx`);
}

/** Converts one model to ONNX bytes (int8 variants: quantized with their committed calibration). */
async function convert(kind: ModelKind, variant: ModelVariant): Promise<Uint8Array> {
  const tflite = await readTfliteModel(kind, variant);
  const name = `${kind}_${baseVariant(variant)}`;
  return isInt8(kind, variant) ? convertTfliteToInt8Onnx(tflite, name) : convertTfliteToOnnx(tflite, name);
}

/** Converts one model and writes it to the cache (atomically: concurrent writers never leave half a file). */
export async function convertAndCache(
  kind: ModelKind,
  variant: ModelVariant,
  dir = MODEL_CACHE_DIR,
): Promise<Uint8Array> {
  const onnx = await convert(kind, variant);
  const path = cachedModelPath(kind, variant, dir);
  await mkdir(dir, { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`; // worker threads share a pid
  await writeFile(temporary, onnx);
  await rename(temporary, path);
  return onnx;
}

/** The model's ONNX bytes, converting (and caching, if possible) when not built yet. */
export async function loadOnnxModel(
  kind: ModelKind,
  variant: ModelVariant,
  dir = MODEL_CACHE_DIR,
): Promise<Uint8Array> {
  try {
    return await readFile(cachedModelPath(kind, variant, dir));
  } catch {
    try {
      return await convertAndCache(kind, variant, dir);
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code !== 'EACCES' &&
        (error as NodeJS.ErrnoException).code !== 'EROFS'
      )
        throw error;
      return convert(kind, variant);
    }
  }
}

export interface EnsureModelsOptions {
  /** Which variants to prepare. Default: all of {@link MODEL_VARIANTS}. */
  readonly variants?: readonly ModelVariant[];
  /** Called with a line of progress when a model has to be converted (not when it is cached). */
  readonly onProgress?: (message: string) => void;
  readonly dir?: string;
}

/**
 * Makes sure the converted models are in the cache, converting the missing ones (each takes a
 * few hundred ms). Call it at startup to keep that work out of the first session.
 */
export async function ensureModels(options: EnsureModelsOptions = {}): Promise<void> {
  const { variants = MODEL_VARIANTS, onProgress, dir = MODEL_CACHE_DIR } = options;
  for (const variant of variants) {
    for (const kind of ['palm', 'landmark'] as const) {
      if (existsSync(cachedModelPath(kind, variant, dir))) continue;
      const started = performance.now();
      const model = isInt8(kind, variant) ? variant : baseVariant(variant);
      onProgress?.(`converting the ${kind} ${model} model to ONNX…`);
      await convertAndCache(kind, variant, dir);
      onProgress?.(`converted the ${kind} ${model} model in ${(performance.now() - started).toFixed(0)} ms`);
    }
  }
}
