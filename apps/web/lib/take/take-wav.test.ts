import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeWav, renderEventsToWav, type SoundBank } from '@bambam/runtime';
import { type MixableSound, renderTakeWav, type WavHit } from './take-wav.ts';

/** A decaying two-channel tone burst: a clear attack at sample 0, different left and right. */
function burst(frames: number, freq: number): MixableSound {
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const env = Math.exp(-i / (frames / 5));
    left[i] = 0.9 * env * Math.sin((2 * Math.PI * freq * i) / 48_000);
    right[i] = 0.6 * env * Math.sin((2 * Math.PI * freq * 1.5 * i) / 48_000);
  }
  return { left, right };
}

const sounds = new Map<string, MixableSound>([
  ['kick', burst(24_000, 60)],
  ['hat', burst(4_800, 3000)],
]);

const hits: WavHit[] = [
  { timeMs: 0, sound: 'kick', velocity: 1, pan: 0 },
  { timeMs: 250.01, sound: 'hat', velocity: 0.5, pan: -0.7 },
  { timeMs: 251.3, sound: 'kick', velocity: 0.9, pan: 0.4 }, // overlaps: the limiter works
  { timeMs: 9_999.99, sound: 'hat', velocity: 1, pan: 1 }, // across a block boundary below
  { timeMs: 400, sound: 'gone', velocity: 1, pan: 0 },
];

function wavBytes(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

describe('take WAV', () => {
  it('places each hit at the sample of its time and names sounds it could not mix', () => {
    const wav = renderTakeWav(hits, sounds, 12_000);
    assert.deepEqual(wav.starts, [0, 12_000, 12_062, 480_000, 19_200]);
    assert.deepEqual(wav.missing, ['gone']);
    assert.equal(wav.frames, 12_000 * 48);
    const decoded = decodeWav(wavBytes(wav.parts));
    assert.equal(decoded.sampleRate, 48_000);
    assert.equal(decoded.channels.length, 2);
    assert.equal(decoded.channels[0]!.length, wav.frames);
    // The kicks have rung out by 1 s: silence until the hat at 9999.99 ms.
    const left = decoded.channels[0]!;
    assert.ok(
      left.subarray(48_000, 479_990).every((s) => s === 0),
      'not silent between the hits',
    );
    assert.ok(Math.abs(left[12_001]!) > 0 || Math.abs(decoded.channels[1]![12_001]!) > 0);
    // Panned hard right: it sounds on the right channel only, from its sample on.
    const right = decoded.channels[1]!;
    assert.equal(right[479_999], 0);
    assert.ok(Math.abs(right[480_001]!) > 0, 'the hat at 9999.99 ms is missing');
    assert.ok(Math.abs(left[480_001]!) < 1e-4);
  });

  it("mixes exactly like the engine's offline mixer (velocity, pan law, headroom, limiter)", async () => {
    const mine = decodeWav(wavBytes(renderTakeWav(hits, sounds, 11_000).parts));
    // The engine's own mixer over the same buffers (its bank only looks sounds up by name).
    const bank = {
      get: (name: string) => {
        const s = sounds.get(name);
        return s && { ...s, name, durationMs: (s.left.length / 48_000) * 1000 };
      },
    } as unknown as SoundBank;
    const engine = decodeWav(
      (
        await renderEventsToWav(
          hits.map((h) => ({ t: h.timeMs, sound: h.sound, velocity: h.velocity, pan: h.pan })),
          bank,
          0,
          11_000,
        )
      ).wav,
    );
    let maxDiff = 0;
    for (let c = 0; c < 2; c++) {
      const a = mine.channels[c]!;
      const b = engine.channels[c]!;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    }
    assert.ok(maxDiff <= 1 / 32_768 + 1e-9, `differs from the engine's mix by up to ${maxDiff}`);
  });

  it('renders the same bytes whatever the block size', () => {
    const big = wavBytes(renderTakeWav(hits, sounds, 11_000).parts);
    const small = wavBytes(renderTakeWav(hits, sounds, 11_000, { blockFrames: 777 }).parts);
    assert.deepEqual(small, big);
  });

  it('is a valid empty WAV for a take without hits', () => {
    const wav = renderTakeWav([], sounds, 0);
    assert.equal(wav.frames, 0);
    assert.equal(decodeWav(wavBytes(wav.parts)).channels[0]!.length, 0);
  });
});
