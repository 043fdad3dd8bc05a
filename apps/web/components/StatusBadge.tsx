'use client';
/** One dot and a word for the connection: what the player needs at a glance. */
import type { EngineSnapshot } from '../lib/engine-client.ts';

export function describeStatus(s: EngineSnapshot | null): {
  tone: 'ok' | 'busy' | 'bad' | 'idle';
  text: string;
} {
  if (!s) return { tone: 'busy', text: 'Finding the engine…' };
  if (s.link === 'unreachable') return { tone: 'bad', text: 'Engine unreachable' };
  if (s.link === 'lost') return { tone: 'bad', text: 'Reconnecting…' };
  if (s.link === 'connecting') return { tone: 'busy', text: 'Connecting…' };
  if (s.link === 'closed') return { tone: 'idle', text: 'Closed' };
  switch (s.media) {
    case 'live':
      return { tone: 'ok', text: 'Live' };
    case 'camera':
      return { tone: 'busy', text: 'Opening camera…' };
    case 'negotiating':
      return { tone: 'busy', text: 'Connecting media…' };
    case 'recovering':
      return { tone: 'busy', text: 'Reconnecting media…' };
    default:
      return { tone: 'idle', text: 'Connected · press Start' };
  }
}

export function StatusBadge({ snapshot }: { snapshot: EngineSnapshot | null }) {
  const { tone, text } = describeStatus(snapshot);
  return (
    <span
      className={`status status-${tone}`}
      data-testid="connection-state"
      data-link={snapshot?.link}
      data-media={snapshot?.media}
    >
      <span className="status-dot" aria-hidden />
      {text}
    </span>
  );
}
