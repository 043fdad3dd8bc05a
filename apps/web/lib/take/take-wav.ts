/**
 * Renders a take to a 16-bit stereo WAV at 48 kHz, the engine's way: each hit's pre-rendered
 * sound (the plugin's patch, rendered exactly as the engine renders it: `audition.ts`) starts
 * at the sample of its time (`round(timeMs × 48)`), scaled by its velocity and panned with Web
 * Audio's StereoPannerNode law, then the mixer's 3 dB headroom and peak limiter
 * (`sdk/src/runtime/sound/mixer.ts`, same constants). It renders block by block into WAV parts
 * (a Blob is made of them), so a 30-minute take never needs one 700 MB float buffer.
 */

/** A sound ready to mix: one Float32Array per channel at {@link DEFAULT_TAKE_WAV.sampleRate}. */
export interface MixableSound {
  readonly left: Float32Array;
  readonly right: Float32Array;
}

/** What the renderer needs of a hit. */
export interface WavHit {
  readonly timeMs: number;
  readonly sound: string;
  readonly velocity: number;
  readonly pan: number;
}

export const DEFAULT_TAKE_WAV = {
  sampleRate: 48_000,
  /** The engine mixer's headroom. */
  headroomDb: 3,
  /** The engine mixer's limiter: ceiling −0.3 dBFS, 50 ms release. */
  ceilingDb: -0.3,
  releaseMs: 50,
  /** Frames rendered per block (10 s). */
  blockFrames: 480_000,
} as const;

export interface TakeWav {
  /** The WAV file in parts: the 44-byte header, then the PCM blocks. */
  readonly parts: Uint8Array<ArrayBuffer>[];
  readonly frames: number;
  readonly sampleRate: number;
  /** Where each hit starts, in frames (in the hits' order). */
  readonly starts: readonly number[];
  /** Hits whose sound was missing (not mixed). */
  readonly missing: readonly string[];
}

/**
 * Mixes the hits into a WAV. The file lasts `durationMs` or until the last sound has rung out,
 * whichever is longer.
 */
export function renderTakeWav(
  hits: readonly WavHit[],
  sounds: ReadonlyMap<string, MixableSound>,
  durationMs: number,
  options: { blockFrames?: number } = {},
): TakeWav {
  const rate = DEFAULT_TAKE_WAV.sampleRate;
  const blockFrames = options.blockFrames ?? DEFAULT_TAKE_WAV.blockFrames;
  const starts = hits.map((hit) => Math.max(0, Math.round((hit.timeMs * rate) / 1000)));
  const missing = new Set<string>();
  let frames = Math.max(0, Math.ceil((durationMs * rate) / 1000));
  hits.forEach((hit, i) => {
    const sound = sounds.get(hit.sound);
    if (sound) frames = Math.max(frames, starts[i]! + Math.min(sound.left.length, sound.right.length));
    else missing.add(hit.sound);
  });
  const order = hits.map((_, i) => i).sort((a, b) => starts[a]! - starts[b]!);
  const master = 10 ** (-DEFAULT_TAKE_WAV.headroomDb / 20);
  const ceiling = 10 ** (DEFAULT_TAKE_WAV.ceilingDb / 20);
  const release = Math.exp(-1 / ((DEFAULT_TAKE_WAV.releaseMs / 1000) * rate));
  let envelope = 0;
  const parts: Uint8Array<ArrayBuffer>[] = [wavHeader(frames, rate)];
  const active: { index: number; end: number }[] = [];
  let next = 0;
  const mix = new Float32Array(Math.min(blockFrames, Math.max(1, frames)) * 2);
  for (let from = 0; from < frames; from += blockFrames) {
    const to = Math.min(frames, from + blockFrames);
    const out = mix.subarray(0, (to - from) * 2);
    out.fill(0);
    while (next < order.length && starts[order[next]!]! < to) {
      const index = order[next++]!;
      const sound = sounds.get(hits[index]!.sound);
      if (sound)
        active.push({ index, end: starts[index]! + Math.min(sound.left.length, sound.right.length) });
    }
    for (let a = active.length - 1; a >= 0; a--) {
      const { index, end } = active[a]!;
      const hit = hits[index]!;
      addVoice(out, from, to, starts[index]!, sounds.get(hit.sound)!, hit.velocity, hit.pan);
      if (end <= to) active.splice(a, 1);
    }
    const pcm = new Int16Array(out.length);
    for (let i = 0; i < out.length; i += 2) {
      const l = out[i]! * master;
      const r = out[i + 1]! * master;
      const peak = Math.max(Math.abs(l), Math.abs(r));
      envelope = peak > envelope ? peak : envelope * release;
      const gain = envelope > ceiling ? ceiling / envelope : 1;
      pcm[i] = toInt16(l * gain);
      pcm[i + 1] = toInt16(r * gain);
    }
    if (envelope < 1e-9) envelope = 0;
    parts.push(new Uint8Array(pcm.buffer));
  }
  return { parts, frames, sampleRate: rate, starts, missing: [...missing] };
}

/** Adds the part of one voice that falls in the block [from, to) (frames), engine mixer law. */
function addVoice(
  out: Float32Array,
  from: number,
  to: number,
  start: number,
  sound: MixableSound,
  velocity: number,
  pan: number,
): void {
  const gain = Math.min(1, Math.max(0, Number.isFinite(velocity) ? velocity : 0));
  const p = Math.min(1, Math.max(-1, Number.isFinite(pan) ? pan : 0));
  const x = (p <= 0 ? p + 1 : p) * (Math.PI / 2);
  const cos = Math.cos(x);
  const sin = Math.sin(x);
  const ll = gain * (p <= 0 ? 1 : cos);
  const rl = gain * (p <= 0 ? cos : 0);
  const lr = gain * (p <= 0 ? 0 : sin);
  const rr = gain * (p <= 0 ? sin : 1);
  const length = Math.min(sound.left.length, sound.right.length);
  const first = Math.max(from, start);
  const last = Math.min(to, start + length);
  for (let f = first; f < last; f++) {
    const l = sound.left[f - start]!;
    const r = sound.right[f - start]!;
    const at = (f - from) * 2;
    out[at] = out[at]! + l * ll + r * rl;
    out[at + 1] = out[at + 1]! + l * lr + r * rr;
  }
}

function toInt16(s: number): number {
  const clipped = s > 1 ? 1 : s < -1 ? -1 : s || 0;
  return Math.round(clipped < 0 ? clipped * 0x8000 : clipped * 0x7fff);
}

/** The 44-byte header of a 16-bit PCM stereo WAV of `frames` frames. */
export function wavHeader(frames: number, sampleRate: number): Uint8Array<ArrayBuffer> {
  const channels = 2;
  const dataBytes = frames * channels * 2;
  const bytes = new Uint8Array(44);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  return bytes;
}
