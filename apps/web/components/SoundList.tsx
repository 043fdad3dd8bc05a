'use client';
/**
 * The instrument's declared sounds, each with a play button that renders it in the browser with
 * Tone.js from the same patch the engine renders (lib/audition.ts), and its waveform.
 * Exported for the plugins page.
 */
import type { SoundInfo } from '@bambam/protocol';
import { useEffect, useState } from 'react';
import { audition, renderAudition, waveformPeaks } from '../lib/audition.ts';

declare global {
  interface Window {
    /** The audition renderer, for the end-to-end test that compares it with the engine's render. */
    __bambamAudition?: { render: typeof renderAudition };
  }
}

function describeSound(sound: SoundInfo): string {
  if (sound.kind === 'sample') return `sample · ${Math.round(sound.durationMs)} ms`;
  const note = sound.instrument === 'NoiseSynth' ? '' : ` · ${sound.note ?? 'C2'}`;
  return `${sound.instrument}${note} · ${Math.round((sound.duration ?? 0.1) * 1000)} ms`;
}

export function SoundList({ sounds }: { sounds: Readonly<Record<string, SoundInfo>> | undefined }) {
  const entries = Object.entries(sounds ?? {});
  return (
    <section className="panel" aria-label="Sounds">
      <h3>Sounds</h3>
      {entries.length === 0 ? (
        <p className="muted">No sounds declared.</p>
      ) : (
        <ul className="sounds">
          {entries.map(([name, sound]) => (
            <SoundRow key={`${name}:${JSON.stringify(sound)}`} name={name} sound={sound} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function SoundRow({ name, sound }: { name: string; sound: SoundInfo }) {
  useEffect(() => {
    window.__bambamAudition ??= { render: renderAudition };
  }, []);
  const [peaks, setPeaks] = useState<number[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const play = async () => {
    setBusy(true);
    try {
      await audition(sound);
      setPeaks(waveformPeaks(await renderAudition(sound), 48));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="sound" data-sound={name}>
      <button
        type="button"
        className="icon-button"
        onClick={() => void play()}
        aria-label={`Play ${name}`}
        disabled={busy}
      >
        ▶
      </button>
      <div className="sound-text">
        <strong>{name}</strong>
        <span className="muted">{describeSound(sound)}</span>
        {error && <span className="error-text">{error}</span>}
      </div>
      {peaks && (
        <svg className="waveform" viewBox="0 0 48 20" preserveAspectRatio="none" aria-hidden>
          {peaks.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: bins are positional
            <rect key={i} x={i} y={10 - p * 10} width={0.7} height={Math.max(0.4, p * 20)} />
          ))}
        </svg>
      )}
    </li>
  );
}
