'use client';
/**
 * The studio's status at a glance: one dot and a few words, from the page's one
 * {@link StudioStatus} (the banner shows the same status at length, so they always agree).
 */
import type { EngineSnapshot } from '../lib/engine-client.ts';
import { deriveStudioStatus } from '../lib/studio-status.ts';
import { useStudioStatus } from './EngineProvider.tsx';

export function StatusBadge({ snapshot }: { snapshot: EngineSnapshot | null }) {
  // Before the page's monitor exists there is only the snapshot to go by.
  const status = useStudioStatus() ?? deriveStudioStatus({ snapshot, log: {}, health: [], now: 0 });
  return (
    <span
      className={`status status-${status.tone}`}
      data-testid="connection-state"
      data-state={status.state}
      data-tone={status.tone}
      data-link={snapshot?.link}
      data-media={snapshot?.media}
      title={status.note ?? status.banner?.title ?? status.text}
      role="status"
    >
      <span className="status-dot" aria-hidden />
      <span className="status-text">{status.text}</span>
    </span>
  );
}
