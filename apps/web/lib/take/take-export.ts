/**
 * A finished take as files the player downloads: the WAV (the hits rendered with the session's
 * own sounds, rendered in the browser exactly as the engine renders them: `audition.ts`) and
 * the Standard MIDI File (the notes MIDI out plays).
 */
import type { SoundInfo } from '@bambam/protocol';
import { renderAudition } from '../audition.ts';
import type { MidiNote } from '../midi/midi-map.ts';
import { takeToMidi } from './take-midi.ts';
import type { Take } from './take-recorder.ts';
import { type MixableSound, renderTakeWav } from './take-wav.ts';

/** The take's WAV; sounds the page cannot render are left out and named. */
export async function takeWavBlob(
  take: Take,
  sounds: Readonly<Record<string, SoundInfo>>,
): Promise<{ blob: Blob; missing: string[] }> {
  const mixable = new Map<string, MixableSound>();
  const missing: string[] = [];
  for (const name of new Set(take.hits.map((h) => h.sound))) {
    const sound = sounds[name];
    try {
      if (!sound) throw new Error('unknown sound');
      const rendered = await renderAudition(sound);
      const left = rendered.channels[0];
      if (!left) throw new Error('empty render');
      mixable.set(name, { left, right: rendered.channels[1] ?? left });
    } catch {
      missing.push(name);
    }
  }
  const wav = renderTakeWav(take.hits, mixable, take.durationMs);
  return {
    blob: new Blob(wav.parts, { type: 'audio/wav' }),
    missing: [...new Set([...missing, ...wav.missing])],
  };
}

export function takeMidiBlob(take: Take, notes: Readonly<Record<string, MidiNote>>): Blob {
  const { bytes } = takeToMidi(take.hits, notes, take.plugin ? `Bam Bam: ${take.plugin}` : 'Bam Bam take');
  return new Blob([bytes], { type: 'audio/midi' });
}

/** A file name for the take: `bambam-<plugin>-<yyyy-mm-dd-hhmmss>.<ext>`. */
export function takeFileName(take: Take, extension: string, when = new Date()): string {
  const stamp = when.toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '');
  const plugin = take.plugin.replace(/[^a-z0-9.-]+/gi, '_') || 'take';
  return `bambam-${plugin}-${stamp}.${extension}`;
}

/** Saves a blob through the browser's download. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Chromium reads the blob when the download starts; give it time before freeing it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
