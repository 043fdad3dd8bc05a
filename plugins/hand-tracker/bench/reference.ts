/**
 * `npm run bench:reference -w @bambam/hand-tracker`: compares this tracker with MediaPipe's own
 * runtime — the official `@mediapipe/hands` JavaScript solution (wasm + its graph + the same
 * models) running in headless Chromium — on the fixture photos. Prints agreement figures and
 * the reference's answer per photo. Slow (minutes: the reference runs on software WebGL), so it
 * is a measurement, not a test. Needs Chromium (`CHROMIUM` or /usr/bin/chromium) and the fixtures.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HandPipeline } from '../src/pipeline/hand-pipeline.ts';
import { fixturesDir, readHandLabels, readImage } from '../src/testing/fixtures.ts';
import { openBenchPage } from './browser-page.ts';

const dir = fixturesDir();
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!dir || !existsSync(browserPath)) {
  console.log(`reference bench skipped: needs the fixtures and Chromium at ${browserPath}`);
  process.exit(0);
}
const limit = Number(process.env.REFERENCE_PHOTOS ?? Number.POSITIVE_INFINITY);
const mediapipe = dirname(createRequire(import.meta.url).resolve('@mediapipe/hands/package.json'));

const PAGE = `<!doctype html><script src="/mp/hands.js"></script><script>
window.ready = (async () => {
  const hands = new Hands({ locateFile: (f) => '/mp/' + f });
  hands.setOptions({ maxNumHands: 4, modelComplexity: 1, staticImageMode: true, selfieMode: false,
    minDetectionConfidence: 0.5, minTrackingConfidence: 0.5 });
  let last;
  hands.onResults((r) => { last = r; });
  await hands.initialize();
  window.detect = async (src) => {
    const img = new Image(); img.src = src; await img.decode();
    await hands.send({ image: img });
    return { landmarks: last.multiHandLandmarks ?? [], handedness: (last.multiHandedness ?? []).map((h) => h.label) };
  };
})();
</script>`;
const bench = await openBenchPage({
  html: PAGE,
  mounts: { '/mp/': mediapipe, '/img/': join(dir, 'hands/images') },
  chromiumPath: browserPath,
});
const pipeline = await HandPipeline.create({ model: 'full', maxHands: 4 });
try {
  const page = await bench.browser.newPage();
  await page.goto(bench.url);
  await page.evaluate(() => (globalThis as unknown as { ready: Promise<void> }).ready);

  type Reference = { landmarks: { x: number; y: number }[][]; handedness: string[] };
  const distances: number[] = [];
  let referenceHands = 0;
  let ourHands = 0;
  let handednessAgrees = 0;
  const files = [...new Set(readHandLabels(dir).map((l) => l.file))].slice(0, limit);
  for (const file of files) {
    const reference = (await page.evaluate(
      (src) => (globalThis as unknown as { detect(s: string): Promise<unknown> }).detect(src),
      `/img/${file}`,
    )) as Reference;
    const image = await readImage(join(dir, 'hands/images', file));
    const ours = (await pipeline.process(image, 0, 'image')).frame.hands;
    referenceHands += reference.landmarks.length;
    ourHands += ours.length;
    const used = new Set<number>();
    reference.landmarks.forEach((theirs, r) => {
      // Pair each reference hand with our closest unpaired hand (median landmark distance, px).
      let best = Number.POSITIVE_INFINITY;
      let bestIndex = -1;
      ours.forEach((hand, i) => {
        if (used.has(i)) return;
        const d = hand.landmarks.map((l, k) =>
          Math.hypot((l.x - theirs[k]!.x) * image.width, (l.y - theirs[k]!.y) * image.height),
        );
        const median = d.sort((a, b) => a - b)[10]!;
        if (median < best) [best, bestIndex] = [median, i];
      });
      const wrist = theirs[0]!;
      console.log(
        `${file}: reference ${reference.handedness[r]} wrist (${wrist.x.toFixed(3)}, ${wrist.y.toFixed(3)}); ours ${bestIndex >= 0 ? `${ours[bestIndex]!.handedness} at ${best.toFixed(1)} px` : 'none'}`,
      );
      if (bestIndex < 0 || best > 20) return;
      used.add(bestIndex);
      distances.push(best);
      if (ours[bestIndex]!.handedness === reference.handedness[r]) handednessAgrees++;
    });
  }
  distances.sort((a, b) => a - b);
  const at = (q: number) =>
    distances[Math.min(distances.length - 1, Math.floor(q * distances.length))]?.toFixed(2);
  console.log(
    `photos ${files.length}: reference found ${referenceHands} hands, this tracker ${ourHands}; paired ${distances.length}`,
  );
  console.log(`handedness agrees on ${handednessAgrees} of ${distances.length} pairs`);
  console.log(
    `per-hand median landmark distance: median ${at(0.5)} px, p90 ${at(0.9)} px, max ${distances.at(-1)?.toFixed(2)} px`,
  );
} finally {
  await pipeline.dispose();
  await bench.close();
}
