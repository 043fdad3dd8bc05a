/**
 * How much one workspace may keep: the number of saved sources and the size of each. A save
 * over a limit is refused with a clear message (413 too large, 429 too many) and counted in
 * `/metrics` as `bambam_source_refusals_total{reason}`.
 */
import { MAX_PLUGIN_SOURCE_CHARS } from '@bambam/protocol';
import { Counter, type Registry } from 'prom-client';

export interface SourceLimits {
  /** Saved sources one workspace may hold (bundled examples not counted). */
  readonly maxSourcesPerWorkspace: number;
  /** Characters of one saved source; at most the protocol's {@link MAX_PLUGIN_SOURCE_CHARS}. */
  readonly maxSourceChars: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxSourcesPerWorkspace: 100,
  maxSourceChars: MAX_PLUGIN_SOURCE_CHARS,
};

/** Environment variables overriding {@link DEFAULT_SOURCE_LIMITS}. */
export const SOURCE_LIMIT_SETTINGS = {
  maxSourcesPerWorkspace: 'BAMBAM_MAX_SOURCES_PER_WORKSPACE',
  maxSourceChars: 'BAMBAM_MAX_SOURCE_CHARS',
} as const satisfies Record<keyof SourceLimits, string>;

/** A setting that cannot be used; its message names the variable. */
export class SourceLimitsError extends Error {
  override name = 'SourceLimitsError';
}

/** The limits from the environment (unset: the default); a bad value throws naming the variable. */
export function sourceLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): SourceLimits {
  const read = (key: keyof SourceLimits, max: number): number => {
    const variable = SOURCE_LIMIT_SETTINGS[key];
    const text = env[variable]?.trim();
    if (!text) return DEFAULT_SOURCE_LIMITS[key];
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max)
      throw new SourceLimitsError(
        `${variable}=${text.slice(0, 40)}: must be a whole number from 1 to ${max}.`,
      );
    return value;
  };
  return {
    maxSourcesPerWorkspace: read('maxSourcesPerWorkspace', 100_000),
    maxSourceChars: read('maxSourceChars', MAX_PLUGIN_SOURCE_CHARS),
  };
}

export type SourceRefusal = 'too_many_sources' | 'too_large' | 'sign_in_required';

/** The registry's counters, registered on the engine's metrics registry by `registerOn`. */
export class SourceMetrics {
  readonly refusals = new Counter({
    name: 'bambam_source_refusals_total',
    help: 'Saved-source requests refused by a workspace limit or for want of sign-in, by reason (too_many_sources, too_large, sign_in_required)',
    labelNames: ['reason'] as const,
    registers: [],
  });

  constructor() {
    // Present at 0 from the start, so a dashboard sees the series before the first refusal.
    for (const reason of ['too_many_sources', 'too_large', 'sign_in_required'] as const)
      this.refusals.inc({ reason }, 0);
  }

  refused(reason: SourceRefusal): void {
    this.refusals.inc({ reason });
  }

  registerOn(registry: Registry): void {
    registry.registerMetric(this.refusals);
  }
}
