'use client';
/**
 * Share by link. Loads the instrument a `/play?plugin=<name>@<range>&params=<base64url JSON>`
 * link names (once the session is ready: the running plugin when it already is that one, else
 * `plugin:use`), then its knob values; and "Copy link" copies the link to what is loaded now.
 */
import type { PluginInfo } from '@bambam/protocol';
import { useEffect, useRef, useState } from 'react';
import type { EngineClient } from '../lib/engine-client.ts';
import { isRunning, parseShareQuery, shareLink } from '../lib/share-link.ts';

export interface ShareQuery {
  readonly plugin?: string;
  readonly params?: string;
}

export function ShareLinkControl({
  client,
  plugin,
  sessionId,
  query,
}: {
  client: EngineClient;
  plugin: PluginInfo | null;
  sessionId: string | null;
  query?: ShareQuery;
}) {
  const applied = useRef(false);
  const [status, setStatus] = useState<{ kind: 'ok' | 'warn' | 'error'; text: string } | null>(null);

  useEffect(() => {
    if (applied.current || !query?.plugin || !sessionId || !plugin) return;
    applied.current = true;
    const parsed = parseShareQuery(query);
    if (!parsed) return;
    if (!parsed.ok) {
      setStatus({ kind: 'error', text: parsed.error });
      return;
    }
    const { shared } = parsed;
    void (async () => {
      const label = `${shared.name}${shared.range ? `@${shared.range}` : ''}`;
      if (!isRunning(shared, plugin)) {
        // biome-ignore lint/correctness/useHookAtTopLevel: EngineClient.usePlugin is a method (plugin:use), not a React hook
        const ack = await client.usePlugin(shared.name, shared.range);
        if (!ack.ok) {
          setStatus({ kind: 'error', text: `Could not load ${label} from the link: ${ack.error.message}` });
          return;
        }
      }
      if (Object.keys(shared.params).length > 0) {
        const ack = await client.setParams({ ...shared.params });
        if (!ack.ok) {
          setStatus({
            kind: 'error',
            text: `Loaded ${label}, but not the link's params: ${ack.error.message}`,
          });
          return;
        }
      }
      const now = client.snapshot.plugin;
      const loaded = `Loaded ${now ? `${now.name} v${now.version}` : label} from the link`;
      // The engine's catalogs may answer with another version (e.g. a bundled example's only one).
      if (now && !isRunning(shared, now))
        setStatus({ kind: 'warn', text: `${loaded}, which is not the ${shared.range} the link asks for.` });
      else setStatus({ kind: 'ok', text: `${loaded}.` });
    })();
  }, [client, plugin, sessionId, query]);

  const copy = async () => {
    if (!plugin) return;
    const link = shareLink(plugin, plugin.paramValues, window.location.origin);
    try {
      await navigator.clipboard.writeText(link);
      setStatus({ kind: 'ok', text: 'Link copied.' });
    } catch {
      // No clipboard permission (or not a secure context): show it to copy by hand.
      setStatus({ kind: 'ok', text: link });
    }
  };

  return (
    <div className="share-link">
      <button
        type="button"
        className="button"
        disabled={!plugin}
        onClick={() => void copy()}
        data-testid="share-copy"
        title="Copy a link that opens this instrument, this version, with these settings"
      >
        Copy link
      </button>
      {status && (
        <p
          className={status.kind === 'ok' ? 'muted' : 'share-error'}
          role="status"
          data-testid="share-status"
          data-kind={status.kind}
        >
          {status.text}
        </p>
      )}
    </div>
  );
}
