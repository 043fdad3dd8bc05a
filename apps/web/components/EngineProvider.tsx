'use client';
/**
 * Gives every view on a page the same {@link EngineClient}: one socket and one peer connection
 * per page, so the editor and the player in the split view share a session.
 */
import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { EngineClient, type EngineSnapshot } from '../lib/engine-client.ts';
import { resolveEngineUrl } from '../lib/engine-url.ts';

const EngineContext = createContext<EngineClient | null>(null);

declare global {
  interface Window {
    /** The page's engine client, for debugging in the console and for the end-to-end tests. */
    __bambamStudio?: EngineClient;
  }
}

export function EngineProvider({ children }: { children: ReactNode }) {
  const [client, setClient] = useState<EngineClient | null>(null);
  useEffect(() => {
    let disposed = false;
    let created: EngineClient | null = null;
    void resolveEngineUrl().then((engineUrl) => {
      if (disposed) return;
      created = new EngineClient({ engineUrl });
      window.__bambamStudio = created;
      created.connect();
      setClient(created);
    });
    return () => {
      disposed = true;
      created?.dispose();
      if (window.__bambamStudio === created) delete window.__bambamStudio;
    };
  }, []);
  return <EngineContext.Provider value={client}>{children}</EngineContext.Provider>;
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
