'use client';
/**
 * The studio's status at length, when there is something to explain: what happened and what to
 * do, with a button when one click fixes it. Shows the page's one {@link StudioStatus} (the same
 * the toolbar badge shows); `problem` is only used before that status exists. It fits its panel:
 * a long message scrolls inside the banner instead of spilling over the cards below.
 */
import { useState } from 'react';
import type { Problem } from '../lib/problems.ts';
import { useEngine, useStudioStatus } from './EngineProvider.tsx';

export function ProblemBanner({
  problem,
  onReload,
}: {
  problem: Problem | null;
  onReload?: () => Promise<unknown>;
}) {
  const [busy, setBusy] = useState(false);
  const status = useStudioStatus();
  const client = useEngine();
  const shown = status ? status.banner : problem;
  if (!shown) return null;
  const tone = shown.tone ?? 'bad';
  return (
    <div
      className={`problem problem-${tone}`}
      role="alert"
      data-testid="problem"
      data-kind={shown.kind}
      data-tone={tone}
      data-state={status?.state}
    >
      <div className="problem-text">
        <strong>{shown.title}</strong>
        <p>{shown.detail}</p>
      </div>
      {shown.action === 'reload-plugin' && onReload && (
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void onReload().finally(() => setBusy(false));
          }}
        >
          Reload instrument
        </button>
      )}
      {shown.action === 'retry-engine' && client && (
        <button type="button" className="button" onClick={() => client.retry()}>
          Try again
        </button>
      )}
      {shown.action === 'reload-page' && (
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Reload page
        </button>
      )}
    </div>
  );
}
