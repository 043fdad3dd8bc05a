/**
 * The sound engine: sounds are validated and rendered once at plugin load ({@link SoundBank}),
 * then mixed in real time ({@link Mixer}) on 20 ms frames paced by the {@link AudioClock}.
 *
 * @packageDocumentation
 */

export { SoundBank, type SoundBankOptions } from './bank.ts';
export {
  AudioClock,
  type AudioClockOptions,
  type AudioClockStats,
  DEFAULT_AUDIO_CLOCK_OPTIONS,
} from './clock.ts';
export { CHANNELS, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE, samplesPerFrame } from './constants.ts';
export { SoundError } from './errors.ts';
export {
  DEFAULT_MIXER_OPTIONS,
  FRAME_LENGTH,
  Mixer,
  type MixerOptions,
  type TriggerOptions,
} from './mixer.ts';
export { loadTone } from './node-tone.ts';
export { type RenderedSound, type RenderOptions, renderSound, renderSoundHere } from './render.ts';
export { resample } from './resample.ts';
export { soundFacts } from './sound-facts.ts';
export { MAX_SAMPLE_BYTES, UNSUPPORTED_TONE_INSTRUMENTS, validateSound } from './validate.ts';
export { decodeWav, encodeWav } from './wav.ts';
export { renderEventsToWav } from './wav-mixdown.ts';
export {
  DEFAULT_RENDER_LIMITS,
  RenderPool,
  type RenderPoolLimits,
  stopSoundWorker,
} from './worker-client.ts';
