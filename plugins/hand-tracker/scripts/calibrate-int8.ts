/**
 * Measures the activation ranges of a float landmark model on real hand crops and writes the
 * calibration table the int8 variant is built from (`src/models/calibration/landmark_<v>.json`,
 * committed: the build does not need the fixtures). Run it after a converter change:
 *
 *   node scripts/calibrate-int8.ts [lite|full ...]
 *
 * Crops are what the landmark model sees in use: the palm-detection ROI and the landmark ROI
 * of every even-numbered fixture photo (odd ones stay unseen, for evaluation), and the ROI
 * tracked into every third frame of the stroke clip. Statistic: min/max over all crops.
 */
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertTfliteToGraph } from '../src/models/convert.ts';
import { writeOnnxModel } from '../src/models/onnx-writer.ts';
import {
  type CalibrationTable,
  graphFingerprint,
  quantizationTargets,
  simplifyGraph,
  withExtraOutputs,
} from '../src/models/quantize.ts';
import { readTfliteModel } from '../src/models/sources.ts';
import { type Roi, roiFromLandmarks, roiFromPalm } from '../src/pipeline/geometry.ts';
import { HandPipeline } from '../src/pipeline/hand-pipeline.ts';
import { sampleRoi } from '../src/pipeline/roi-crop.ts';
import { fixturesDir, MISSING_FIXTURES, readImage } from '../src/testing/fixtures.ts';
import type { RgbImage } from '../src/types.ts';
import { readVideoFrames } from '../src/video-file.ts';

const SIZE = 224;

/** Every crop the float pipeline would hand the landmark model. */
async function collectCrops(variant: 'full' | 'lite', dir: string): Promise<Float32Array[]> {
  const pipeline = await HandPipeline.create({ model: variant, maxHands: 2 });
  const crops: Float32Array[] = [];
  const crop = (image: RgbImage, roi: Roi) => {
    const out = new Float32Array(3 * SIZE * SIZE);
    sampleRoi(image, roi, SIZE, 'replicate', out);
    crops.push(out);
  };
  const photos = readdirSync(join(dir, 'hands/images'))
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .filter((_, i) => i % 2 === 0);
  for (const file of photos) {
    const image = await readImage(join(dir, 'hands/images', file));
    for (const palm of await pipeline.detectPalms(image)) crop(image, roiFromPalm(palm));
    const { frame } = await pipeline.process(image, 0, 'image');
    for (const hand of frame.hands) {
      crop(
        image,
        roiFromLandmarks(hand.landmarks.map((l) => ({ x: l.x * image.width, y: l.y * image.height }))),
      );
    }
  }
  pipeline.reset();
  let index = 0;
  for await (const { t, image } of readVideoFrames(join(dir, 'clips/open-hand-4-strokes.mjpeg'))) {
    if (index++ % 3 === 0) for (const hand of pipeline.state.hands) crop(image, hand.roi);
    await pipeline.process(image, t, 'video');
  }
  await pipeline.dispose();
  return crops;
}

/** Six significant digits: a small, stable file. */
const round = (v: number) => Number(v.toPrecision(6));

/** JSON as the repository's formatter lays it out (one range a line), so reruns diff cleanly. */
function formatTable(table: CalibrationTable): string {
  const head = JSON.stringify({ ...table, ranges: {} }, null, 2).replace(/\{\}\n\}$/, '{\n');
  const ranges = Object.entries(table.ranges).map(
    ([name, [lo, hi]]) => `    ${JSON.stringify(name)}: [${lo}, ${hi}]`,
  );
  return `${head}${ranges.join(',\n')}\n  }\n}\n`;
}

async function calibrate(variant: 'full' | 'lite', dir: string): Promise<void> {
  const name = `landmark_${variant}`;
  const graph = simplifyGraph(convertTfliteToGraph(await readTfliteModel('landmark', variant), name));
  const targets = quantizationTargets(graph);
  const session = await ort.InferenceSession.create(writeOnnxModel(withExtraOutputs(graph, targets)), {
    intraOpNumThreads: 1,
    // Optimisations could fuse a target away (it would no longer be an output).
    graphOptimizationLevel: 'disabled',
  });
  const crops = await collectCrops(variant, dir);
  const ranges = new Map(targets.map((t) => [t, [Infinity, -Infinity] as [number, number]]));
  for (const crop of crops) {
    const out = await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', crop, [1, 3, SIZE, SIZE]),
    });
    for (const [target, range] of ranges) {
      for (const v of out[target]!.data as Float32Array) {
        if (v < range[0]) range[0] = v;
        if (v > range[1]) range[1] = v;
      }
    }
  }
  await session.release();
  const table: CalibrationTable = {
    model: name,
    fingerprint: graphFingerprint(graph),
    source: `min/max over ${crops.length} crops: palm and landmark ROIs of the even-numbered fixture photos, tracked ROIs of every 3rd clip frame`,
    ranges: Object.fromEntries([...ranges].map(([t, [lo, hi]]) => [t, [round(lo), round(hi)] as const])),
  };
  const out = new URL('../src/models/calibration/', import.meta.url);
  await mkdir(out, { recursive: true });
  await writeFile(new URL(`${name}.json`, out), formatTable(table));
  console.log(`${name}: ${targets.length} activations over ${crops.length} crops`);
}

const dir = fixturesDir();
if (!dir) throw new Error(MISSING_FIXTURES);
const variants = process.argv.slice(2);
for (const variant of variants.length ? variants : ['lite']) {
  if (variant !== 'full' && variant !== 'lite') throw new Error(`unknown variant ${variant}`);
  await calibrate(variant, dir);
}
