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
import { type ModelKind, type ModelVariant, readTfliteModel } from './sources.ts';

/** Bump when the converter's output changes, so stale cached models are not used. */
const CONVERTER_REVISION = 2;

/** Where converted models are cached: the package's `.cache/models`. */
export const MODEL_CACHE_DIR = fileURLToPath(new URL('../../.cache/models/', import.meta.url));

export function cachedModelPath(kind: ModelKind, variant: ModelVariant, dir = MODEL_CACHE_DIR): string {
  return join(dir, `${kind}_${variant}.r${CONVERTER_REVISION}.onnx`);
}

/** Converts one model and writes it to the cache (atomically: concurrent writers never leave half a file). */
export async function convertAndCache(
  kind: ModelKind,
  variant: ModelVariant,
  dir = MODEL_CACHE_DIR,
): Promise<Uint8Array> {
  const onnx = convertTfliteToOnnx(await readTfliteModel(kind, variant), `${kind}_${variant}`);
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
      return convertTfliteToOnnx(await readTfliteModel(kind, variant), `${kind}_${variant}`);
    }
  }
}

export interface EnsureModelsOptions {
  /** Which variants to prepare. Default: both. */
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
  const { variants = ['full', 'lite'], onProgress, dir = MODEL_CACHE_DIR } = options;
  for (const variant of variants) {
    for (const kind of ['palm', 'landmark'] as const) {
      if (existsSync(cachedModelPath(kind, variant, dir))) continue;
      const started = performance.now();
      onProgress?.(`converting the ${kind} ${variant} model to ONNX…`);
      await convertAndCache(kind, variant, dir);
      onProgress?.(
        `converted the ${kind} ${variant} model in ${(performance.now() - started).toFixed(0)} ms`,
      );
    }
  }
}
