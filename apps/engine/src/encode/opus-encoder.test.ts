import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FRAME_LENGTH, FRAME_SAMPLES } from '@bambam/runtime';
import { Decoder } from '@evan/opus';
import { OpusFrameEncoder } from './opus-encoder.ts';

test('Opus round trip: a 440 Hz stereo tone comes back with its energy and pitch', () => {
  const encoder = new OpusFrameEncoder();
  const decoder = new Decoder({ channels: 2, sample_rate: 48000 });
  const decoded: number[] = [];
  const frame = new Float32Array(FRAME_LENGTH);
  for (let f = 0; f < 10; f++) {
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = 0.5 * Math.sin((2 * Math.PI * 440 * (f * FRAME_SAMPLES + i)) / 48000);
      frame[2 * i] = v;
      frame[2 * i + 1] = v;
    }
    const packet = encoder.encode(frame);
    assert.ok(packet.length > 10 && packet.length < 1500, `packet size ${packet.length}`);
    const pcm = new Int16Array(Uint8Array.from(decoder.decode(packet)).buffer);
    assert.equal(pcm.length, FRAME_LENGTH, 'decoder returns one 20 ms stereo frame');
    for (let i = 0; i < pcm.length; i += 2) decoded.push(pcm[i]! / 32768);
  }
  const tail = decoded.slice(FRAME_SAMPLES * 3); // past the codec's start-up
  const rms = Math.sqrt(tail.reduce((s, v) => s + v * v, 0) / tail.length);
  assert.ok(Math.abs(rms - 0.5 / Math.SQRT2) < 0.05, `rms ${rms.toFixed(3)}`);
  let crossings = 0;
  for (let i = 1; i < tail.length; i++) if (tail[i - 1]! < 0 && tail[i]! >= 0) crossings++;
  const hz = crossings / (tail.length / 48000);
  assert.ok(Math.abs(hz - 440) < 10, `pitch ${hz.toFixed(1)} Hz`);
  encoder.dispose();
});

test('silence encodes to small packets; wrong frame sizes are a clear error', () => {
  const encoder = new OpusFrameEncoder();
  const packet = encoder.encode(new Float32Array(FRAME_LENGTH));
  assert.ok(packet.length < 20, `silent packet ${packet.length} bytes`);
  assert.throws(() => encoder.encode(new Float32Array(10)), /1920 samples/);
  encoder.dispose();
  assert.throws(() => encoder.encode(new Float32Array(FRAME_LENGTH)), /after dispose/);
});

test('10 and 5 ms frames: one packet each, decoded back to as many samples; other lengths refused', () => {
  const decoder = new Decoder({ channels: 2, sample_rate: 48000 });
  for (const frameSamples of [480, 240]) {
    const encoder = new OpusFrameEncoder({ frameSamples });
    const frame = new Float32Array(frameSamples * 2).map((_, i) => 0.3 * Math.sin(i / 7));
    const pcm = new Int16Array(Uint8Array.from(decoder.decode(encoder.encode(frame))).buffer);
    assert.equal(pcm.length, frameSamples * 2);
    assert.throws(
      () => encoder.encode(new Float32Array(FRAME_LENGTH)),
      new RegExp(`${frameSamples * 2} samples`),
    );
    encoder.dispose();
  }
  assert.throws(() => new OpusFrameEncoder({ frameSamples: 1000 }), /one of 240, 480, 960, got 1000/);
});
