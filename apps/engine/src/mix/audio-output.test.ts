import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RenderedSound } from '@bambam/runtime';
import { Decoder } from '@evan/opus';
import { OpusFrameEncoder } from '../encode/opus-encoder.ts';
import { AudioOutput } from './audio-output.ts';

/** A 100 ms click: a decaying 200 Hz burst. */
function click(): RenderedSound {
  const n = 4800;
  const left = new Float32Array(n);
  for (let i = 0; i < n; i++) left[i] = 0.8 * Math.exp(-i / 800) * Math.sin((2 * Math.PI * 200 * i) / 48000);
  return { name: 'click', left, right: left.slice(), durationMs: 100 };
}

interface Sent {
  index: number;
  at: number;
  early: boolean;
  opus: Uint8Array;
}

function output(options: { sendEarly?: boolean; frameMs?: number } = {}) {
  const sent: Sent[] = [];
  const hits: { latencyMs: number; waitMs: number }[] = [];
  const frameMs = options.frameMs ?? 20;
  const encoder = new OpusFrameEncoder({ frameSamples: frameMs * 48 });
  const audio = new AudioOutput({
    frameMs,
    sendEarly: options.sendEarly,
    encode: (frame) => encoder.encode(frame),
    send: (opus, index, early) => sent.push({ index, at: performance.now(), early, opus }),
    onHitSent: (latencyMs, waitMs) => hits.push({ latencyMs, waitMs }),
  });
  return { audio, sent, hits, encoder };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('10 ms frames: twice as many packets, each decoding to 10 ms, and hits wait for a 10 ms boundary', async () => {
  const { audio, sent, hits, encoder } = output({ frameMs: 10, sendEarly: false });
  audio.start();
  await sleep(43);
  audio.trigger(click(), { velocity: 1, pan: 0 }, { arrivalMs: performance.now() });
  await sleep(460);
  audio.dispose();
  encoder.dispose();
  // ~50; a little less if a stall past the clock's 30 ms catch-up made it skip frames.
  assert.ok(sent.length >= 44 && sent.length <= 52, `${sent.length} frames in ~0.5 s`);
  const decoder = new Decoder({ channels: 2, sample_rate: 48000 });
  const pcm = new Int16Array(Uint8Array.from(decoder.decode(sent[0]!.opus)).buffer);
  assert.equal(pcm.length, 480 * 2);
  assert.equal(hits.length, 1);
  // ≤ 10 ms plus timer lateness on a busy machine.
  assert.ok(hits[0]!.waitMs <= 20, `waited ${hits[0]!.waitMs.toFixed(1)} ms for a 10 ms frame`);
});

test('continuous 20 ms frames on absolute deadlines: no drift over a second, consecutive indexes', async () => {
  const { audio, sent, encoder } = output();
  audio.start();
  await sleep(1010);
  audio.dispose();
  encoder.dispose();
  assert.ok(sent.length >= 49 && sent.length <= 52, `${sent.length} frames in ~1 s`);
  assert.deepEqual(
    sent.map((s) => s.index),
    sent.map((_, i) => i),
  );
  // No drift: frame k goes out near start + 20k ms (timer lateness never accumulates).
  const drift = sent.at(-1)!.at - sent[0]!.at - 20 * (sent.length - 1);
  assert.ok(drift < 15, `drift ${drift.toFixed(1)} ms`);
});

test('a hit is sent at once in the next frame (early), and the clock does not send that frame twice', async () => {
  const { audio, sent, hits, encoder } = output();
  audio.start();
  await sleep(44); // frame 2 went at 40 ms; frame 3 is due at 60
  const arrivalMs = performance.now() - 3;
  audio.trigger(click(), { velocity: 1, pan: 0 }, { arrivalMs });
  audio.flush();
  const early = sent.at(-1)!;
  assert.equal(early.early, true);
  assert.equal(hits.length, 1);
  assert.ok(hits[0]!.latencyMs >= 3 && hits[0]!.latencyMs < 10, `latency ${hits[0]!.latencyMs}`);
  await sleep(100);
  audio.dispose();
  encoder.dispose();
  // The timeline moved earlier with the early frame: the next one follows 20 ms after it, not
  // at its old deadline (which would leave a gap a receiver reads as network delay).
  const next = sent[sent.indexOf(early) + 1]!;
  const gap = next.at - early.at;
  assert.ok(gap >= 19 && gap < 27, `next frame ${gap.toFixed(1)} ms after the early one`);
  assert.equal(audio.clockStats.pulled, 1);
  const indexes = sent.map((s) => s.index);
  assert.deepEqual(indexes, [...new Set(indexes)], 'no frame index sent twice');
  assert.deepEqual(
    indexes,
    indexes.map((_, i) => i),
    'no gap either',
  );
  // The hit's energy is in the early frame and after it, not before.
  const decoder = new Decoder({ channels: 2, sample_rate: 48000 });
  const energy = sent.map((s) => {
    const pcm = new Int16Array(Uint8Array.from(decoder.decode(s.opus)).buffer);
    return pcm.reduce((sum, v) => sum + v * v, 0);
  });
  const hitAt = indexes.indexOf(early.index);
  assert.ok(Math.max(...energy.slice(0, hitAt)) < 1e6, 'silence before the hit');
  assert.ok(energy[hitAt]! > 1e9, `hit frame energy ${energy[hitAt]}`);
});

test('without early sending, a hit waits for its deadline and reports the wait', async () => {
  const { audio, sent, hits, encoder } = output({ sendEarly: false });
  audio.start();
  await sleep(50);
  const before = sent.length;
  audio.trigger(click(), { velocity: 1, pan: 0 }, { arrivalMs: performance.now() });
  audio.flush();
  assert.equal(sent.length, before, 'nothing sent ahead of the clock');
  await sleep(45);
  audio.dispose();
  encoder.dispose();
  assert.equal(hits.length, 1);
  assert.ok(hits[0]!.waitMs >= 0 && hits[0]!.waitMs <= 30, `wait ${hits[0]!.waitMs}`);
  assert.ok(sent.every((s) => !s.early));
});

test('after an event-loop stall the clock catches up without a burst', async () => {
  const { audio, sent, encoder } = output();
  audio.start();
  await sleep(30);
  const busyUntil = performance.now() + 200; // block the loop for 200 ms (10 frames)
  while (performance.now() < busyUntil) {}
  await sleep(30);
  audio.dispose();
  encoder.dispose();
  const stats = audio.clockStats;
  assert.ok(stats.skipped >= 5, `skipped ${stats.skipped}`);
  // Burst check: never more than 3 frames within 1 ms.
  for (let i = 3; i < sent.length; i++)
    assert.ok(sent[i]!.at - sent[i - 3]!.at > 1 || sent[i]!.index - sent[i - 3]!.index > 3);
});
