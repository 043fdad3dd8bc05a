/**
 * `npm run bench -w @bambam/hand-tracker`: how long the hand tracker takes, on this machine.
 * Prints figures; asserts nothing. Uses the stroke clip from the shared fixtures (one hand),
 * or blank frames (no hand: palm detection on every frame) when the fixtures are absent.
 */
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { HandTracker } from '../src/hand-tracker.ts';
import { loadOnnxModel } from '../src/models/load.ts';
import { isInt8, MODEL_VARIANTS, type ModelVariant } from '../src/models/sources.ts';
import { HandPipeline } from '../src/pipeline/hand-pipeline.ts';
import { fixturesDir } from '../src/testing/fixtures.ts';
import type { RgbImage } from '../src/types.ts';
import { readVideoFrames } from '../src/video-file.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** Variants for the pipeline and worker sections (BENCH_VARIANTS=full,lite,… to choose). */
const VARIANTS = (process.env.BENCH_VARIANTS?.split(',') ?? ['full', 'lite', 'lite-int8']) as ModelVariant[];
for (const variant of VARIANTS) {
  if (!MODEL_VARIANTS.includes(variant)) throw new Error(`BENCH_VARIANTS: unknown model ${variant}`);
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms, n=${values.length}`;
}

async function frames(): Promise<{ source: string; frames: { t: number; image: RgbImage }[] }> {
  const dir = fixturesDir();
  if (dir) {
    const clip = `${dir}/clips/open-hand-4-strokes.mjpeg`;
    const out: { t: number; image: RgbImage }[] = [];
    for await (const frame of readVideoFrames(clip)) out.push(frame);
    return { source: 'open-hand-4-strokes.mjpeg (640x480, one hand)', frames: out };
  }
  const image = { data: new Uint8Array(640 * 480 * 3).fill(90), width: 640, height: 480 };
  return {
    source: 'blank 640x480 frames (fixtures absent: no hand)',
    frames: Array.from({ length: 60 }, (_, i) => ({ t: i * 33.3, image })),
  };
}

console.log(
  `hand-tracker bench: ${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('onnxruntime: 1 intra-op thread, spinning off, graph optimisation "all"');

// 1. The raw models (int8 variants: the landmark model only, their palm detector is the float one).
for (const variant of MODEL_VARIANTS) {
  for (const kind of ['palm', 'landmark'] as const) {
    if (variant.endsWith('-int8') && !isInt8(kind, variant)) continue;
    const session = await ort.InferenceSession.create(await loadOnnxModel(kind, variant), {
      intraOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    const size = kind === 'palm' ? 192 : 224;
    const input = new ort.Tensor('float32', new Float32Array(3 * size * size).fill(0.5), [1, 3, size, size]);
    const feeds = { [session.inputNames[0]!]: input };
    for (let i = 0; i < 5; i++) await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      await session.run(feeds);
      times.push(performance.now() - started);
    }
    console.log(`model ${kind} ${variant}: ${stats(times)}`);
    await session.release();
  }
}

// 2. The pipeline per frame, on this thread, as the worker drives it: the answer, then any
//    palm search put off until after it.
const { source, frames: clip } = await frames();
console.log(`frames: ${source}`);
for (const variant of VARIANTS) {
  for (const maxHands of [1, 2]) {
    const pipeline = await HandPipeline.create({ model: variant, maxHands });
    const tracking: number[] = [];
    const detecting: number[] = [];
    const deferred: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      pipeline.reset();
      for (const { t, image } of clip) {
        const { timings } = await pipeline.process(image, t);
        (timings.palm > 0 ? detecting : tracking).push(timings.total);
        const started = performance.now();
        if (await pipeline.searchDeferred()) deferred.push(performance.now() - started);
      }
    }
    const label = `pipeline ${variant}, maxHands ${maxHands}`;
    if (tracking.length > 0) console.log(`${label}, answer while following: ${stats(tracking)}`);
    if (detecting.length > 0) console.log(`${label}, answer with palm detection inline: ${stats(detecting)}`);
    if (deferred.length > 0) console.log(`${label}, palm search after the answer: ${stats(deferred)}`);
    if (maxHands === 1) {
      // Palm detection + landmarks on every frame (each frame as a still image): the cost of
      // finding a hand, over many frames rather than the few where tracking starts.
      const finding: number[] = [];
      for (const { t, image } of clip)
        finding.push((await pipeline.process(image, t, 'image')).timings.total);
      console.log(`pipeline ${variant}, palm detection + landmarks (image mode): ${stats(finding)}`);
    }
    await pipeline.dispose();
  }
}

// 3. Through the worker, as the engine uses it: frames sent at the clip's pace (30 fps) without
//    waiting, latest wins. Latency = frame sent → result back; and what the main event loop felt.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const clipLength = (clip.at(-1)?.t ?? 0) + 1000 / 30;
for (const variant of VARIANTS) {
  const tracker = await HandTracker.create({ model: variant, maxHands: 2 });
  const latency: number[] = [];
  const inWorker: number[] = [];
  const results: Promise<void>[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (const { t, image } of clip) {
      await sleep(start + round * clipLength + t - performance.now());
      const sent = performance.now();
      results.push(
        tracker.track(image, t).then((result) => {
          if (!result) return;
          latency.push(performance.now() - sent);
          inWorker.push(result.timings.total);
        }),
      );
    }
  }
  await Promise.all(results);
  delay.disable();
  const { tracked, dropped } = tracker.stats;
  console.log(
    `worker ${variant}, maxHands 2, 30 fps: latency ${stats(latency)}; answer in worker ${stats(inWorker)}`,
  );
  const loop = `p99 ${(delay.percentile(99) / 1e6).toFixed(2)} ms, max ${(delay.max / 1e6).toFixed(2)} ms`;
  console.log(`worker ${variant}: ${tracked} tracked, ${dropped} dropped; main event loop delay ${loop}`);
  await tracker.dispose();
}
// 4. Throughput and memory: frames back to back through one worker (as fast as it goes), and
//    how much the process grows per tracker (RSS: workers share the process).
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
for (const variant of VARIANTS) {
  const rssBefore = process.memoryUsage().rss;
  const tracker = await HandTracker.create({ model: variant, maxHands: 2 });
  const started = performance.now();
  let count = 0;
  for (let round = 0; round < ROUNDS; round++) {
    tracker.reset();
    for (const { t, image } of clip) {
      await tracker.track(image, t);
      count++;
    }
  }
  const fps = count / ((performance.now() - started) / 1000);
  const held = process.memoryUsage().rss - rssBefore;
  console.log(
    `worker ${variant}: sustains ${fps.toFixed(1)} frames/s back to back (maxHands 2); one tracker holds ~${mb(held)} MB (RSS growth)`,
  );
  await tracker.dispose();
}
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
