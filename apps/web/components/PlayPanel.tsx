'use client';
/**
 * The play view: camera + hand overlay, connection state, start/stop, camera choice, the
 * instrument's params and sounds, and the latency readout. `compact` is the editor's side panel.
 */
import { useEffect, useRef, useState } from 'react';
import { DirectMonitor } from '../lib/direct-monitor.ts';
import { MidiOut } from '../lib/midi/midi-out.ts';
import { CalibrateControl } from './CalibrateControl.tsx';
import { CameraPicker } from './CameraPicker.tsx';
import { DirectMonitorToggle } from './DirectMonitorToggle.tsx';
import { useEngine, useEngineSnapshot } from './EngineProvider.tsx';
import { LatencyReadout } from './LatencyReadout.tsx';
import { MidiOutControl } from './MidiOutControl.tsx';
import { OscControl } from './OscControl.tsx';
import { ParamControls } from './ParamControls.tsx';
import { ProblemBanner } from './ProblemBanner.tsx';
import { ShareLinkControl, type ShareQuery } from './ShareLinkControl.tsx';
import { SoundList } from './SoundList.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { TakeRecorderPanel } from './TakeRecorder.tsx';
import { VideoStage } from './VideoStage.tsx';

declare global {
  interface Window {
    /** The page's direct monitor, for debugging and the end-to-end tests. */
    __bambamDirectMonitor?: DirectMonitor;
    /** The page's MIDI out, for debugging and the end-to-end tests. */
    __bambamMidiOut?: MidiOut;
  }
}

export function PlayPanel({
  autostart = false,
  compact = false,
  share,
}: {
  autostart?: boolean;
  compact?: boolean;
  /** A share link's query (`/play?plugin=…&params=…`) to load once the session is ready. */
  share?: ShareQuery;
}) {
  const client = useEngine();
  const snapshot = useEngineSnapshot(client);
  const audioRef = useRef<HTMLAudioElement>(null);
  const autostarted = useRef(false);
  const [monitor, setMonitor] = useState<DirectMonitor | null>(null);
  const [midiOut, setMidiOut] = useState<MidiOut | null>(null);

  useEffect(() => {
    client?.attachAudio(audioRef.current);
    return () => client?.attachAudio(null);
  }, [client]);

  useEffect(() => {
    if (!client) return;
    const created = new DirectMonitor(client);
    created.attachElement(audioRef.current);
    window.__bambamDirectMonitor = created;
    setMonitor(created);
    return () => {
      created.dispose();
      if (window.__bambamDirectMonitor === created) delete window.__bambamDirectMonitor;
    };
  }, [client]);

  useEffect(() => {
    if (!client) return;
    const created = new MidiOut(client);
    window.__bambamMidiOut = created;
    setMidiOut(created);
    return () => {
      created.dispose();
      if (window.__bambamMidiOut === created) delete window.__bambamMidiOut;
    };
  }, [client]);

  useEffect(() => midiOut?.setCompensationSource(monitor), [midiOut, monitor]);

  useEffect(() => {
    if (!client || !autostart || autostarted.current) return;
    autostarted.current = true;
    void client.start();
  }, [client, autostart]);

  const playing = snapshot?.wantsMedia ?? false;
  const plugin = snapshot?.plugin ?? null;

  return (
    <div className={compact ? 'play play-compact' : 'play'} data-testid="play-panel">
      <div className="play-main">
        <div className="toolbar">
          <button
            type="button"
            className={playing ? 'button' : 'button primary'}
            disabled={!client}
            onClick={() => void (playing ? client?.stop() : client?.start())}
            data-testid="start-stop"
          >
            {playing ? '■ Stop' : '▶ Start'}
          </button>
          {client && <CameraPicker client={client} selected={snapshot?.cameraId ?? null} />}
          <DirectMonitorToggle monitor={monitor} />
          <CalibrateControl monitor={monitor} />
          <OscControl client={client} />
          <span className="spacer" />
          <StatusBadge snapshot={snapshot} />
        </div>
        {/* The banner floats over the stage: showing or clearing a problem never moves the layout. */}
        <div className="stage-wrap">
          {client ? <VideoStage client={client} /> : <div className="stage" />}
          <ProblemBanner
            problem={snapshot?.problem ?? null}
            onReload={() => client?.reloadPlugin() ?? Promise.resolve()}
          />
        </div>
        {/* biome-ignore lint/a11y/useMediaCaption: the instrument's sound has no words to caption */}
        <audio ref={audioRef} autoPlay data-testid="instrument-audio" />
      </div>
      <aside className="play-side">
        <section className="panel plugin-card">
          <h3>Instrument</h3>
          {plugin ? (
            <>
              <p className="plugin-name" data-testid="plugin-name">
                {plugin.name} <span className="muted">v{plugin.version}</span>
              </p>
              <p className="muted">{plugin.description}</p>
            </>
          ) : (
            <p className="muted">Waiting for the engine…</p>
          )}
          {client && (
            <ShareLinkControl
              client={client}
              plugin={plugin}
              sessionId={snapshot?.sessionId ?? null}
              query={share}
            />
          )}
        </section>
        {client && <ParamControls client={client} plugin={plugin} />}
        <SoundList sounds={plugin?.sounds} />
        {client && <TakeRecorderPanel client={client} plugin={plugin} midiOut={midiOut} />}
        <MidiOutControl midiOut={midiOut} />
        {client && <LatencyReadout client={client} />}
      </aside>
    </div>
  );
}
