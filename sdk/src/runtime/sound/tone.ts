/**
 * Tone.js in Node, loaded once and only when a Tone patch is first rendered. Tone expects a
 * browser: node-web-audio-api provides the Web Audio classes, copied onto `globalThis` before
 * Tone is imported (Tone captures them at import time).
 */
import type { ToneSound } from '../../sounds.ts';
import { SAMPLE_RATE } from './constants.ts';

// biome-ignore lint/suspicious/noExplicitAny: Tone's module namespace, typed loosely on purpose (only a few entry points are used)
type ToneModule = any;

let tonePromise: Promise<ToneModule> | undefined;

/** Imports Tone.js with node-web-audio-api's globals in place. */
export function loadTone(): Promise<ToneModule> {
  tonePromise ??= (async () => {
    const webAudio: Record<string, unknown> = await import('node-web-audio-api');
    const global = globalThis as Record<string, unknown>;
    for (const [key, value] of Object.entries(webAudio)) {
      if (key !== 'default' && !(key in global)) global[key] = value;
    }
    global.window ??= globalThis;
    return import('tone');
  })();
  return tonePromise;
}

/**
 * Renders a validated Tone patch to one Float32Array per channel at 48 kHz.
 *
 * The synth is built and triggered with the offline context made Tone's global context, and
 * the previous context is restored before anything is awaited: Tone creates some buffers (noise)
 * on the global context, and this keeps concurrent renders from seeing each other's context.
 */
export async function renderTonePatch(sound: ToneSound): Promise<Float32Array[]> {
  const Tone = await loadTone();
  const length = sound.length ?? 1;
  const context = new Tone.OfflineContext(2, length, SAMPLE_RATE);
  const previous = Tone.getContext();
  let synth: ToneModule;
  try {
    Tone.setContext(context);
    const Instrument = Tone[sound.instrument];
    // Only data options: callbacks (onsilence) and the context are not the plugin's to set.
    const defaults: Record<string, unknown> = Instrument.getDefaults();
    const known = Object.keys(defaults).filter(
      (key) => typeof defaults[key] !== 'function' && key !== 'context',
    );
    for (const key of Object.keys(sound.options ?? {})) {
      if (!known.includes(key)) {
        throw new Error(`${sound.instrument} has no option '${key}' (it has: ${known.join(', ')})`);
      }
    }
    synth = new Instrument(structuredClone(sound.options ?? {}));
    synth.toDestination();
    if (sound.instrument === 'NoiseSynth') synth.triggerAttackRelease(sound.duration, 0);
    else synth.triggerAttackRelease(sound.note, sound.duration, 0);
  } finally {
    Tone.setContext(previous);
  }
  try {
    const rendered = await context.render();
    const buffer = typeof rendered.get === 'function' ? rendered.get() : rendered;
    const channels: Float32Array[] = [];
    for (let c = 0; c < buffer.numberOfChannels; c++)
      channels.push(new Float32Array(buffer.getChannelData(c)));
    return channels;
  } finally {
    synth.dispose();
    context.dispose();
  }
}
