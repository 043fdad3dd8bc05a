'use client';
/** The current problem, phrased as what to do about it. */
import type { Problem } from '../lib/problems.ts';

export function ProblemBanner({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  return (
    <div className="problem" role="alert" data-testid="problem" data-kind={problem.kind}>
      <strong>{problem.title}</strong>
      <p>{problem.detail}</p>
    </div>
  );
}
