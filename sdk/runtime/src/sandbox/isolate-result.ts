import type { StackMapper } from './stack.ts';
import type { LogEntry } from './types.ts';

/** An error thrown inside the isolate: message and V8 stack (of the bundle). */
export interface RawError {
  m: string;
  s: string;
}

/** What the isolate runtime returns from each call (see isolate-runtime.js). */
export interface CallResult {
  /** Plays: [sound, velocity, pan] or [sound, velocity, pan, at]. */
  p: [string, number, number, number?][];
  /** Plays dropped over the limit. */
  pd: number;
  /** First invalid play. */
  i: RawError | null;
  /** What the call threw. */
  e: RawError | null;
  /** Log lines: [level, text, stack]. */
  l: [LogEntry['level'], string, string][];
  /** Log lines dropped over the limit. */
  ld: number;
}

/** What the isolate runtime's `load` returns: a call's result and the plugin's definition. */
export interface LoadResult extends CallResult {
  description?: unknown;
  invalid?: string;
  error?: RawError;
}

/** Parses and shape-checks a call's output; undefined when it is malformed. */
export function parseResult(raw: unknown): CallResult | undefined {
  let value: CallResult;
  try {
    value = typeof raw === 'string' ? JSON.parse(raw) : (raw as CallResult);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const isError = (e: unknown) =>
    e === null ||
    (typeof e === 'object' && typeof (e as RawError).m === 'string' && typeof (e as RawError).s === 'string');
  const okPlays =
    Array.isArray(value.p) &&
    value.p.every(
      (p) =>
        Array.isArray(p) &&
        typeof p[0] === 'string' &&
        typeof p[1] === 'number' &&
        Number.isFinite(p[1]) &&
        typeof p[2] === 'number' &&
        Number.isFinite(p[2]) &&
        (p.length === 3 || (p.length === 4 && typeof p[3] === 'number' && Number.isFinite(p[3]))),
    );
  const okLogs =
    Array.isArray(value.l) &&
    value.l.every(
      (l) =>
        Array.isArray(l) &&
        (l[0] === 'log' || l[0] === 'warn' || l[0] === 'error') &&
        typeof l[1] === 'string' &&
        typeof l[2] === 'string',
    );
  if (!okPlays || !okLogs || !isError(value.i) || !isError(value.e)) return undefined;
  if (typeof value.pd !== 'number' || typeof value.ld !== 'number') return undefined;
  return value;
}

/**
 * Hands a call's log lines to `log`, each with its place in the plugin's sources, and one
 * warning for the lines dropped over `maxLogsPerFrame`.
 */
export function deliverLogs(
  result: CallResult | undefined,
  mapper: StackMapper,
  maxLogsPerFrame: number,
  log: (entry: LogEntry) => void,
): void {
  if (!result || !Array.isArray(result.l)) return;
  for (const [level, message, stack] of result.l) {
    const location = mapper.mapStack(stack).location;
    log(location ? { level, message, location } : { level, message });
  }
  if (result.ld > 0) {
    log({
      level: 'warn',
      message: `${result.ld} more log lines were dropped (at most ${maxLogsPerFrame} per call)`,
    });
  }
}
