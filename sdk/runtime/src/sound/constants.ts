/** The engine's audio format: every rendered sound, mixer frame and WAV file uses it. */

/** Samples per second. */
export const SAMPLE_RATE = 48000;
/** Output channels (stereo). */
export const CHANNELS = 2;
/** Length of one audio frame in milliseconds: the audio clock's tick and one Opus packet. */
export const FRAME_MS = 20;
/** Samples per channel in one frame (`SAMPLE_RATE * FRAME_MS / 1000`). */
export const FRAME_SAMPLES = 960;

/** Samples per channel in a frame of `frameMs` milliseconds (960 for the default 20 ms). */
export function samplesPerFrame(frameMs: number): number {
  return (SAMPLE_RATE * frameMs) / 1000;
}
