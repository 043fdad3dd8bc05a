/**
 * Engine benchmark (`npm run bench -w @bambam/engine`). Prints:
 *  1. per-stage micro timings: VP8 decode (sync/async), I420→RGB (640x480 and 320x240), Opus
 *     encode of a 20 ms frame, frame assembly;
 *  3. (printed before 2) decode at the video size cap and the event-loop stall it causes: bench/decode.ts;
 *  2. a live pipeline run: an in-process engine and werift peer(s) streaming the fixture clip
 *     (real VP8 at 30 fps) — per-stage medians/p99 from telemetry, engine-internal hit latency
 *     p50/p99, tracker drops, audio clock lateness, event-loop delay.
 *
 * Options: --seconds N (default 12), --sessions N (default 1), --model full|lite, --hands N,
 * --max-width N (RGB width handed to the tracker), --early (send the frame carrying a hit at once; see README "Hit timing").
 * The werift peers run in this process too (their SRTP and pacing cost CPU here): figures are
 * conservative, and noisy on a shared 2-core machine.
 */
import { existsSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readVideoFrames } from '@bambam/hand-tracker';
import { FRAME_LENGTH } from '@bambam/runtime';
import { RgbConverter } from '../src/convert/rgb-converter.ts';
import { VideoDecoder } from '../src/decode/video-decoder.ts';
import { OpusFrameEncoder } from '../src/encode/opus-encoder.ts';
import { createEngine } from '../src/engine.ts';
import { type EncodedFrame, FrameAssembler } from '../src/ingest/frame-assembler.ts';
import { Vp8PayloadReader } from '../src/ingest/payload.ts';
import { encodeVp8, packetizeVp8, type Vp8Frame } from '../src/testing/vp8.ts';
import { TestClient } from '../src/testing/werift-client.ts';
import { decodeBench } from './decode.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    sessions: { type: 'string', default: '1' },
    model: { type: 'string', default: 'lite' },
    'max-width': { type: 'string', default: '640' },
    early: { type: 'boolean', default: false },
    hands: { type: 'string', default: '2' },
    'micro-only': { type: 'boolean', default: false },
  },
});

const FIXTURES =
  process.env.BAMBAM_FIXTURES ?? new URL('../../../../shared/fixtures/', import.meta.url).pathname;
const CLIP = `${FIXTURES}/clips/open-hand-4-strokes.mjpeg`;

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2).padStart(7) : '    n/a');
function row(name: string, values: number[]): void {
  console.log(
    `  ${name.padEnd(34)} median ${fmt(quantile(values, 0.5))} ms   p99 ${fmt(quantile(values, 0.99))} ms   (n=${values.length})`,
  );
}

async function loadClip(): Promise<{ pictures: Buffer[]; frames: Vp8Frame[] }> {
  if (!existsSync(CLIP)) throw new Error(`fixture clip missing: ${CLIP} (set BAMBAM_FIXTURES)`);
  const pictures: Buffer[] = [];
  for await (const f of readVideoFrames(CLIP)) pictures.push(Buffer.from(f.image.data));
  const frames = await encodeVp8(pictures, {
    width: 640,
    height: 480,
    format: 'rgb24',
    gop: 60,
    bitrate: 1_200_000,
  });
  return { pictures, frames };
}

async function micro(frames: Vp8Frame[]): Promise<void> {
  console.log('\n1. Stage micro-benchmarks (640x480 VP8 from the fixture clip)');
  const assembled: EncodedFrame[] = [];
  const assemble: number[] = [];
  const assembler = new FrameAssembler({ reader: new Vp8PayloadReader() });
  let seq = 0;
  frames.forEach((frame, i) => {
    const packets = packetizeVp8(frame.data, seq, i * 3000);
    seq += packets.length;
    const t0 = performance.now();
    for (const p of packets) assembled.push(...assembler.push({ ...p, arrivalMs: t0 }));
    assemble.push(performance.now() - t0);
  });
  row('assemble (RTP → frame)', assemble);

  for (const sync of [true, false]) {
    const times: number[] = [];
    const convert640: number[] = [];
    const convert320: number[] = [];
    const c640 = new RgbConverter({ maxWidth: 640 });
    const c320 = new RgbConverter({ maxWidth: 320 });
    let started = 0;
    let done = 0;
    const decoder = new VideoDecoder({
      codec: 'VP8',
      sync,
      maxQueued: 1000,
      onPicture: (picture) => {
        times.push(performance.now() - started);
        done++;
        let t0 = performance.now();
        c640.convert(picture);
        convert640.push(performance.now() - t0);
        t0 = performance.now();
        c320.convert(picture);
        convert320.push(performance.now() - t0);
      },
    });
    for (let round = 0; round < 3; round++) {
      for (const frame of assembled) {
        const target = done + 1;
        started = performance.now();
        decoder.push(frame);
        while (done < target) await new Promise((r) => setImmediate(r));
      }
    }
    decoder.dispose();
    row(`decode VP8 (${sync ? 'sync, chosen' : 'async, libuv pool'})`, times);
    if (sync) {
      row('convert I420→RGB 640x480', convert640);
      row('convert I420→RGB 640→320x240 (scaled)', convert320);
    }
    c640.dispose();
    c320.dispose();
  }

  const encoder = new OpusFrameEncoder();
  const frame = new Float32Array(FRAME_LENGTH);
  const opus: number[] = [];
  for (let i = 0; i < 500; i++) {
    for (let s = 0; s < frame.length; s++) frame[s] = 0.3 * Math.sin((i * frame.length + s) * 0.01);
    const t0 = performance.now();
    encoder.encode(frame);
    opus.push(performance.now() - t0);
  }
  row('Opus encode, 20 ms stereo frame', opus);
  encoder.dispose();
}

async function live(frames: Vp8Frame[]): Promise<void> {
  const seconds = Number(args.seconds);
  const sessions = Number(args.sessions);
  const model = args.model === 'lite' ? 'lite' : 'full';
  console.log(
    `\n2. Live pipeline: ${sessions} session(s), ${seconds} s of the clip at 30 fps, model ${model}, ` +
      `up to ${args.hands} hand(s), tracker input ≤${args['max-width']} px wide, hits sent ${args.early ? 'early' : 'at their deadline'}`,
  );
  const engine = await createEngine(
    {
      port: 0,
      trackerModel: model,
      trackerMaxWidth: Number(args['max-width']),
      sendHitsEarly: args.early,
    },
    { processMetrics: false },
  );
  const clients = Array.from({ length: sessions }, () => new TestClient({ url: engine.url }));
  await Promise.all(clients.map((c) => c.whenReady()));
  const setupStart = performance.now();
  for (const c of clients) {
    const ack = await c.connect();
    if (!ack.ok) throw new Error(`offer failed: ${ack.error.message}`);
  }
  await Promise.all(clients.map((c) => c.connected()));
  console.log(`  offer → connected (all sessions)     ${(performance.now() - setupStart).toFixed(0)} ms`);
  await Promise.all(clients.map((c) => c.stream(frames, 1500))); // warm-up: tracker, JIT
  const warm = clients.map((c) => c.telemetry.length);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const streamStart = performance.now();
  const sent = await Promise.all(clients.map((c) => c.stream(frames, seconds * 1000)));
  const streamMs = performance.now() - streamStart;
  await new Promise((r) => setTimeout(r, 500));
  loop.disable();
  const telemetry = clients.flatMap((c, i) => c.telemetry.slice(warm[i]));
  const pick = (k: 'decode' | 'convert' | 'track' | 'plugin' | 'total') => telemetry.map((t) => t.timings[k]);
  row('decode (last RTP in → decoded)', pick('decode'));
  row('convert (→ RGB)', pick('convert'));
  row('track (hand-off → hands, worker)', pick('track'));
  row('plugin (sandbox onFrame)', pick('plugin'));
  row('total (last RTP in → plays queued)', pick('total'));
  const latencies = telemetry.flatMap((t) => t.hitLatencyMs);
  row('hit latency (RTP in → Opus out)', latencies);
  const hits = telemetry.filter((t) => t.hits.length > 0).length;
  const sessionsStats = [...engine.signaling.sessions.values()].map((s) => s.media!.stats());
  const tracked = sessionsStats.reduce((n, s) => n + (s.tracker?.tracked ?? 0), 0);
  const dropped = sessionsStats.reduce((n, s) => n + (s.tracker?.dropped ?? 0), 0);
  const framesSent = sent.reduce((a, b) => a + b, 0);
  const clock = sessionsStats.map((s) => s.audioClock);
  console.log(
    `  frames sent ${framesSent} (${((framesSent / streamMs) * 1000) / sessions} fps/session), tracked ${tracked} (incl. warm-up), dropped by tracker ${dropped}`,
  );
  console.log(
    `  hits ${hits} in ${seconds} s (clip: 1 stroke/s per session → expect ~${seconds * sessions})`,
  );
  console.log(
    `  audio clock: ${clock.map((c) => `${c.frames} frames, ${c.late} late, ${c.skipped} skipped, max late ${c.maxLateMs.toFixed(1)} ms`).join(' | ')}`,
  );
  console.log(
    `  event-loop delay: median ${(loop.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
  );
  await Promise.all(clients.map((c) => c.close()));
  await engine.close();
}

const { frames } = await loadClip();
const cpus = (await import('node:os')).cpus().length;
const load = (await import('node:os'))
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(
  `engine bench — ${cpus} CPUs, load average ${load} at start (other work on the machine skews these figures)`,
);
await micro(frames);
await decodeBench();
if (!args['micro-only']) await live(frames);
