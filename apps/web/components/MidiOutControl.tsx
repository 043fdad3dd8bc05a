'use client';
/**
 * MIDI out: pick a MIDI output and every hit is sent to it as a note (drums on channel 10, General
 * MIDI's drum map by default); each sound's note can be changed (remembered per instrument in
 * this browser). Says plainly when the browser gives no MIDI access or there is no output, and
 * when the output is unplugged (the studio keeps playing).
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { MidiOut } from '../lib/midi/midi-out.ts';
import { loadMidiOutputId } from '../lib/midi/midi-settings.ts';

const noop = () => () => undefined;

export function MidiOutControl({ midiOut }: { midiOut: MidiOut | null }) {
  const state = useSyncExternalStore(
    midiOut ? (onChange) => midiOut.on('change', onChange) : noop,
    () => midiOut?.state ?? null,
    () => null,
  );

  // Ask again by itself only when the player picked an output before and access is already granted (no prompt).
  useEffect(() => {
    if (!midiOut || !loadMidiOutputId() || !navigator.permissions?.query) return;
    navigator.permissions
      .query({ name: 'midi' as PermissionName })
      .then((status) => {
        if (status.state === 'granted') void midiOut.requestAccess();
      })
      .catch(() => undefined);
  }, [midiOut]);

  const status = state?.status ?? 'idle';
  const notes = midiOut?.notes ?? {};
  return (
    <section className="panel midi-out" aria-label="MIDI out" data-testid="midi-out" data-status={status}>
      <h3>MIDI out</h3>
      {status === 'idle' || status === 'requesting' ? (
        <button
          type="button"
          className="button"
          disabled={!midiOut || status === 'requesting'}
          onClick={() => void midiOut?.requestAccess()}
          data-testid="midi-enable"
        >
          {status === 'requesting' ? 'Asking for MIDI access…' : 'Send hits to MIDI…'}
        </button>
      ) : (
        (state?.outputs.length ?? 0) > 0 && (
          <label>
            Output{' '}
            <select
              value={state?.selectedId ?? ''}
              onChange={(event) => midiOut?.select(event.target.value)}
              data-testid="midi-output"
            >
              <option value="">None</option>
              {state?.outputs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        )
      )}
      {state?.message && (
        <p role="status" data-testid="midi-message">
          {state.message}
        </p>
      )}
      {status === 'sending' && (
        <p className="muted" data-testid="midi-sent">
          {state?.sent ?? 0} notes sent
        </p>
      )}
      {Object.keys(notes).length > 0 && status !== 'idle' && (
        <details>
          <summary className="muted">Notes</summary>
          <ul className="midi-notes">
            {Object.entries(notes).map(([sound, target]) => (
              <li key={sound}>
                <label>
                  {sound}{' '}
                  <input
                    type="number"
                    min={0}
                    max={127}
                    step={1}
                    value={target.note}
                    onChange={(event) => {
                      const note = Number(event.target.value);
                      if (Number.isInteger(note) && note >= 0 && note <= 127)
                        midiOut?.remap(sound, { note, channel: target.channel });
                    }}
                    data-testid={`midi-note-${sound}`}
                  />{' '}
                  <span className="muted">ch {target.channel}</span>
                </label>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
