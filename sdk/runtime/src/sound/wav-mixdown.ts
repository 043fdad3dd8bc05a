/** Offline audio (`bambam run --out`, tests): play events through the engine's mixer into a WAV file. */
import type { PlayEvent } from '@bambam/sdk';
import type { SoundBank } from './bank.ts';
import { CHANNELS, FRAME_SAMPLES, SAMPLE_RATE } from './constants.ts';
import { Mixer } from './mixer.ts';
import { encodeWav } from './wav.ts';

/**
 * Mixes `events` (times in ms) into one buffer that starts at `originMs` and lasts until the
 * last frame (`endMs`) or the end of the last sound's tail, whichever is later, in whole 20 ms
 * frames, exactly as the engine's audio path would, and encodes it as 16-bit stereo WAV.
 */
export async function renderEventsToWav(
  events: readonly PlayEvent[],
  bank: SoundBank,
  originMs: number,
  endMs: number,
): Promise<{ wav: Uint8Array; seconds: number }> {
  const toSample = (t: number) => Math.max(0, Math.round(((t - originMs) / 1000) * SAMPLE_RATE));
  let endSample = toSample(endMs);
  const starts = events.map((event) => toSample(event.t));
  events.forEach((event, i) => {
    const sound = bank.get(event.sound);
    if (sound) endSample = Math.max(endSample, starts[i]! + sound.left.length);
  });
  const frames = Math.ceil(endSample / FRAME_SAMPLES) + 1;
  const out = new Float32Array(frames * FRAME_SAMPLES * CHANNELS);
  const order = events.map((_, i) => i).sort((a, b) => starts[a]! - starts[b]!);
  const mixer = new Mixer();
  let next = 0;
  for (let f = 0; f < frames; f++) {
    const frameStart = f * FRAME_SAMPLES;
    while (next < order.length && starts[order[next]!]! < frameStart + FRAME_SAMPLES) {
      const event = events[order[next]!]!;
      const sound = bank.get(event.sound);
      if (sound) {
        mixer.trigger(sound, {
          velocity: event.velocity,
          pan: event.pan,
          delaySamples: starts[order[next]!]! - frameStart,
        });
      }
      next++;
    }
    mixer.process(out.subarray(frameStart * CHANNELS, (frameStart + FRAME_SAMPLES) * CHANNELS));
  }
  mixer.dispose();
  return { wav: encodeWav(out, SAMPLE_RATE, CHANNELS), seconds: out.length / CHANNELS / SAMPLE_RATE };
}
