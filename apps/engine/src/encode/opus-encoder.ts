/**
 * Opus encoder for the session's audio: 48 kHz stereo, one frame in (20 ms by default; Opus
 * also takes 5 and 10), one packet out.
 * Audio never drops: every frame the clock emits is encoded (0.05–0.07 ms each, notes).
 */

import { CHANNELS, FRAME_SAMPLES, SAMPLE_RATE, samplesPerFrame } from '@bambam/runtime';
import { Encoder } from '@evan/opus';
import type { Stage } from '../pipeline/stage.ts';

/** Defaults of {@link OpusFrameEncoder}. */
export const DEFAULT_OPUS_ENCODER_OPTIONS = Object.freeze({
  /** Bits/s: music, stereo. */
  bitrate: 96_000,
  /** 0..10: enough for drums, cheap on 2 cores. */
  complexity: 5,
  /** Samples per channel in one frame (20 ms at 48 kHz). */
  frameSamples: FRAME_SAMPLES,
});

export interface OpusEncoderOptions {
  /** Target bitrate in bits/s. Default {@link DEFAULT_OPUS_ENCODER_OPTIONS}. */
  readonly bitrate?: number;
  /** 0..10. Default {@link DEFAULT_OPUS_ENCODER_OPTIONS}. */
  readonly complexity?: number;
  /** Samples per channel in one frame: 240, 480 or 960 (5, 10, 20 ms). Default {@link DEFAULT_OPUS_ENCODER_OPTIONS}. */
  readonly frameSamples?: number;
}

/** Frame lengths the engine sends, ms (Opus also has 2.5, 40 and 60). */
export const OPUS_FRAME_MS = [5, 10, 20] as const;

export interface OpusEncoderStats {
  readonly frames: number;
  readonly bytes: number;
}

export class OpusFrameEncoder implements Stage<Float32Array, Uint8Array, OpusEncoderStats> {
  private encoder: Encoder | undefined;
  private readonly pcm: Int16Array;
  private frames = 0;
  private bytes = 0;

  constructor(options: OpusEncoderOptions = {}) {
    const defaults = DEFAULT_OPUS_ENCODER_OPTIONS;
    const frameSamples = options.frameSamples ?? defaults.frameSamples;
    const allowed = OPUS_FRAME_MS.map(samplesPerFrame);
    if (!allowed.includes(frameSamples))
      throw new RangeError(
        `OpusFrameEncoder: frameSamples must be one of ${allowed.join(', ')}, got ${frameSamples}`,
      );
    this.pcm = new Int16Array(frameSamples * CHANNELS);
    this.encoder = new Encoder({ channels: CHANNELS, sample_rate: SAMPLE_RATE, application: 'audio' });
    this.encoder.bitrate = options.bitrate ?? defaults.bitrate;
    this.encoder.complexity = (options.complexity ?? defaults.complexity) as 5;
  }

  /** {@link encode} as a stage: one frame in, its packet out. */
  push(interleaved: Float32Array): Uint8Array[] {
    return [this.encode(interleaved)];
  }

  stats(): OpusEncoderStats {
    return { frames: this.frames, bytes: this.bytes };
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
    const packet = Uint8Array.from(this.encoder.encode(pcm));
    this.frames++;
    this.bytes += packet.byteLength;
    return packet;
  }

  dispose(): void {
    this.encoder = undefined;
  }
}
