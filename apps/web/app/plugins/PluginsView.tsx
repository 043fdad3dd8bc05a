'use client';
/**
 * The plugins page: search the engine's npm registry for `bambam-plugin` packages, read a
 * plugin's description, params and sounds (audition them with Tone.js, as the editor does),
 * use it in this page's session (`plugin:use`), and publish a saved plugin with an npm token.
 */
import { useEffect, useState } from 'react';
import { useEngine } from '../../components/EngineProvider.tsx';
import { PlayPanel } from '../../components/PlayPanel.tsx';
import { PluginLoader } from './PluginLoader.tsx';
import { PublishPanel } from './PublishPanel.tsx';
import { type PluginSummary, RegistryError } from './registry-api.ts';
import { usePluginApis } from './use-plugin-apis.ts';

export function PluginsView({
  initialQuery = '',
  publishName,
  autostart = false,
}: {
  initialQuery?: string;
  publishName?: string;
  autostart?: boolean;
}) {
  const apis = usePluginApis();
  const client = useEngine();
  const [query, setQuery] = useState(initialQuery);
  const [results, setResults] = useState<PluginSummary[] | null>(null);
  const [registry, setRegistry] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` re-runs the search after a publish
  useEffect(() => {
    if (!apis) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      apis.registry
        .search(query, abort.signal)
        .then((found) => {
          setResults(found.plugins);
          setRegistry(found.registry);
          setError(null);
        })
        .catch((e: Error) => {
          if (e.name !== 'AbortError') {
            setError(
              e instanceof RegistryError
                ? e.message
                : `The engine at ${apis.engineUrl} is unreachable (${e.message}).`,
            );
          }
        });
    }, 200);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [apis, query, generation]);

  const shown = results?.find((p) => p.name === selected) ?? results?.[0] ?? null;

  return (
    <div className="plugins" data-testid="plugins-page">
      <section className="plugins-browse" aria-label="Registry">
        {registry && (
          <p className="muted plugins-registry" data-testid="plugins-registry">
            npm packages with the keyword <code>bambam-plugin</code> on {registry}
          </p>
        )}
        <input
          type="search"
          className="plugins-search"
          placeholder="Search plugins by name or description"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          aria-label="Search plugins"
          data-testid="plugins-search"
        />
        {error && <p className="error-text plugins-error">{error}</p>}
        {results === null && !error && <p className="muted">Loading…</p>}
        {results?.length === 0 && (
          <p className="muted">
            {query
              ? `No plugin matches “${query}”.`
              : 'Nothing published yet. Publish one from the panel on the right.'}
          </p>
        )}
        <ul className="plugins-list">
          {results?.map((pkg) => (
            <li key={pkg.name}>
              <button
                type="button"
                className={pkg.name === shown?.name ? 'plugins-item selected' : 'plugins-item'}
                onClick={() => setSelected(pkg.name)}
                data-testid={`plugin-item-${pkg.name}`}
              >
                <span className="plugins-item-head">
                  <strong>{pkg.name}</strong>
                  <span className="plugins-version">{pkg.version}</span>
                </span>
                <span className="muted plugins-item-text">{pkg.description}</span>
              </button>
            </li>
          ))}
        </ul>
        {apis && (
          <PublishPanel
            apis={apis}
            registry={registry}
            initialName={publishName}
            onPublished={() => setGeneration((g) => g + 1)}
          />
        )}
      </section>
      <section className="plugins-detail" aria-label="Plugin">
        {shown && apis ? (
          <PluginLoader
            key={shown.name}
            summary={shown}
            registry={apis.registry}
            npmRegistry={registry}
            client={client}
          />
        ) : (
          <div className="plugins-empty muted">Pick a plugin to see its sounds and params.</div>
        )}
      </section>
      <aside className="plugins-side">
        <PlayPanel compact autostart={autostart} />
      </aside>
    </div>
  );
}
