'use client';
/**
 * Record a take: Record / Stop, then download it as a WAV (the hits rendered with the
 * instrument's own sounds, sample-aligned) and as a Standard MIDI File (the notes MIDI out
 * plays), and the stream as received (WebM/Opus, for reference). A take stops by itself at 30
 * minutes, keeping everything recorded.
 */
import type { PluginInfo, SoundInfo } from '@bambam/protocol';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { EngineClient } from '../lib/engine-client.ts';
import { midiMapFor } from '../lib/midi/midi-map.ts';
import type { MidiOut } from '../lib/midi/midi-out.ts';
import { StreamTake } from '../lib/take/stream-take.ts';
import { downloadBlob, takeFileName, takeMidiBlob, takeWavBlob } from '../lib/take/take-export.ts';
import { TakeRecorder } from '../lib/take/take-recorder.ts';

declare global {
  interface Window {
    /** The page's take recorder, for the end-to-end tests. */
    __bambamTake?: TakeRecorder;
  }
}

const noop = () => () => undefined;

function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function TakeRecorderPanel({
  client,
  plugin,
  midiOut,
}: {
  client: EngineClient;
  plugin: PluginInfo | null;
  midiOut: MidiOut | null;
}) {
  const [recorder, setRecorder] = useState<TakeRecorder | null>(null);
  // Every sound heard during the take (the instrument may change while recording).
  const sounds = useRef<Record<string, SoundInfo>>({});
  const [busy, setBusy] = useState<'wav' | 'midi' | null>(null);
  const stream = useRef<StreamTake | null>(null);
  const [streamBlob, setStreamBlob] = useState<Blob | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [, tick] = useState(0);

  useEffect(() => {
    const created = new TakeRecorder(client);
    window.__bambamTake = created;
    setRecorder(created);
    // The stream recording ends with the take, whoever stops it (the player or the limit).
    const offTake = created.on('take', () => {
      const recording = stream.current;
      stream.current = null;
      void recording?.stop().then(setStreamBlob);
    });
    const offAudio = client.on('audio', (audio) => stream.current?.record(audio));
    return () => {
      offTake();
      offAudio();
      void stream.current?.stop();
      stream.current = null;
      created.dispose();
      if (window.__bambamTake === created) delete window.__bambamTake;
    };
  }, [client]);

  const state = useSyncExternalStore(
    recorder ? (onChange) => recorder.on('change', onChange) : noop,
    () => recorder?.state ?? null,
    () => null,
  );
  const recording = state?.status === 'recording';

  useEffect(() => {
    if (recording && plugin) Object.assign(sounds.current, plugin.sounds);
  }, [recording, plugin]);

  useEffect(() => {
    if (!recording) return;
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, [recording]);

  const take = state?.status === 'stopped' ? recorder?.take : null;

  const download = async (kind: 'wav' | 'midi') => {
    if (!take) return;
    setBusy(kind);
    setNote(null);
    try {
      if (kind === 'wav') {
        const { blob, missing } = await takeWavBlob(take, sounds.current);
        downloadBlob(blob, takeFileName(take, 'wav'));
        if (missing.length > 0)
          setNote(`Left out of the WAV (this page cannot render them): ${missing.join(', ')}.`);
      } else {
        const notes = midiOut ? midiOut.notesFor(sounds.current) : midiMapFor(sounds.current);
        downloadBlob(takeMidiBlob(take, notes), takeFileName(take, 'mid'));
      }
    } catch (error) {
      setNote(`Could not make the ${kind === 'wav' ? 'WAV' : 'MIDI'} file: ${(error as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section
      className="panel take"
      aria-label="Take"
      data-testid="take"
      data-status={state?.status ?? 'idle'}
    >
      <h3>Take</h3>
      <div className="toolbar">
        <button
          type="button"
          className={recording ? 'button primary' : 'button'}
          disabled={!recorder}
          onClick={() => {
            if (!recorder) return;
            if (recording) recorder.stop();
            else {
              sounds.current = { ...(plugin?.sounds ?? {}) };
              setNote(null);
              setStreamBlob(null);
              if (StreamTake.supported()) {
                stream.current = new StreamTake();
                stream.current.record(client.remoteAudio);
              }
              recorder.record(plugin ? `${plugin.name}@${plugin.version}` : '');
            }
          }}
          data-testid="take-record"
        >
          {recording ? '■ Stop' : '● Record'}
        </button>
        {state && state.status !== 'idle' && (
          <span className="muted" data-testid="take-summary">
            {formatElapsed(recording ? (recorder?.elapsedMs() ?? 0) : state.elapsedMs)} · {state.hits}{' '}
            {state.hits === 1 ? 'hit' : 'hits'}
          </span>
        )}
      </div>
      {take && (
        <div className="toolbar">
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => void download('wav')}
            data-testid="take-download-wav"
          >
            {busy === 'wav' ? 'Rendering…' : 'Download WAV'}
          </button>
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => void download('midi')}
            data-testid="take-download-midi"
          >
            Download MIDI
          </button>
          {streamBlob && (
            <button
              type="button"
              className="button"
              onClick={() => downloadBlob(streamBlob, takeFileName(take, 'webm'))}
              data-testid="take-download-stream"
              title="The engine's audio stream as this page received it (for reference; the WAV is sample-aligned)"
            >
              Download stream
            </button>
          )}
        </div>
      )}
      {state?.message && (
        <p role="status" data-testid="take-message">
          {state.message}
        </p>
      )}
      {note && <p className="muted">{note}</p>}
    </section>
  );
}
