'use client';
import { useEffect, useState } from 'react';
import type { EngineClient } from '../../lib/engine-client.ts';
import { PluginDetail } from './PluginDetail.tsx';
import type { PackageInfo, PluginSummary, RegistryApi } from './registry-api.ts';

/** Asks the engine to load and verify the plugin's latest version, then shows it (or why it was refused). */
export function PluginLoader({
  summary,
  registry,
  npmRegistry,
  client,
}: {
  summary: PluginSummary;
  registry: RegistryApi;
  npmRegistry: string | null;
  client: EngineClient | null;
}) {
  const [pkg, setPkg] = useState<PackageInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    registry
      .package(summary.name, abort.signal)
      .then(setPkg)
      .catch((e: Error) => e.name !== 'AbortError' && setError(e.message));
    return () => abort.abort();
  }, [registry, summary.name]);
  if (error || pkg?.refusal || (pkg && !pkg.latest)) {
    return (
      <article className="plugins-card" data-testid="plugin-detail">
        <h2>{summary.name}</h2>
        <p className="plugins-description">{summary.description}</p>
        <p className="plugins-status bad" data-testid="plugin-refusal">
          {error ?? pkg?.refusal?.message ?? `${summary.name} has no version the engine can load.`}
        </p>
      </article>
    );
  }
  if (!pkg?.latest) {
    return (
      <article className="plugins-card" data-testid="plugin-detail">
        <h2>{summary.name}</h2>
        <p className="muted">
          Downloading and checking {summary.name}@{summary.version} (integrity, manifest, sandbox)…
        </p>
      </article>
    );
  }
  return (
    <PluginDetail
      pkg={pkg}
      latest={pkg.latest}
      registry={registry}
      npmRegistry={npmRegistry}
      client={client}
    />
  );
}
