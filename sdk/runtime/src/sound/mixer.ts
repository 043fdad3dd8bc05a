/**
 * The real-time mixer: sums playing buffers into 20 ms stereo frames. No synthesis and no
 * allocation per frame, only multiply-adds over pre-rendered buffers, so it fits the audio
 * clock's deadline with room to spare.
 */
import { FRAME_SAMPLES, SAMPLE_RATE } from './constants.ts';
import type { RenderedSound } from './render.ts';

export interface MixerOptions {
  /** Most sounds playing at once; past it the oldest is faded out quickly (stolen). */
  maxVoices?: number;
  /** Master attenuation in dB before the limiter, so a few overlapping hits don't reach it. */
  headroomDb?: number;
  /**
   * Peak limiter after the headroom (instant attack, 50 ms release, ceiling -0.3 dBFS): overlapping
   * hits never clip. When `false` the output is hard-clipped at ±1 instead.
   */
  limiter?: boolean;
}

/** The mixer's options unless told otherwise. */
export const DEFAULT_MIXER_OPTIONS: Readonly<Required<MixerOptions>> = Object.freeze({
  maxVoices: 64,
  headroomDb: 3,
  limiter: true,
});

/** Options for {@link Mixer.trigger}. */
export interface TriggerOptions {
  /** Loudness 0..1, applied as linear gain (as Tone.js does). Default 1. */
  velocity?: number;
  /**
   * Stereo position -1..1, with Web Audio's StereoPannerNode law for stereo sources (what the
   * studio's Tone.js audition uses): 0 leaves the sound as rendered. Default 0.
   */
  pan?: number;
  /** Start this many samples into the next frame (or later), for sub-frame timing. Default 0. */
  delaySamples?: number;
}

interface Voice {
  sound: RenderedSound;
  /** Next sample of the sound to play. */
  position: number;
  /** Samples of silence before it starts. */
  delay: number;
  /** Where it stops (the sound's end, or sooner when stolen). */
  end: number;
  /** When stolen: gain ramps from 1 at `fadeFrom` to 0 at `end`. */
  fadeFrom: number;
  leftToLeft: number;
  rightToLeft: number;
  leftToRight: number;
  rightToRight: number;
  /** Order of triggering, to find the oldest voice. */
  serial: number;
}

const CEILING = 10 ** (-0.3 / 20);
const RELEASE_MS = 50;
const STEAL_FADE_SAMPLES = 96; // 2 ms: short enough to free the voice, long enough not to click
const MAX_DELAY_SAMPLES = SAMPLE_RATE * 10;

/** Mixes triggered sounds into interleaved stereo frames. */
export class Mixer {
  private readonly maxVoices: number;
  private readonly master: number;
  private readonly limiter: boolean;
  private readonly release = Math.exp(-1 / ((RELEASE_MS / 1000) * SAMPLE_RATE));
  private voices: Voice[] = [];
  private envelope = 0;
  private serial = 0;
  private disposed = false;

  constructor(options: MixerOptions = {}) {
    const {
      maxVoices = DEFAULT_MIXER_OPTIONS.maxVoices,
      headroomDb = DEFAULT_MIXER_OPTIONS.headroomDb,
      limiter = DEFAULT_MIXER_OPTIONS.limiter,
    } = options;
    if (!Number.isInteger(maxVoices) || maxVoices < 1 || maxVoices > 1024) {
      throw new RangeError(`Mixer: maxVoices must be an integer 1..1024, got ${maxVoices}`);
    }
    if (!Number.isFinite(headroomDb) || headroomDb < 0 || headroomDb > 60) {
      throw new RangeError(`Mixer: headroomDb must be 0..60, got ${headroomDb}`);
    }
    this.maxVoices = maxVoices;
    this.master = 10 ** (-headroomDb / 20);
    this.limiter = limiter;
  }

  /** Sounds playing or waiting to start. */
  get activeVoices(): number {
    return this.voices.length;
  }

  /**
   * Starts a sound at the beginning of the next frame (plus `delaySamples`).
   * @throws RangeError on a non-finite velocity/pan/delay or a sound that isn't a rendered buffer.
   */
  trigger(sound: RenderedSound, options: TriggerOptions = {}): void {
    if (this.disposed) throw new Error('Mixer: trigger after dispose()');
    if (!(sound?.left instanceof Float32Array) || !(sound.right instanceof Float32Array)) {
      throw new RangeError('Mixer: trigger needs a RenderedSound (left/right Float32Array)');
    }
    const { velocity = 1, pan = 0, delaySamples = 0 } = options;
    if (!Number.isFinite(velocity))
      throw new RangeError(`Mixer: velocity must be a finite number, got ${velocity}`);
    if (!Number.isFinite(pan)) throw new RangeError(`Mixer: pan must be a finite number, got ${pan}`);
    if (!Number.isFinite(delaySamples) || delaySamples < 0 || delaySamples > MAX_DELAY_SAMPLES) {
      throw new RangeError(`Mixer: delaySamples must be 0..${MAX_DELAY_SAMPLES}, got ${delaySamples}`);
    }
    const gain = Math.min(1, Math.max(0, velocity));
    const length = Math.min(sound.left.length, sound.right.length);
    if (gain === 0 || length === 0) return;
    if (this.voices.length >= this.maxVoices) this.steal();
    // StereoPannerNode, stereo input: the far channel is attenuated and folded into the near one.
    const p = Math.min(1, Math.max(-1, pan));
    const x = (p <= 0 ? p + 1 : p) * (Math.PI / 2);
    const cos = Math.cos(x);
    const sin = Math.sin(x);
    const voice: Voice = {
      sound,
      position: 0,
      delay: Math.floor(delaySamples),
      end: length,
      fadeFrom: length,
      leftToLeft: gain * (p <= 0 ? 1 : cos),
      rightToLeft: gain * (p <= 0 ? cos : 0),
      leftToRight: gain * (p <= 0 ? 0 : sin),
      rightToRight: gain * (p <= 0 ? sin : 1),
      serial: this.serial++,
    };
    this.voices.push(voice);
  }

  /**
   * Fills one frame: interleaved stereo, L R L R…, normally `FRAME_SAMPLES * 2` floats (any even
   * length works), every value in [-1, 1]. Silence when nothing plays.
   */
  process(out: Float32Array): void {
    if (out.length % 2 !== 0)
      throw new RangeError(`Mixer: frame length ${out.length} is not stereo-interleaved`);
    out.fill(0);
    if (this.disposed) return;
    const frames = out.length / 2;
    const voices = this.voices;
    let kept = 0;
    for (let v = 0; v < voices.length; v++) {
      const voice = voices[v]!;
      if (mixVoice(voice, out, frames)) voices[kept++] = voice;
    }
    voices.length = kept;
    this.finish(out, frames);
  }

  /** Stops every sound at once. */
  clear(): void {
    this.voices.length = 0;
    this.envelope = 0;
  }

  /** Drops all voices; `process` then only writes silence and `trigger` throws. */
  dispose(): void {
    this.clear();
    this.disposed = true;
  }

  private steal(): void {
    let oldest: Voice | undefined;
    for (const voice of this.voices) {
      if (voice.fadeFrom < voice.end) continue; // already fading out
      if (!oldest || voice.serial < oldest.serial) oldest = voice;
    }
    if (!oldest) oldest = this.voices[0]!;
    if (oldest.delay > 0 || oldest.fadeFrom < oldest.end) {
      this.voices.splice(this.voices.indexOf(oldest), 1); // not audible yet (or fading): drop it
      return;
    }
    oldest.fadeFrom = oldest.position;
    oldest.end = Math.min(oldest.end, oldest.position + STEAL_FADE_SAMPLES);
  }

  /** Headroom, then the limiter (or a hard clip). */
  private finish(out: Float32Array, frames: number): void {
    const master = this.master;
    if (!this.limiter) {
      for (let i = 0; i < out.length; i++) {
        const s = out[i]! * master;
        out[i] = s > 1 ? 1 : Math.max(s, -1);
      }
      return;
    }
    const release = this.release;
    let envelope = this.envelope;
    for (let i = 0, at = 0; i < frames; i++, at += 2) {
      const l = out[at]! * master;
      const r = out[at + 1]! * master;
      const al = l < 0 ? -l : l;
      const ar = r < 0 ? -r : r;
      const peak = Math.max(al, ar);
      envelope = peak > envelope ? peak : envelope * release;
      const gain = envelope > CEILING ? CEILING / envelope : 1;
      out[at] = l * gain;
      out[at + 1] = r * gain;
    }
    this.envelope = envelope < 1e-9 ? 0 : envelope;
  }
}

/** Adds one voice into the frame; returns whether it still has samples to play. */
function mixVoice(voice: Voice, out: Float32Array, frames: number): boolean {
  let start = 0;
  if (voice.delay > 0) {
    if (voice.delay >= frames) {
      voice.delay -= frames;
      return true;
    }
    start = voice.delay;
    voice.delay = 0;
  }
  const { left, right } = voice.sound;
  const count = Math.min(frames - start, voice.end - voice.position);
  const { leftToLeft, rightToLeft, leftToRight, rightToRight } = voice;
  let position = voice.position;
  let at = start * 2;
  if (voice.fadeFrom >= voice.end) {
    for (let i = 0; i < count; i++, position++, at += 2) {
      const l = left[position]!;
      const r = right[position]!;
      out[at] = out[at]! + l * leftToLeft + r * rightToLeft;
      out[at + 1] = out[at + 1]! + l * leftToRight + r * rightToRight;
    }
  } else {
    const span = voice.end - voice.fadeFrom;
    for (let i = 0; i < count; i++, position++, at += 2) {
      const fade = (voice.end - position) / span;
      const l = left[position]! * fade;
      const r = right[position]! * fade;
      out[at] = out[at]! + l * leftToLeft + r * rightToLeft;
      out[at + 1] = out[at + 1]! + l * leftToRight + r * rightToRight;
    }
  }
  voice.position = position;
  return position < voice.end;
}

/** Interleaved stereo samples in one frame (`FRAME_SAMPLES * 2`). */
export const FRAME_LENGTH = FRAME_SAMPLES * 2;
