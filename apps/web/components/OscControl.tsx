'use client';
/**
 * "OSC": a toolbar button opening a small panel where the player sends the session's hits (and
 * hands, at a chosen rate) to an OSC receiver — Max, Pure Data, SuperCollider, Wekinator, a DAW
 * bridge — at host:port. The engine sends them (UDP from the engine's machine), so the host must
 * be one the engine's operator allows (a local install: this machine and your own network). The
 * target is remembered in this browser.
 */
import { useEffect, useState } from 'react';
import type { EngineClient } from '../lib/engine-client.ts';

const STORAGE_KEY = 'bambam.osc';

interface OscSettings {
  host: string;
  port: string;
  landmarksHz: string;
}

const DEFAULT_SETTINGS: OscSettings = { host: '127.0.0.1', port: '57120', landmarksHz: '0' };

function loadSettings(): OscSettings {
  try {
    return { ...DEFAULT_SETTINGS, ...JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export function OscControl({ client }: { client: EngineClient | null }) {
  const [open, setOpen] = useState(false);
  const [settings, setSettings] = useState<OscSettings>(DEFAULT_SETTINGS);
  const [status, setStatus] = useState<{ kind: 'off' | 'on' | 'error'; text: string }>({
    kind: 'off',
    text: 'Not sending.',
  });

  useEffect(() => setSettings(loadSettings()), []);

  const update = (key: keyof OscSettings) => (event: React.ChangeEvent<HTMLInputElement>) =>
    setSettings((current) => ({ ...current, [key]: event.target.value }));

  async function start(): Promise<void> {
    if (!client) return;
    const port = Number(settings.port);
    const landmarksHz = Number(settings.landmarksHz || 0);
    if (!settings.host.trim() || !Number.isInteger(port) || port < 1024 || port > 65535) {
      setStatus({ kind: 'error', text: 'Give a host and a port from 1024 to 65535.' });
      return;
    }
    localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
    try {
      const osc = await client.setOsc({ host: settings.host.trim(), port, landmarksHz });
      setStatus({
        kind: 'on',
        text: `Sending hits${osc && osc.landmarksHz > 0 ? ` and hands (${osc.landmarksHz}/s)` : ''} to ${osc?.address}:${osc?.port}.`,
      });
    } catch (error) {
      setStatus({ kind: 'error', text: (error as Error).message });
    }
  }

  async function stop(): Promise<void> {
    try {
      await client?.setOsc(null);
    } finally {
      setStatus({ kind: 'off', text: 'Not sending.' });
    }
  }

  return (
    <span className="osc">
      <button
        type="button"
        className={status.kind === 'on' ? 'button primary' : 'button'}
        onClick={() => setOpen((value) => !value)}
        aria-expanded={open}
        data-testid="osc-toggle"
        title="Send hits and hands as OSC over UDP"
      >
        OSC
      </button>
      {open && (
        <div className="panel calibrate-panel osc-panel" data-testid="osc-panel">
          <p>
            Hits go to <code>/bambam/hit sound velocity pan time</code>; hands to{' '}
            <code>/bambam/hand/&lt;id&gt;/landmarks</code>.
          </p>
          <div className="calibrate-row">
            <label>
              Host{' '}
              <input
                className="osc-host"
                value={settings.host}
                onChange={update('host')}
                data-testid="osc-host"
              />
            </label>
            <label>
              Port{' '}
              <input
                value={settings.port}
                onChange={update('port')}
                data-testid="osc-port"
                size={6}
                inputMode="numeric"
              />
            </label>
            <label>
              Hands/s{' '}
              <input
                value={settings.landmarksHz}
                onChange={update('landmarksHz')}
                data-testid="osc-hz"
                size={3}
                inputMode="numeric"
              />
            </label>
          </div>
          <div className="calibrate-row">
            <button
              type="button"
              className="button primary"
              disabled={!client}
              onClick={() => void start()}
              data-testid="osc-start"
            >
              Send
            </button>
            <button
              type="button"
              className="button"
              disabled={status.kind !== 'on'}
              onClick={() => void stop()}
            >
              Stop
            </button>
          </div>
          <p className={status.kind === 'error' ? 'calibrate-warning' : 'muted'} data-testid="osc-status">
            {status.text}
          </p>
        </div>
      )}
    </span>
  );
}
