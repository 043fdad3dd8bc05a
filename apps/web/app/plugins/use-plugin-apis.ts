'use client';
import { useEffect, useState } from 'react';
import { resolveEngineUrl } from '../../lib/engine-url.ts';
import { SourcesApi } from '../../lib/sources-api.ts';
import { RegistryApi } from './registry-api.ts';

/** The engine's HTTP APIs the plugins page uses. */
export interface PluginApis {
  engineUrl: string;
  registry: RegistryApi;
  sources: SourcesApi;
}

/** The page's APIs, or null until the engine's URL is resolved. */
export function usePluginApis(): PluginApis | null {
  const [apis, setApis] = useState<PluginApis | null>(null);
  useEffect(() => {
    let live = true;
    void resolveEngineUrl().then((engineUrl) => {
      if (live)
        setApis({ engineUrl, registry: new RegistryApi(engineUrl), sources: new SourcesApi(engineUrl) });
    });
    return () => {
      live = false;
    };
  }, []);
  return apis;
}
