/**
 * `npm run bench:tasks-vision -w @bambam/hand-tracker`: compares this tracker with the official
 * `@mediapipe/tasks-vision` 1.1.0 HandLandmarker (wasm, CPU delegate) running in headless
 * Chromium, on the fixture photos. tasks-vision ships no models: `scripts/tasks-vision-bundle.ts`
 * packs the same `@mediapipe/hands` models it is compared with into a `.task` file.
 *
 * Two passes:
 * - **image**: tasks-vision in IMAGE mode (every photo is a first frame: palm detection → ROI →
 *   landmarks), this tracker in `image` mode. The headline figures.
 * - **first-frame ROI as tasks-vision**: this tracker's own models and geometry, image mode,
 *   but with the palm ROI turned by tasks-vision's extra rotation (its graph puts the 90° target
 *   angle in a radians field: 90 rad ≡ π/2 + 0.4646 rad, i.e. +26.6°). If the image-mode
 *   disagreement comes from that ROI, this pass agrees with tasks-vision closely.
 * - **tracked**: the same photo fed `TRACKED_FRAMES` times as a video (VIDEO mode /
 *   `video` mode), compared on the last frame, when both take the ROI from the previous
 *   landmarks. It separates the first-frame ROI (where tasks-vision differs, see the README)
 *   from the landmark model itself. `TASKS_VISION_TRACKED_FRAMES=0` skips it.
 *
 * A measurement, not a test: slow-ish (software WebGL for the image upload). Needs Chromium
 * (`CHROMIUM` or /usr/bin/chromium) and the fixtures. `TASKS_VISION_PHOTOS=n` limits the photos.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeHandLandmarkerTask } from '../scripts/tasks-vision-bundle.ts';
import { loadOnnxModel } from '../src/models/load.ts';
import {
  normalizeRadians,
  type Roi,
  roiFromLandmarks,
  roiOverlap,
  roiToImage,
  uprightRotation,
} from '../src/pipeline/geometry.ts';
import { HandPipeline } from '../src/pipeline/hand-pipeline.ts';
import { decodePalms, PALM_INPUT_SIZE, palmAnchors } from '../src/pipeline/palm-decoder.ts';
import { letterboxRoi, sampleRoi } from '../src/pipeline/roi-crop.ts';
import { fixturesDir, readHandLabels, readImage } from '../src/testing/fixtures.ts';
import type { Hand, RgbImage } from '../src/types.ts';
import { openBenchPage } from './browser-page.ts';

const dir = fixturesDir();
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!dir || !existsSync(browserPath)) {
  console.log(`tasks-vision bench skipped: needs the fixtures and Chromium at ${browserPath}`);
  process.exit(0);
}
const limit = Number(process.env.TASKS_VISION_PHOTOS ?? Number.POSITIVE_INFINITY);
const trackedFrames = Number(process.env.TASKS_VISION_TRACKED_FRAMES ?? 5);
/** Hands further apart than this (median landmark distance, px) are different hands. */
const PAIR_GATE_PX = 50;

// The package exports no `./package.json`: resolve its CommonJS entry, which sits at the root.
const tasksVision = dirname(createRequire(import.meta.url).resolve('@mediapipe/tasks-vision'));
const taskPath = await writeHandLandmarkerTask('full');

const PAGE = `<!doctype html><script type="module">
import { FilesetResolver, HandLandmarker } from '/tv/vision_bundle.mjs';
window.ready = (async () => {
  const fileset = await FilesetResolver.forVisionTasks('/tv/wasm');
  const options = (runningMode) => ({
    baseOptions: { modelAssetPath: '/hand_landmarker.task', delegate: 'CPU' },
    runningMode, numHands: 4,
    minHandDetectionConfidence: 0.5, minHandPresenceConfidence: 0.5, minTrackingConfidence: 0.5,
  });
  const still = await HandLandmarker.createFromOptions(fileset, options('IMAGE'));
  const video = await HandLandmarker.createFromOptions(fileset, options('VIDEO'));
  const blank = new OffscreenCanvas(64, 64);
  blank.getContext('2d').fillRect(0, 0, 64, 64);
  let t = 0;
  const load = async (src) => { const img = new Image(); img.src = src; await img.decode(); return img; };
  const answer = (r, ms) => ({ landmarks: r.landmarks, handedness: r.handedness.map((h) => h[0].categoryName), ms });
  window.detect = async (src) => {
    const img = await load(src);
    const started = performance.now();
    const r = still.detect(img);
    return answer(r, performance.now() - started);
  };
  window.track = async (src, frames) => {
    const img = await load(src);
    video.detectForVideo(blank, (t += 33)); // forget the previous photo's hands
    let r;
    for (let i = 0; i < frames; i++) r = video.detectForVideo(img, (t += 33));
    return answer(r, 0);
  };
})();
</script>`;
const bench = await openBenchPage({
  html: PAGE,
  mounts: { '/tv/': tasksVision, '/img/': join(dir, 'hands/images') },
  files: { '/hand_landmarker.task': taskPath },
  chromiumPath: browserPath,
});

/**
 * Image mode rebuilt from the tracker's parts (palm model, decoder, ROI, landmark model) with
 * tasks-vision's first-frame ROI rotation; the tracker itself always uses the correct angle.
 */
class TasksVisionRoiProbe {
  /** How far tasks-vision's first ROI is turned past the upright one: 90 rad - π/2, normalised. */
  static readonly EXTRA_ROTATION = normalizeRadians(90 - Math.PI / 2);
  private readonly palm: ort.InferenceSession;
  private readonly landmark: ort.InferenceSession;
  private readonly anchors = palmAnchors();
  private readonly palmInput = new Float32Array(3 * PALM_INPUT_SIZE * PALM_INPUT_SIZE);
  private readonly landmarkInput = new Float32Array(3 * 224 * 224);

  private constructor(palm: ort.InferenceSession, landmark: ort.InferenceSession) {
    this.palm = palm;
    this.landmark = landmark;
  }

  static async create(): Promise<TasksVisionRoiProbe> {
    const session = async (kind: 'palm' | 'landmark') =>
      ort.InferenceSession.create(await loadOnnxModel(kind, 'full'), { intraOpNumThreads: 1 });
    return new TasksVisionRoiProbe(await session('palm'), await session('landmark'));
  }

  async hands(image: RgbImage, maxHands = 4): Promise<Hand[]> {
    const box = letterboxRoi(image.width, image.height);
    sampleRoi(image, box, PALM_INPUT_SIZE, 'zero', this.palmInput);
    const palmOut = await this.palm.run({
      [this.palm.inputNames[0]!]: new ort.Tensor('float32', this.palmInput, [
        1,
        3,
        PALM_INPUT_SIZE,
        PALM_INPUT_SIZE,
      ]),
    });
    const [boxesName, scoresName] = this.palm.outputNames as [string, string];
    const palms = decodePalms(
      palmOut[boxesName]!.data as Float32Array,
      palmOut[scoresName]!.data as Float32Array,
      this.anchors,
    );
    const rois: Roi[] = [];
    for (const p of palms) {
      if (rois.length >= maxHands) break;
      // roiFromPalm with the extra rotation: shift half a box along the (mis)rotated axis, 2.6x.
      const wrist = roiToImage(box, p.keypoints[0]!.x, p.keypoints[0]!.y);
      const middle = roiToImage(box, p.keypoints[2]!.x, p.keypoints[2]!.y);
      const rotation = normalizeRadians(uprightRotation(wrist, middle) + TasksVisionRoiProbe.EXTRA_ROTATION);
      const topLeft = roiToImage(box, p.xmin, p.ymin);
      const [width, height] = [p.width * box.size, p.height * box.size];
      const roi = {
        cx: topLeft.x + width / 2 + 0.5 * height * Math.sin(rotation),
        cy: topLeft.y + height / 2 - 0.5 * height * Math.cos(rotation),
        size: Math.max(width, height) * 2.6,
        rotation,
      };
      if (!rois.some((r) => roiOverlap(r, roi) > 0.5)) rois.push(roi);
    }
    const hands: Hand[] = [];
    const kept: Roi[] = [];
    for (const roi of rois) {
      sampleRoi(image, roi, 224, 'replicate', this.landmarkInput);
      const out = await this.landmark.run({
        [this.landmark.inputNames[0]!]: new ort.Tensor('float32', this.landmarkInput, [1, 3, 224, 224]),
      });
      const [screen, presence, handedness] = this.landmark.outputNames as [string, string, string];
      const score = (out[presence]!.data as Float32Array)[0]!;
      if (!(score >= 0.5)) continue;
      const raw = out[screen]!.data as Float32Array;
      const points = Array.from({ length: 21 }, (_, i) =>
        roiToImage(roi, raw[3 * i]! / 224, raw[3 * i + 1]! / 224),
      );
      const next = roiFromLandmarks(points);
      if (kept.some((k) => roiOverlap(k, next) > 0.5)) continue;
      kept.push(next);
      hands.push({
        id: hands.length,
        handedness: (out[handedness]!.data as Float32Array)[0]! > 0.5 ? 'Left' : 'Right',
        score,
        landmarks: points.map((q) => ({ x: q.x / image.width, y: q.y / image.height, z: 0 })),
      });
    }
    return hands;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.palm.release(), this.landmark.release()]);
  }
}

type Reference = { landmarks: { x: number; y: number }[][]; handedness: string[]; ms: number };

/** Agreement figures of one pass. */
class Agreement {
  referenceHands = 0;
  ourHands = 0;
  handednessAgrees = 0;
  handednessOpposite = 0;
  referenceMs = 0;
  ourMs = 0;
  readonly perHand: number[] = [];
  readonly perLandmark: number[] = [];
  unpaired: string[] = [];

  add(file: string, image: RgbImage, reference: Reference, ours: readonly Hand[]): void {
    this.referenceHands += reference.landmarks.length;
    this.ourHands += ours.length;
    // Every (reference, ours) pair by median landmark distance; greedy closest-first matching.
    const candidates: { r: number; o: number; median: number; distances: number[] }[] = [];
    reference.landmarks.forEach((theirs, r) => {
      ours.forEach((hand, o) => {
        const distances = hand.landmarks.map((l, k) =>
          Math.hypot((l.x - theirs[k]!.x) * image.width, (l.y - theirs[k]!.y) * image.height),
        );
        candidates.push({ r, o, median: [...distances].sort((a, b) => a - b)[10]!, distances });
      });
    });
    const usedR = new Set<number>();
    const usedO = new Set<number>();
    for (const c of candidates.sort((a, b) => a.median - b.median)) {
      if (usedR.has(c.r) || usedO.has(c.o) || c.median > PAIR_GATE_PX) continue;
      usedR.add(c.r);
      usedO.add(c.o);
      this.perHand.push(c.median);
      this.perLandmark.push(...c.distances);
      if (ours[c.o]!.handedness === reference.handedness[c.r]) this.handednessAgrees++;
      else if (reference.handedness[c.r] === 'Left' || reference.handedness[c.r] === 'Right')
        this.handednessOpposite++;
    }
    reference.landmarks.forEach((l, r) => {
      if (!usedR.has(r))
        this.unpaired.push(
          `${file}: tasks-vision hand at wrist (${l[0]!.x.toFixed(3)}, ${l[0]!.y.toFixed(3)}) not found by ours`,
        );
    });
    ours.forEach((h, o) => {
      const w = h.landmarks[0]!;
      if (!usedO.has(o))
        this.unpaired.push(
          `${file}: our hand at wrist (${w.x.toFixed(3)}, ${w.y.toFixed(3)}) not found by tasks-vision`,
        );
    });
  }

  report(name: string, photos: number): void {
    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (q: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]?.toFixed(2);
      return `median ${at(0.5)} px, p90 ${at(0.9)} px, max ${sorted.at(-1)?.toFixed(2)} px`;
    };
    console.log(`\n== ${name} (${photos} photos) ==`);
    console.log(
      `hands found: tasks-vision ${this.referenceHands}, this tracker ${this.ourHands}; paired ${this.perHand.length}`,
    );
    console.log(
      `handedness: same label on ${this.handednessAgrees} of ${this.perHand.length} pairs, opposite label on ${this.handednessOpposite}`,
    );
    console.log(`all landmarks of paired hands (${this.perLandmark.length}): ${stats(this.perLandmark)}`);
    console.log(`per-hand median landmark distance: ${stats(this.perHand)}`);
    if (this.referenceMs > 0) {
      console.log(
        `time per photo (2 shared cores, noisy): tasks-vision ${(this.referenceMs / photos).toFixed(1)} ms (wasm, in Chromium), this tracker ${(this.ourMs / photos).toFixed(1)} ms`,
      );
    }
    for (const line of this.unpaired) console.log(`  ${line}`);
  }
}

const still = await HandPipeline.create({ model: 'full', maxHands: 4 });
const video = await HandPipeline.create({ model: 'full', maxHands: 4 });
const probe = await TasksVisionRoiProbe.create();
try {
  const page = await bench.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(bench.url);
  await page.waitForFunction(() => 'ready' in globalThis);
  await page
    .evaluate(() => (globalThis as unknown as { ready: Promise<void> }).ready)
    .catch((error) => {
      throw new Error(
        `tasks-vision did not start: ${error.message}${errors.length ? `\n${errors.join('\n')}` : ''}`,
      );
    });

  const imagePass = new Agreement();
  const probePass = new Agreement();
  const trackedPass = new Agreement();
  const files = [...new Set(readHandLabels(dir).map((l) => l.file))].slice(0, limit);
  for (const file of files) {
    const src = `/img/${file}`;
    const image = await readImage(join(dir, 'hands/images', file));
    const reference = (await page.evaluate(
      (s) => (globalThis as unknown as { detect(s: string): Promise<unknown> }).detect(s),
      src,
    )) as Reference;
    const started = performance.now();
    const ours = (await still.process(image, 0, 'image')).frame.hands;
    imagePass.ourMs += performance.now() - started;
    imagePass.referenceMs += reference.ms;
    imagePass.add(file, image, reference, ours);
    probePass.add(file, image, reference, await probe.hands(image));

    if (trackedFrames > 0) {
      const tracked = (await page.evaluate(
        ([s, n]) => (globalThis as unknown as { track(s: string, n: number): Promise<unknown> }).track(s, n),
        [src, trackedFrames] as const,
      )) as Reference;
      video.reset();
      let hands: readonly Hand[] = [];
      for (let i = 0; i < trackedFrames; i++) {
        hands = (await video.process(image, 33 * i, 'video')).frame.hands;
        await video.searchDeferred();
      }
      trackedPass.add(file, image, tracked, hands);
    }
  }
  imagePass.report('image mode: one still, palm detection → ROI → landmarks', files.length);
  probePass.report(
    `image mode, this tracker's parts with tasks-vision's first-frame ROI rotation (+${((TasksVisionRoiProbe.EXTRA_ROTATION * 180) / Math.PI).toFixed(1)}°)`,
    files.length,
  );
  if (trackedFrames > 0) {
    trackedPass.report(`tracked: each photo fed ${trackedFrames} times as video, last frame`, files.length);
  }
} finally {
  await still.dispose();
  await video.dispose();
  await probe.dispose();
  await bench.close();
}
