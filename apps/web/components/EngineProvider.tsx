'use client';
/**
 * Gives every view on a page the same {@link EngineClient}: one socket and one peer connection
 * per page, so the editor and the player in the split view share a session; and the same
 * {@link StudioMonitor}, so every view shows the same status.
 */
import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { EngineClient, type EngineSnapshot } from '../lib/engine-client.ts';
import { resolveEngineUrl } from '../lib/engine-url.ts';
import { StudioMonitor } from '../lib/studio-monitor.ts';
import type { StudioStatus } from '../lib/studio-status.ts';

const EngineContext = createContext<EngineClient | null>(null);
const MonitorContext = createContext<StudioMonitor | null>(null);

declare global {
  interface Window {
    /** The page's engine client, for debugging in the console and for the end-to-end tests. */
    __bambamStudio?: EngineClient;
    /** The page's status monitor (what the badge and the banner show), for the end-to-end tests. */
    __bambamStatus?: StudioMonitor;
  }
}

export function EngineProvider({ children }: { children: ReactNode }) {
  const [client, setClient] = useState<EngineClient | null>(null);
  const [monitor, setMonitor] = useState<StudioMonitor | null>(null);
  useEffect(() => {
    let disposed = false;
    let created: EngineClient | null = null;
    let watching: StudioMonitor | null = null;
    void resolveEngineUrl().then((engineUrl) => {
      if (disposed) return;
      created = new EngineClient({ engineUrl });
      watching = new StudioMonitor(created);
      window.__bambamStudio = created;
      window.__bambamStatus = watching;
      created.connect();
      setClient(created);
      setMonitor(watching);
    });
    return () => {
      disposed = true;
      watching?.dispose();
      created?.dispose();
      if (window.__bambamStudio === created) delete window.__bambamStudio;
      if (window.__bambamStatus === watching) delete window.__bambamStatus;
    };
  }, []);
  return (
    <EngineContext.Provider value={client}>
      <MonitorContext.Provider value={monitor}>{children}</MonitorContext.Provider>
    </EngineContext.Provider>
  );
}

/** The page's engine client, or null while the engine URL is being resolved. */
export function useEngine(): EngineClient | null {
  return useContext(EngineContext);
}

const noop = () => () => undefined;

/** The connection snapshot; re-renders on every change (not on telemetry). */
export function useEngineSnapshot(client: EngineClient | null): EngineSnapshot | null {
  return useSyncExternalStore(
    client ? (onChange) => client.on('change', onChange) : noop,
    () => client?.snapshot ?? null,
    () => null,
  );
}

/** The page's status monitor, or null while the engine URL is being resolved. */
export function useStudioMonitor(): StudioMonitor | null {
  return useContext(MonitorContext);
}

/** The studio's one status (badge and banner); null until the monitor exists. */
export function useStudioStatus(): StudioStatus | null {
  const monitor = useStudioMonitor();
  return useSyncExternalStore(
    monitor ? (onChange) => monitor.on('change', onChange) : noop,
    () => monitor?.status ?? null,
    () => null,
  );
}
