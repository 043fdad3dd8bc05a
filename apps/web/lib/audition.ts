/**
 * Auditions a plugin's sounds in the browser with Tone.js, rendering each patch exactly the way
 * the engine does (`sdk/runtime/src/sound/node-tone.ts` + `render.ts`): same defaults, an offline
 * render at 48 kHz stereo of `new Tone[instrument](options)` triggered at 0 with
 * `triggerAttackRelease(note, duration)` (`triggerAttackRelease(duration)` for NoiseSynth),
 * then the sound's gain, scaled down to peak at full scale if louder, silent tail trimmed. So
 * what you hear in the editor is what the engine plays. The plugins page reuses this module.
 */

import type { SoundInfo } from '@bambam/protocol';
import { finishChannels, renderToneWith, type ToneModule } from '@bambam/runtime/tone-patch';
import type { ToneSound } from '@bambam/sdk';

/** The engine's sample rate and the render's: matches `SAMPLE_RATE` in the SDK runtime. */
export const AUDITION_SAMPLE_RATE = 48000;
/** Defaults the engine's validator fills in (`TONE_DEFAULTS`, `MAX_SOUND_SECONDS`). */
export const TONE_SOUND_DEFAULTS = { note: 'C2', duration: 0.1, tail: 1, maxSeconds: 4 } as const;

let tonePromise: Promise<ToneModule> | undefined;

/** Loads Tone.js from the local bundle, once (never a CDN). */
export function loadTone(): Promise<ToneModule> {
  tonePromise ??= import('tone');
  return tonePromise;
}

/** A rendered sound, ready to play: one Float32Array per channel at 48 kHz. */
export interface RenderedAudition {
  readonly channels: readonly Float32Array[];
  readonly durationMs: number;
  /** Peak level before gain/normalisation (0..), for display. */
  readonly peak: number;
}

/** Fills in the engine validator's defaults (of what makes the sound; `midi` is not part of it). */
export function withToneDefaults(sound: ToneSound): Required<Omit<ToneSound, 'midi'>> {
  const duration = sound.duration ?? TONE_SOUND_DEFAULTS.duration;
  return {
    kind: 'tone',
    instrument: sound.instrument,
    options: sound.options ?? {},
    note: sound.note ?? TONE_SOUND_DEFAULTS.note,
    duration,
    length: sound.length ?? Math.min(duration + TONE_SOUND_DEFAULTS.tail, TONE_SOUND_DEFAULTS.maxSeconds),
    gain: sound.gain ?? 1,
  };
}

/** Renders a Tone patch offline with the given Tone module, with the engine's own code (`@bambam/runtime/tone-patch`). */
export async function renderToneSound(Tone: ToneModule, patch: ToneSound): Promise<RenderedAudition> {
  const sound = withToneDefaults(patch);
  const { left, right, length, peak } = finishChannels(
    await renderToneWith(Tone, sound, AUDITION_SAMPLE_RATE),
    sound.gain,
  );
  return { channels: [left, right], durationMs: (length / AUDITION_SAMPLE_RATE) * 1000, peak };
}

const cache = new Map<string, Promise<RenderedAudition>>();

/** Renders (cached by patch) a sound the engine described; samples are fetched if the engine serves them. */
export function renderAudition(sound: SoundInfo): Promise<RenderedAudition> {
  const key = JSON.stringify(sound);
  let rendered = cache.get(key);
  if (!rendered) {
    rendered = (async () => {
      if (sound.kind === 'tone') return renderToneSound(await loadTone(), sound);
      if (!sound.url)
        throw new Error('this sample is not served by the engine, so it cannot be auditioned here');
      const Tone = await loadTone();
      const response = await fetch(sound.url);
      if (!response.ok) throw new Error(`could not fetch the sample (${response.status})`);
      const decoded: AudioBuffer = await Tone.getContext().rawContext.decodeAudioData(
        await response.arrayBuffer(),
      );
      const channels = Array.from({ length: decoded.numberOfChannels }, (_, c) => decoded.getChannelData(c));
      return { channels, durationMs: decoded.duration * 1000, peak: 1 };
    })();
    rendered.catch(() => cache.delete(key));
    cache.set(key, rendered);
  }
  return rendered;
}

/**
 * Plays a sound now through the browser's audio output. Must follow a user gesture (a click)
 * the first time: browsers keep audio suspended until then.
 */
export async function audition(
  sound: SoundInfo,
  options: { velocity?: number; pan?: number } = {},
): Promise<void> {
  const Tone = await loadTone();
  await Tone.start();
  const rendered = await renderAudition(sound);
  const raw: BaseAudioContext = Tone.getContext().rawContext;
  const length = rendered.channels[0]?.length ?? 0;
  if (length === 0) return;
  const buffer = raw.createBuffer(2, length, AUDITION_SAMPLE_RATE);
  buffer.copyToChannel(new Float32Array(rendered.channels[0]!), 0);
  buffer.copyToChannel(new Float32Array(rendered.channels[1] ?? rendered.channels[0]!), 1);
  const source = raw.createBufferSource();
  source.buffer = buffer;
  const gain = raw.createGain();
  gain.gain.value = options.velocity ?? 1;
  const pan = raw.createStereoPanner();
  pan.pan.value = options.pan ?? 0;
  source.connect(gain).connect(pan).connect(raw.destination);
  source.start();
}

/** Peak levels in `bins` slices, for drawing a waveform thumbnail. */
export function waveformPeaks(rendered: RenderedAudition, bins: number): number[] {
  const left = rendered.channels[0] ?? new Float32Array(0);
  const right = rendered.channels[1] ?? left;
  const per = Math.max(1, Math.floor(left.length / bins));
  const peaks: number[] = [];
  for (let b = 0; b < bins; b++) {
    let peak = 0;
    for (let i = b * per; i < Math.min(left.length, (b + 1) * per); i++) {
      peak = Math.max(peak, Math.abs(left[i]!), Math.abs(right[i]!));
    }
    peaks.push(peak);
  }
  return peaks;
}
