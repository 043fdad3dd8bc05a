/**
 * Motion-to-sound in real Chromium against the studio's /play: for each motion clip (a fixture
 * hand photo composited to drum with a known landing curve, see lib/motion-clips.ts), the time
 * from the hand's lowest point (as the camera captured it) to the onset of whatever the page
 * makes audible. Prints a table; first, the harness's clock self-test.
 *
 *   npm run bench -w @bambam/e2e                        (after e2e.ts)
 *   node --no-node-snapshot bench/motion.ts             (from test/)
 *   BENCH_MOTION_CLIPS=quick,slow  BENCH_MOTION_LOOPS=2  (clips to run, loops listened per clip)
 *
 * Needs Chromium, ffmpeg, the shared fixtures and the built studio (`npm run build -w @bambam/web`).
 */
import { freePort, startEngine } from '../lib/engine.ts';
import { fixturesDir } from '../lib/fixtures.ts';
import { describeFigures, type MotionFigures } from '../lib/motion-analysis.ts';
import { MOTION_CLIPS, motionClip } from '../lib/motion-clips.ts';
import { type Measurement, measureClockSelfTest, measureStudio } from '../lib/motion-session.ts';
import { startStudio, studioBuilt, studioEngineEnv } from '../lib/studio-server.ts';

const fixtures = fixturesDir();
if (!fixtures) {
  console.log('motion bench skipped: no fixtures (set BAMBAM_FIXTURES)');
  process.exit(0);
}
if (!studioBuilt()) {
  console.log('motion bench skipped: the studio is not built (npm run build -w @bambam/web)');
  process.exit(0);
}
const names = (process.env.BENCH_MOTION_CLIPS ?? Object.keys(MOTION_CLIPS).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const name of names) {
  if (!MOTION_CLIPS[name])
    throw new Error(`unknown clip ${name}: one of ${Object.keys(MOTION_CLIPS).join(', ')}`);
}
const loops = Number(process.env.BENCH_MOTION_LOOPS ?? 2);

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(0).padStart(5) : '    –');
function row(label: string, fig: MotionFigures, m?: Measurement): string {
  const sources = m
    ? m.tap.sources
        .filter((s) => s.onsets.length > 0)
        .map((s) => s.kind)
        .join('+') || 'none'
    : '';
  return (
    `${label.padEnd(18)} ${`${fig.matched}/${fig.strokes}`.padStart(7)} ${String(fig.extra).padStart(5)} ` +
    `${f(fig.medianMs)} ${f(fig.p10Ms)} ${f(fig.p90Ms)}   ${fig.firstOffsets.map(f).join(' ')}   ${sources}`
  );
}
const header = `${'clip'.padEnd(18)} ${'heard'.padStart(7)} extra   med   p10   p90   first two      heard on`;

console.log('\n== motion to sound: clock self-test (harness page, medium clip) ==');
const selfClip = await motionClip(MOTION_CLIPS.medium!, { fixturesDir: fixtures });
const self = await measureClockSelfTest(selfClip);
const sorted = [...self.clockErrors].sort((a, b) => a - b);
console.log(
  `scheduled clicks: onset − asked output time, median ${sorted[sorted.length >> 1]?.toFixed(2)} ms ` +
    `(${sorted.map((e) => e.toFixed(1)).join(', ')}), ${self.clicksUnheard} unheard`,
);
const lag = self.tap.sources.find((s) => s.kind === 'web-audio');
console.log(
  `AudioContext output lag (output time − render time) ${lag?.outputLagMs.toFixed(1)} ms; ` +
    `baseLatency ${lag?.baseLatencyMs.toFixed(0)} ms, outputLatency ${lag?.outputLatencyMs.toFixed(0)} ms; ` +
    `landing frames presented ${self.timeline.landings.filter((l) => l.presented).length}/${self.timeline.landings.length}, ` +
    `markers seen ${self.timeline.markersSeen}, marker errors ${self.timeline.markerErrors.length}`,
);
console.log(header);
console.log(row('react in page', self.react));
console.log(row('predicted', self.scheduled));

console.log(`\n== motion to sound: studio /play, bam-drum (${loops} clip loops per clip) ==`);
const studioPort = await freePort();
const engine = await startEngine({ env: studioEngineEnv(studioPort) });
const studio = await startStudio({ engineUrl: engine.url, port: studioPort });
const rows: string[] = [];
const notes: string[] = [];
try {
  for (const name of names) {
    const clip = await motionClip(MOTION_CLIPS[name]!, { fixturesDir: fixtures });
    try {
      const m = await measureStudio({
        studioUrl: studio.url,
        clip,
        listenMs: loops * clip.spec.durationMs + 500,
      });
      rows.push(row(name, m.figures, m));
      notes.push(
        `${name}: ${describeFigures(m.figures)}; clock ${m.timeline.clock}, frame interval ${m.timeline.frameIntervalMs.toFixed(1)} ms, markers ${m.timeline.markersSeen} seen / ${m.timeline.markerErrors.length} wrong`,
      );
    } catch (error) {
      rows.push(`${name.padEnd(18)} failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }
} finally {
  await studio.dispose();
  await engine.dispose();
}
console.log(header);
for (const r of rows) console.log(r);
console.log('');
for (const n of notes) console.log(n);
console.log(
  "\nOffsets: onset (when the sound leaves the page's audio output) − landing (camera capture time of the hand's lowest point), ms; window −150..+300 ms.",
);
