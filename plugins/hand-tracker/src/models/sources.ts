/**
 * Where the MediaPipe hand models come from: the `@mediapipe/hands` npm package (Apache-2.0).
 * The landmark models are plain files in it; the palm detectors are packed inside
 * `hands_solution_packed_assets.data`, at offsets its loader script lists.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Which size of the MediaPipe models: `full` is more accurate, `lite` is faster. The `-int8`
 * variants (opt-in) run the landmark model quantized to int8 (faster on CPUs with VNNI, a
 * little less accurate; see `quantize.ts`); their palm detector is the float one.
 */
export type ModelVariant = 'full' | 'lite' | 'full-int8' | 'lite-int8';

export const MODEL_VARIANTS: readonly ModelVariant[] = ['full', 'lite', 'full-int8', 'lite-int8'];

/** The MediaPipe model a variant is built from. */
export function baseVariant(variant: ModelVariant): 'full' | 'lite' {
  return variant.startsWith('full') ? 'full' : 'lite';
}

/** Whether the variant's model of this kind is the int8 one (only landmark models are quantized). */
export function isInt8(kind: ModelKind, variant: ModelVariant): boolean {
  return kind === 'landmark' && variant.endsWith('-int8');
}

/** The two networks of the pipeline. */
export type ModelKind = 'palm' | 'landmark';

function mediapipeHandsDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@mediapipe/hands/package.json'));
}

/** The `{filename, start, end}` table embedded in the packed-assets loader script. */
export function parsePackedAssetTable(
  loaderSource: string,
): { filename: string; start: number; end: number }[] {
  const match = /"files":\s*(\[[^\]]*\])/.exec(loaderSource);
  if (!match) throw new Error('cannot find the file table in hands_solution_packed_assets_loader.js');
  return JSON.parse(match[1]!);
}

/** The `.tflite` bytes of one model, read from the installed `@mediapipe/hands` package. */
export async function readTfliteModel(kind: ModelKind, model: ModelVariant): Promise<Uint8Array> {
  const dir = mediapipeHandsDir();
  const variant = baseVariant(model);
  if (kind === 'landmark') return readFile(join(dir, `hand_landmark_${variant}.tflite`));
  const [loader, packed] = await Promise.all([
    readFile(join(dir, 'hands_solution_packed_assets_loader.js'), 'utf8'),
    readFile(join(dir, 'hands_solution_packed_assets.data')),
  ]);
  const wanted = `palm_detection_${variant}.tflite`;
  const entry = parsePackedAssetTable(loader).find((file) => file.filename.endsWith(`/${wanted}`));
  if (!entry) throw new Error(`${wanted} is not listed in @mediapipe/hands' packed assets`);
  if (entry.end > packed.length) throw new Error(`@mediapipe/hands' packed assets are truncated (${wanted})`);
  return packed.subarray(entry.start, entry.end);
}
