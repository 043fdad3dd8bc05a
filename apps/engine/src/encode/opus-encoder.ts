/**
 * Opus encoder for the session's audio: 48 kHz stereo, one frame in (20 ms by default; Opus
 * also takes 5 and 10), one packet out.
 * Audio never drops: every frame the clock emits is encoded (0.05–0.07 ms each, notes).
 */

import { CHANNELS, FRAME_SAMPLES, SAMPLE_RATE, samplesPerFrame } from '@bambam/runtime';
import { Encoder } from '@evan/opus';

export interface OpusEncoderOptions {
  /** Target bitrate in bits/s. Default 96 kbps (music, stereo). */
  readonly bitrate?: number;
  /** 0..10; default 5 (enough for drums, cheap on 2 cores). */
  readonly complexity?: number;
  /** Samples per channel in one frame: 240, 480 or 960 (5, 10, 20 ms). Default 960. */
  readonly frameSamples?: number;
}

/** Frame lengths the engine sends, ms (Opus also has 2.5, 40 and 60). */
export const OPUS_FRAME_MS = [5, 10, 20] as const;

export class OpusFrameEncoder {
  private encoder: Encoder | undefined;
  private readonly pcm: Int16Array;

  constructor(options: OpusEncoderOptions = {}) {
    const frameSamples = options.frameSamples ?? FRAME_SAMPLES;
    const allowed = OPUS_FRAME_MS.map(samplesPerFrame);
    if (!allowed.includes(frameSamples))
      throw new RangeError(
        `OpusFrameEncoder: frameSamples must be one of ${allowed.join(', ')}, got ${frameSamples}`,
      );
    this.pcm = new Int16Array(frameSamples * CHANNELS);
    this.encoder = new Encoder({ channels: CHANNELS, sample_rate: SAMPLE_RATE, application: 'audio' });
    this.encoder.bitrate = options.bitrate ?? 96_000;
    this.encoder.complexity = (options.complexity ?? 5) as 5;
  }

  /** Encodes one interleaved float frame (`frameSamples * 2` values in [-1, 1]). */
  encode(interleaved: Float32Array): Uint8Array {
    if (!this.encoder) throw new Error('OpusFrameEncoder: encode after dispose()');
    if (interleaved.length !== this.pcm.length) {
      throw new RangeError(
        `OpusFrameEncoder: a frame has ${this.pcm.length} samples, got ${interleaved.length}`,
      );
    }
    const pcm = this.pcm;
    for (let i = 0; i < pcm.length; i++) {
      const v = interleaved[i]!;
      pcm[i] = v >= 1 ? 32767 : v <= -1 ? -32768 : Math.round(v * 32767);
    }
    // The binding returns a view into a reused buffer: copy before the next call.
    return Uint8Array.from(this.encoder.encode(pcm));
  }

  dispose(): void {
    this.encoder = undefined;
  }
}
