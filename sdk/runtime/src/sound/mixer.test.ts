import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FRAME_SAMPLES } from './constants.ts';
import { FRAME_LENGTH, Mixer } from './mixer.ts';
import type { RenderedSound } from './render.ts';

function constant(value: number, samples: number, name = 'dc'): RenderedSound {
  return {
    name,
    left: new Float32Array(samples).fill(value),
    right: new Float32Array(samples).fill(value),
    durationMs: samples / 48,
  };
}

function peak(frame: Float32Array): number {
  let p = 0;
  for (const s of frame) p = Math.max(p, Math.abs(s));
  return p;
}

test('an idle mixer writes silence', () => {
  const mixer = new Mixer();
  const out = new Float32Array(FRAME_LENGTH).fill(0.3);
  mixer.process(out);
  assert.equal(peak(out), 0);
  assert.equal(mixer.activeVoices, 0);
});

test('one sound plays at velocity × headroom and ends', () => {
  const mixer = new Mixer({ headroomDb: 0, limiter: false });
  mixer.trigger(constant(0.5, FRAME_SAMPLES + 10), { velocity: 0.5 });
  const out = new Float32Array(FRAME_LENGTH);
  mixer.process(out);
  assert.equal(out[0], 0.25);
  assert.equal(out[FRAME_LENGTH - 1], 0.25);
  assert.equal(mixer.activeVoices, 1);
  mixer.process(out);
  assert.equal(out[19], 0.25);
  assert.equal(out[20], 0);
  assert.equal(mixer.activeVoices, 0);
});

test('headroom attenuates by the given dB', () => {
  const mixer = new Mixer({ headroomDb: 6, limiter: false });
  mixer.trigger(constant(0.5, 100));
  const out = new Float32Array(FRAME_LENGTH);
  mixer.process(out);
  assert.ok(Math.abs(out[0]! - 0.5 * 10 ** (-6 / 20)) < 1e-6);
});

test('pan follows the StereoPannerNode law', () => {
  const mixer = new Mixer({ headroomDb: 0, limiter: false });
  const out = new Float32Array(FRAME_LENGTH);
  mixer.trigger(constant(0.25, 10), { pan: 1 });
  mixer.process(out);
  assert.ok(Math.abs(out[0]!) < 1e-7, 'hard right: left silent');
  assert.ok(Math.abs(out[1]! - 0.5) < 1e-7, 'hard right: both channels folded right');
  mixer.trigger(constant(0.25, 10), { pan: -0.5 });
  mixer.process(out);
  const x = 0.5 * (Math.PI / 2);
  assert.ok(Math.abs(out[0]! - (0.25 + 0.25 * Math.cos(x))) < 1e-6);
  assert.ok(Math.abs(out[1]! - 0.25 * Math.sin(x)) < 1e-6);
});

test('delaySamples starts a sound inside a later frame', () => {
  const mixer = new Mixer({ headroomDb: 0, limiter: false });
  mixer.trigger(constant(0.5, 4), { delaySamples: FRAME_SAMPLES + 100 });
  const out = new Float32Array(FRAME_LENGTH);
  mixer.process(out);
  assert.equal(peak(out), 0);
  mixer.process(out);
  assert.equal(out[199], 0);
  assert.equal(out[200], 0.5);
  assert.equal(out[207], 0.5);
  assert.equal(out[208], 0);
});

test('eight overlapping full-scale hits never clip with the limiter', () => {
  const mixer = new Mixer();
  const sound = constant(1, FRAME_SAMPLES * 3);
  for (let i = 0; i < 8; i++) mixer.trigger(sound, { delaySamples: i * 50 });
  const out = new Float32Array(FRAME_LENGTH);
  for (let f = 0; f < 4; f++) {
    mixer.process(out);
    assert.ok(peak(out) <= 1, `frame ${f} peak ${peak(out)}`);
    assert.ok(peak(out) < 0.97);
  }
});

test('without the limiter the output is still hard-clipped to [-1, 1]', () => {
  const mixer = new Mixer({ limiter: false, headroomDb: 0 });
  for (let i = 0; i < 8; i++) mixer.trigger(constant(-1, 100));
  const out = new Float32Array(FRAME_LENGTH);
  mixer.process(out);
  assert.equal(out[0], -1);
});

test('past maxVoices the oldest voice fades out instead of growing without bound', () => {
  const mixer = new Mixer({ maxVoices: 4 });
  for (let i = 0; i < 10; i++) mixer.trigger(constant(0.1, 48000, `s${i}`));
  assert.ok(mixer.activeVoices <= 10);
  const out = new Float32Array(FRAME_LENGTH);
  mixer.process(out);
  assert.equal(mixer.activeVoices, 4);
});

test('bad trigger input gets a clear error; dispose silences', () => {
  const mixer = new Mixer();
  assert.throws(
    () => mixer.trigger(constant(1, 10), { velocity: Number.NaN }),
    /velocity must be a finite number/,
  );
  assert.throws(() => mixer.trigger({} as RenderedSound), /needs a RenderedSound/);
  assert.throws(() => new Mixer({ maxVoices: 0 }), /maxVoices/);
  mixer.trigger(constant(1, 10));
  mixer.dispose();
  const out = new Float32Array(FRAME_LENGTH);
  mixer.process(out);
  assert.equal(peak(out), 0);
  assert.throws(() => mixer.trigger(constant(1, 10)), /after dispose/);
});

test('delaySamples places a sound at its exact sample, inside a frame or frames later', () => {
  // A sound meant for 7.3 ms into the next frame (350.4 samples), and one 2.5 frames later.
  for (const delayMs of [7.3, 50, 0]) {
    const mixer = new Mixer();
    const delaySamples = (delayMs * 48000) / 1000;
    mixer.trigger(constant(0.5, 100), { delaySamples });
    const out = new Float32Array(FRAME_LENGTH * 4);
    for (let f = 0; f < 4; f++) mixer.process(out.subarray(f * FRAME_LENGTH, (f + 1) * FRAME_LENGTH));
    const first = out.findIndex((s) => s !== 0) / 2;
    assert.ok(
      Math.abs(first - delaySamples) <= 1,
      `${delayMs} ms: first sample ${first}, expected ${delaySamples}`,
    );
    const last = out.findLastIndex((s) => s !== 0) / 2;
    assert.equal(Math.floor(last) - first, 99, 'all 100 samples played, contiguous');
  }
});
