'use client';
/**
 * The "Direct monitoring" switch: on, the page plays each hit itself as soon as it arrives (the
 * stream is muted); off, or while it cannot (no hit channel, audio blocked, sounds rendering),
 * the instrument is heard through the stream. The choice is remembered in this browser.
 */
import { useSyncExternalStore } from 'react';
import type { DirectMonitor, DirectMonitorReason } from '../lib/direct-monitor.ts';

const HINTS: Record<DirectMonitorReason, string> = {
  on: 'hits play on this page',
  off: 'hearing the stream',
  'no-channel': 'no hit channel: hearing the stream',
  'audio-suspended': 'click the page to allow audio: hearing the stream',
  rendering: 'preparing the sounds: hearing the stream',
  'unsupported-sound': 'a sound cannot play here: hearing the stream',
};

const noop = () => () => undefined;

export function DirectMonitorToggle({ monitor }: { monitor: DirectMonitor | null }) {
  const state = useSyncExternalStore(
    monitor ? (onChange) => monitor.on('change', onChange) : noop,
    () => monitor?.state ?? null,
    () => null,
  );
  return (
    <label
      className="direct-monitor"
      data-testid="direct-monitoring"
      data-active={state?.active ? 'true' : 'false'}
      data-reason={state?.reason ?? 'off'}
      title="Play each hit on this page as soon as it arrives, instead of waiting for the audio stream"
    >
      <input
        type="checkbox"
        checked={state?.enabled ?? false}
        disabled={!monitor}
        onChange={(event) => monitor?.setEnabled(event.target.checked)}
        data-testid="direct-monitoring-toggle"
      />
      Direct monitoring
      {state?.enabled && <span className="muted"> · {HINTS[state.active ? 'on' : state.reason]}</span>}
    </label>
  );
}
