'use client';
import { useEffect, useMemo, useRef, useState } from 'react';
import { authorCommands } from './author-commands.ts';
import { RegistryError } from './registry-api.ts';
import type { PluginApis } from './use-plugin-apis.ts';

/** Publishes a plugin saved from the editor with the author's npm token (the engine builds and checks it first). */
export function PublishPanel({
  apis,
  registry,
  initialName,
  onPublished,
}: {
  apis: PluginApis;
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
