// The mixer's real-time cost: one 20 ms frame with 8 overlapping hits (target ≤ 0.1 ms), and
// the load-time cost of rendering Tone patches.
import { loadavg } from 'node:os';
import { FRAME_LENGTH, FRAME_SAMPLES, Mixer, SoundBank } from '../src/sound/index.ts';

// How long the event loop is held while sounds render (they render on a worker thread).
let lastTick = performance.now();
let maxLoopGap = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  maxLoopGap = Math.max(maxLoopGap, now - lastTick);
  lastTick = now;
}, 1);
const t0 = performance.now();
const bank = await SoundBank.render({
  kick: { kind: 'tone', instrument: 'MembraneSynth', note: 'C1', duration: 0.4 },
  snare: { kind: 'tone', instrument: 'NoiseSynth', duration: 0.2 },
  hat: { kind: 'tone', instrument: 'MetalSynth', duration: 0.1 },
  tom: { kind: 'tone', instrument: 'MembraneSynth', note: 'G2', duration: 0.3 },
});
const renderMs = performance.now() - t0;
const kick = bank.get('kick')!;
clearInterval(ticker);
console.log(
  `sound: rendered 4 Tone patches (first load, incl. worker start and Tone import) in ${renderMs.toFixed(1)} ms; ` +
    `event loop held at most ${maxLoopGap.toFixed(1)} ms meanwhile`,
);

const mixer = new Mixer();
const out = new Float32Array(FRAME_LENGTH);
// Keep exactly 8 voices overlapping: retrigger whichever ended, staggered inside the frame.
const frames = 20000;
const times: number[] = [];
for (let f = 0; f < frames + 1000; f++) {
  while (mixer.activeVoices < 8) {
    mixer.trigger(kick, {
      velocity: 0.5 + (f % 5) / 10,
      pan: ((f % 7) - 3) / 3,
      delaySamples: (f * 37) % FRAME_SAMPLES,
    });
  }
  const start = performance.now();
  mixer.process(out);
  const elapsed = performance.now() - start;
  if (f >= 1000) times.push(elapsed); // after warm-up (JIT)
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const p99 = times[Math.floor(times.length * 0.99)]!;
console.log(
  `sound: mixer frame (20 ms, 8 overlapping hits, limiter on): median ${(median * 1000).toFixed(1)} µs, ` +
    `p99 ${(p99 * 1000).toFixed(1)} µs over ${frames} frames (target ≤ 100 µs median; ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
);
mixer.dispose();

// The audio clock on the real timer for 2 s, mixing a frame on each tick as the engine does.
{
  const { AudioClock } = await import('../src/sound/index.ts');
  const clockMixer = new Mixer();
  const frame = new Float32Array(FRAME_LENGTH);
  const lateness: number[] = [];
  const clock = new AudioClock({
    onFrame: (index, deadline) => {
      lateness.push(performance.now() - deadline);
      if (index % 10 === 0) clockMixer.trigger(kick, { velocity: 0.8 });
      clockMixer.process(frame);
    },
  });
  clock.start();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  clock.dispose();
  clockMixer.dispose();
  lateness.sort((a, b) => a - b);
  const { frames: emitted, late, maxLateMs, skipped } = clock.stats;
  console.log(
    `sound: audio clock over 2 s: ${emitted} frames, lateness median ${lateness[lateness.length >> 1]!.toFixed(2)} ms, ` +
      `p99 ${lateness[Math.floor(lateness.length * 0.99)]!.toFixed(2)} ms, max ${maxLateMs.toFixed(2)} ms, ` +
      `${late} late (> 5 ms), ${skipped} skipped`,
  );
}
