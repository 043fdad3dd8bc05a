'use client';
import type { SoundInfo } from '@bambam/protocol';
import { useEffect, useState } from 'react';
import { useEngineSnapshot } from '../../components/EngineProvider.tsx';
import { SoundRow } from '../../components/SoundList.tsx';
import type { EngineClient } from '../../lib/engine-client.ts';
import { shareLink } from '../../lib/share-link.ts';
import type { PackageInfo, PluginManifest, RegistryApi, VersionInfo } from './registry-api.ts';

function soundInfo(sound: PluginManifest['sounds'][string]): SoundInfo | null {
  return sound.kind === 'tone' ? sound : null;
}

function describeParam(spec: PluginManifest['params'][string]): string {
  if (spec.type === 'number') return `${spec.min} – ${spec.max}, default ${spec.default}`;
  if (spec.type === 'boolean') return `on/off, default ${spec.default ? 'on' : 'off'}`;
  return `${spec.choices.join(' · ')}, default ${spec.default}`;
}

/** One plugin version: who published it, its sounds (auditioned in the page) and params, use it in this session, copy a link to it. */
export function PluginDetail({
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
