import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resample } from './resample.ts';
import { decodeWav, encodeWav } from './wav.ts';

test('encodeWav → decodeWav round-trips 16-bit stereo within one LSB', () => {
  const interleaved = new Float32Array([0, 0, 0.5, -0.5, 1, -1, 0.25, 0.125]);
  const wav = encodeWav(interleaved, 48000, 2);
  assert.equal(wav.byteLength, 44 + interleaved.length * 2);
  const { sampleRate, channels } = decodeWav(wav);
  assert.equal(sampleRate, 48000);
  assert.equal(channels.length, 2);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(channels[0]![i]! - interleaved[i * 2]!) <= 1 / 0x7fff);
    assert.ok(Math.abs(channels[1]![i]! - interleaved[i * 2 + 1]!) <= 1 / 0x7fff);
  }
});

test('encodeWav clips out-of-range values and turns NaN into silence', () => {
  const { channels } = decodeWav(encodeWav(new Float32Array([2, -3, Number.NaN]), 8000, 1));
  assert.equal(channels[0]![0], 0x7fff / 0x8000);
  assert.equal(channels[0]![1], -1);
  assert.equal(channels[0]![2], 0);
});

function wavHeader(
  format: number,
  channels: number,
  rate: number,
  bits: number,
  data: Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(44 + data.byteLength);
  const view = new DataView(bytes.buffer);
  bytes.set(
    [...'RIFF'].map((c) => c.charCodeAt(0)),
    0,
  );
  view.setUint32(4, 36 + data.byteLength, true);
  bytes.set(
    [...'WAVEfmt '].map((c) => c.charCodeAt(0)),
    8,
  );
  view.setUint32(16, 16, true);
  view.setUint16(20, format, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, (rate * channels * bits) / 8, true);
  view.setUint16(32, (channels * bits) / 8, true);
  view.setUint16(34, bits, true);
  bytes.set(
    [...'data'].map((c) => c.charCodeAt(0)),
    36,
  );
  view.setUint32(40, data.byteLength, true);
  bytes.set(data, 44);
  return bytes;
}

test('decodeWav reads 8-bit, 24-bit and float32 PCM', () => {
  assert.deepEqual(
    [...decodeWav(wavHeader(1, 1, 8000, 8, new Uint8Array([128, 255, 0]))).channels[0]!],
    [0, 127 / 128, -1],
  );
  const s24 = decodeWav(wavHeader(1, 1, 8000, 24, new Uint8Array([0, 0, 0x40, 0, 0, 0xc0]))).channels[0]!;
  assert.deepEqual([...s24], [0.5, -0.5]);
  const f32 = new Float32Array([0.75, -0.25]);
  const fl = decodeWav(wavHeader(3, 1, 8000, 32, new Uint8Array(f32.buffer))).channels[0]!;
  assert.deepEqual([...fl], [0.75, -0.25]);
});

test('decodeWav gives clear errors on bad files', () => {
  assert.throws(() => decodeWav(new Uint8Array(10)), /not a RIFF\/WAVE/);
  assert.throws(() => decodeWav(wavHeader(2, 1, 8000, 16, new Uint8Array(4))), /unsupported format code 2/);
  assert.throws(() => decodeWav(wavHeader(1, 1, 8000, 12, new Uint8Array(4))), /unsupported bit depth 12/);
});

test('resample keeps a low tone and its length', () => {
  const from = 44100;
  const input = new Float32Array(4410);
  for (let i = 0; i < input.length; i++) input[i] = Math.sin((2 * Math.PI * 440 * i) / from);
  const out = resample(input, from, 48000);
  assert.equal(out.length, 4800);
  for (let i = 100; i < 4700; i += 37) {
    assert.ok(Math.abs(out[i]! - Math.sin((2 * Math.PI * 440 * i) / 48000)) < 0.01, `sample ${i}`);
  }
});
