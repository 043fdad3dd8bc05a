'use client';
/** The current problem, phrased as what to do about it, with a button when one click fixes it. */
import { useState } from 'react';
import type { Problem } from '../lib/problems.ts';

export function ProblemBanner({
  problem,
  onReload,
}: {
  problem: Problem | null;
  onReload?: () => Promise<unknown>;
}) {
  const [busy, setBusy] = useState(false);
  if (!problem) return null;
  return (
    <div className="problem" role="alert" data-testid="problem" data-kind={problem.kind}>
      <div className="problem-text">
        <strong>{problem.title}</strong>
        <p>{problem.detail}</p>
      </div>
      {problem.action === 'reload-plugin' && onReload && (
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
    </div>
  );
}
