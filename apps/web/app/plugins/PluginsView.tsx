'use client';
import type { SoundInfo } from '@bambam/protocol';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useEngine, useEngineSnapshot } from '../../components/EngineProvider.tsx';
import { PlayPanel } from '../../components/PlayPanel.tsx';
import { SoundRow } from '../../components/SoundList.tsx';
import type { EngineClient } from '../../lib/engine-client.ts';
import { resolveEngineUrl } from '../../lib/engine-url.ts';
/**
 * The plugins page: search the engine's npm registry for `bambam-plugin` packages, read a
 * plugin's description, params and sounds (audition them with Tone.js, as the editor does),
 * use it in this page's session (`plugin:use`), and publish a saved plugin with an npm token.
 */
import { shareLink } from '../../lib/share-link.ts';
import { SourcesApi } from '../../lib/sources-api.ts';
import {
  type PackageInfo,
  type PluginManifest,
  type PluginSummary,
  RegistryApi,
  RegistryError,
  type VersionInfo,
} from './registry-api.ts';

/** The commands an author runs, naming our scoped packages and the registry (never a bare `npx bambam`). */
export function authorCommands(registry: string): string {
  return [
    `npm exec --registry=${registry} --package=@bambam/cli -- bambam init my-drum`,
    `cd my-drum && npm install --registry=${registry}`,
    // `--no`: run the @bambam/cli the plugin installed, never fetch a package named bambam.
    'npm exec --no -- bambam test',
    'npm exec --no -- bambam build',
    `npm login --registry=${registry}`,
    `npm exec --no -- bambam publish --registry=${registry}`,
  ].join('\n');
}

interface Apis {
  engineUrl: string;
  registry: RegistryApi;
  sources: SourcesApi;
}

function useApis(): Apis | null {
  const [apis, setApis] = useState<Apis | null>(null);
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

export function PluginsView({
  initialQuery = '',
  publishName,
  autostart = false,
}: {
  initialQuery?: string;
  publishName?: string;
  autostart?: boolean;
}) {
  const apis = useApis();
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

function soundInfo(sound: PluginManifest['sounds'][string]): SoundInfo | null {
  return sound.kind === 'tone' ? sound : null;
}

function describeParam(spec: PluginManifest['params'][string]): string {
  if (spec.type === 'number') return `${spec.min} – ${spec.max}, default ${spec.default}`;
  if (spec.type === 'boolean') return `on/off, default ${spec.default ? 'on' : 'off'}`;
  return `${spec.choices.join(' · ')}, default ${spec.default}`;
}

/** Asks the engine to load and verify the plugin's latest version, then shows it (or why it was refused). */
function PluginLoader({
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

function PluginDetail({
  pkg,
  latest,
  registry,
  npmRegistry,
  client,
}: {
  pkg: PackageInfo;
  latest: VersionInfo;
  registry: RegistryApi;
  npmRegistry: string | null;
  client: EngineClient | null;
}) {
  const snapshot = useEngineSnapshot(client);
  const [version, setVersion] = useState(latest.version);
  const [info, setInfo] = useState<VersionInfo>(latest);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (version === latest.version) {
      setInfo(latest);
      return;
    }
    let live = true;
    registry
      .version(pkg.name, version)
      .then((v) => live && setInfo(v))
      .catch((e: Error) => live && setStatus({ ok: false, text: e.message }));
    return () => {
      live = false;
    };
  }, [pkg, latest, registry, version]);

  const manifest = info.manifest;
  const params = Object.entries(manifest.params);
  const sounds = Object.entries(manifest.sounds);
  const current = snapshot?.plugin;
  const inSession = current?.name === manifest.name && current.version === manifest.version;
  const connected = snapshot?.link === 'connected';

  const use = async () => {
    if (!client) return;
    setBusy(true);
    setStatus(null);
    try {
      // biome-ignore lint/correctness/useHookAtTopLevel: EngineClient.usePlugin is a method (plugin:use), not a React hook
      const ack = await client.usePlugin(manifest.name, manifest.version);
      setStatus(
        ack.ok
          ? { ok: true, text: `Now playing ${manifest.name}@${manifest.version} in this session.` }
          : { ok: false, text: ack.error.message },
      );
    } catch (e) {
      setStatus({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="plugins-card" data-testid="plugin-detail">
      <header className="plugins-card-head">
        <div>
          <h2>{manifest.name}</h2>
          <p className="muted">
            by {manifest.author ?? info.publishedBy ?? pkg.owner ?? 'unknown'}
            {info.publishedAt ? ` · published ${new Date(info.publishedAt).toLocaleDateString()}` : ''} · SDK{' '}
            {manifest.sdk}
          </p>
        </div>
        <select value={version} onChange={(e) => setVersion(e.target.value)} aria-label="Version">
          {pkg.versions.map((v) => (
            <option key={v.version} value={v.version}>
              {v.version}
              {v.version === latest.version ? ' (latest)' : ''}
            </option>
          ))}
        </select>
      </header>
      <p className="plugins-description">{manifest.description}</p>
      <div className="plugins-actions">
        <button
          type="button"
          className="button primary"
          disabled={!client || !connected || busy || inSession}
          onClick={() => void use()}
          data-testid="plugin-use"
        >
          {inSession ? '✓ In this session' : busy ? 'Loading…' : '▶ Use in this session'}
        </button>
        <a
          className="button"
          href={shareLink({ name: info.name, version: info.version })}
          onClick={(event) => {
            // Copy the absolute link; a plain click still opens it if the clipboard is refused.
            const link = shareLink({ name: info.name, version: info.version }, {}, window.location.origin);
            if (navigator.clipboard) {
              event.preventDefault();
              void navigator.clipboard.writeText(link).then(
                () => setStatus({ ok: true, text: `Link copied: ${link}` }),
                () => window.location.assign(link),
              );
            }
          }}
          data-testid="plugin-share"
          title="Copy a link that opens /play with this version loaded"
        >
          Copy link
        </a>
        <code className="plugins-cli">
          npm install {npmRegistry ? `--registry=${npmRegistry} ` : ''}
          {info.name}@{info.version}
        </code>
      </div>
      {!connected && <p className="muted">Connecting to the engine… (use needs a session)</p>}
      {status && (
        <p className={status.ok ? 'plugins-status ok' : 'plugins-status bad'} data-testid="plugin-use-status">
          {status.text}
        </p>
      )}
      <div className="plugins-columns">
        <section className="panel" aria-label="Sounds">
          <h3>Sounds</h3>
          <ul className="sounds">
            {sounds.map(([name, sound]) => {
              const audition = soundInfo(sound);
              return audition ? (
                <SoundRow key={`${name}:${JSON.stringify(sound)}`} name={name} sound={audition} />
              ) : (
                <li key={name} className="sound">
                  <div className="sound-text">
                    <strong>{name}</strong>
                    <span className="muted">
                      WAV sample · {Math.round((sound as { bytes: number }).bytes / 1024)} KB (audition after
                      using it)
                    </span>
                  </div>
                </li>
              );
            })}
          </ul>
        </section>
        <section className="panel" aria-label="Params">
          <h3>Params</h3>
          {params.length === 0 ? (
            <p className="muted">No params.</p>
          ) : (
            <dl className="plugins-params">
              {params.map(([key, spec]) => (
                <div key={key}>
                  <dt>
                    {spec.label ?? key} <span className="muted">({spec.type})</span>
                  </dt>
                  <dd>
                    {describeParam(spec)}
                    {spec.description && <span className="muted"> — {spec.description}</span>}
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </section>
      </div>
      <p className="muted plugins-hash">
        bundle {(manifest.bundle.size / 1024).toFixed(1)} KB · sha256 {manifest.bundle.sha256.slice(0, 16)}… ·
        verified {info.integrity.slice(0, 20)}…
      </p>
    </article>
  );
}

function PublishPanel({
  apis,
  registry,
  initialName,
  onPublished,
}: {
  apis: Apis;
  registry: string | null;
  initialName?: string;
  onPublished: () => void;
}) {
  const [names, setNames] = useState<string[]>([]);
  const [name, setName] = useState(initialName ?? '');
  // Uncontrolled: React would mirror a controlled value into the DOM attribute.
  const tokenInput = useRef<HTMLInputElement>(null);
  const [hasToken, setHasToken] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    apis.sources
      .list()
      .then((list) => {
        const saved = list.filter((s) => !s.example).map((s) => s.name);
        setNames(saved);
        setName((current) => current || saved[0] || '');
      })
      .catch((e: Error) => setResult({ ok: false, text: e.message }));
  }, [apis]);

  const where = registry ?? 'the engine’s npm registry';
  const cli = useMemo(() => authorCommands(registry ?? '<registry>'), [registry]);

  const publish = async () => {
    setBusy(true);
    setResult(null);
    try {
      const saved = await apis.sources.get(name);
      const published = await apis.registry.publishSource(
        saved.source,
        tokenInput.current?.value.trim() ?? '',
      );
      setResult({ ok: true, text: `Published ${published.name}@${published.version}.` });
      onPublished();
    } catch (e) {
      const loc =
        e instanceof RegistryError && e.location ? ` (line ${e.location.line}:${e.location.column})` : '';
      setResult({ ok: false, text: `${(e as Error).message}${loc}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel plugins-publish" aria-label="Publish">
      <h3>Publish</h3>
      <p className="muted">
        Publish a plugin saved from the editor as an npm package on {where}. The engine builds it, checks it
        in the sandbox and publishes it with your npm token; versions are immutable, so bump{' '}
        <code>version</code> to publish again.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void publish();
        }}
      >
        <label>
          <span>Saved plugin</span>
          <select value={name} onChange={(e) => setName(e.target.value)} data-testid="publish-source">
            {names.length === 0 && <option value="">(save one in the editor first)</option>}
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>npm token</span>
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="npm_…"
            ref={tokenInput}
            onChange={(e) => setHasToken(e.target.value.trim().length > 0)}
            data-testid="publish-token"
          />
          <small className="muted" data-testid="publish-token-help">
            An npm token for {where}: <code>npm login --registry {registry ?? '<registry>'}</code> then{' '}
            <code>npm token create</code>, or the token from your <code>.npmrc</code>.
          </small>
        </label>
        <button
          type="submit"
          className="button"
          disabled={busy || !name || !hasToken}
          data-testid="publish-submit"
        >
          {busy ? 'Publishing…' : 'Publish'}
        </button>
      </form>
      {result && (
        <p className={result.ok ? 'plugins-status ok' : 'plugins-status bad'} data-testid="publish-result">
          {result.text}
        </p>
      )}
      <details>
        <summary className="muted">From a terminal</summary>
        <pre className="plugins-cli-block">{cli}</pre>
      </details>
    </section>
  );
}
