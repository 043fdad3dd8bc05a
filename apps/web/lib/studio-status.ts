/**
 * The studio's one truth about its state: whether the instrument is running, not loaded,
 * failing, disabled (and why), or the engine is unreachable, full or overloaded. Derived from
 * the EngineClient's snapshot, what the engine said about the instrument (console lines and the
 * last load result) and the health warnings. The toolbar badge and the banner both render this
 * one value, so they cannot disagree. Pure: {@link StudioMonitor} feeds it.
 */
import type { SourceLocation } from '@bambam/protocol';
import type { ConsoleLine, EngineSnapshot } from './engine-client.ts';
import type { HealthIssue } from './health.ts';
import {
  compileErrorProblem,
  engineFullProblem,
  healthProblem,
  type Problem,
  pluginDisabledProblem,
  runtimeErrorProblem,
} from './problems.ts';

/** What the engine or a load said about the instrument, most recent of each kind. */
export interface InstrumentLog {
  /** The last save did not compile (cleared by a load that works). */
  readonly compileError?: {
    readonly message: string;
    readonly location?: SourceLocation;
    readonly at: number;
  };
  /** The running plugin threw (the engine reports the same error at most once a second). */
  readonly runtimeError?: {
    readonly message: string;
    readonly location?: SourceLocation;
    readonly at: number;
  };
  /** The engine disabled the plugin. */
  readonly disabled?: {
    readonly message: string;
    readonly location?: SourceLocation;
    /** "after failing on N frames in a row", or null for a fatal error (a limit broken). */
    readonly failures: number | null;
    readonly at: number;
  };
  /** Calls stopped on a starved machine: frames lost, not held against the plugin. */
  readonly forgiven?: { readonly message: string; readonly at: number; readonly count: number };
}

export type InstrumentNote =
  | { readonly kind: 'runtime-error'; readonly message: string; readonly location?: SourceLocation }
  | { readonly kind: 'disabled'; readonly message: string; readonly location?: SourceLocation }
  | { readonly kind: 'forgiven'; readonly message: string };

/** What an engine console line says about the instrument, or null when it is only a log line. */
export function classifyConsoleLine(
  line: Pick<ConsoleLine, 'origin' | 'level' | 'message' | 'location' | 'plugin' | 'code'>,
): InstrumentNote | null {
  if (line.origin !== 'engine' || line.level !== 'error') return null;
  const located = line.location ? { location: line.location } : {};
  // The engine marks a frame lost to a starved machine (forgiven, not held against the plugin).
  if (line.code === 'frame-skipped') return { kind: 'forgiven', message: line.message };
  if (/\bwas disabled\b/.test(line.message)) return { kind: 'disabled', message: line.message, ...located };
  if (line.plugin) return { kind: 'runtime-error', message: line.message, ...located };
  return null;
}

/** The log after `note` arrived at `at` (ms); forgiven timeouts are counted from the first after a quiet spell. */
export function recordNote(
  log: InstrumentLog,
  note: InstrumentNote,
  at: number,
  options: StatusOptions = DEFAULT_STATUS_OPTIONS,
): InstrumentLog {
  switch (note.kind) {
    case 'forgiven': {
      const recent = log.forgiven && at - log.forgiven.at < options.forgivenFreshMs ? log.forgiven.count : 0;
      return { ...log, forgiven: { message: note.message, at, count: recent + 1 } };
    }
    case 'disabled': {
      const failures = /after failing on (\d+) frames/.exec(note.message);
      return {
        ...log,
        disabled: {
          message: note.message,
          ...(note.location ? { location: note.location } : {}),
          failures: failures ? Number(failures[1]) : null,
          at,
        },
      };
    }
    case 'runtime-error':
      return {
        ...log,
        runtimeError: { message: note.message, ...(note.location ? { location: note.location } : {}), at },
      };
  }
}

export type StudioState =
  | 'starting'
  | 'unreachable'
  | 'engine-full'
  | 'reconnecting'
  | 'connecting'
  | 'closed'
  | 'problem'
  | 'disabled'
  | 'compile-error'
  | 'runtime-error'
  | 'idle'
  | 'media-starting'
  | 'live'
  | 'struggling';

export type StatusTone = 'ok' | 'busy' | 'warn' | 'bad' | 'idle';

export interface StudioStatus {
  readonly state: StudioState;
  readonly tone: StatusTone;
  /** The badge's words: short. */
  readonly text: string;
  /** The banner, when there is something to explain or do. Its text never contradicts `text`. */
  readonly banner: Problem | null;
  /** A quiet note (shown as the badge's tooltip and beside it), e.g. frames skipped on a busy machine. */
  readonly note?: string;
}

export interface StatusOptions {
  /** A runtime error older than this no longer counts as "failing", ms. */
  readonly runtimeErrorFreshMs: number;
  /** Forgiven timeouts older than this are no longer mentioned, ms. */
  readonly forgivenFreshMs: number;
  /** The engine's limit of failing frames in a row before it disables a plugin (its default). */
  readonly maxFailures: number;
}

export const DEFAULT_STATUS_OPTIONS: StatusOptions = {
  runtimeErrorFreshMs: 5000,
  forgivenFreshMs: 10_000,
  maxFailures: 30,
};

export interface StatusInput {
  readonly snapshot: EngineSnapshot | null;
  readonly log: InstrumentLog;
  /** Health warnings in force (from `assessHealth`), worst first. */
  readonly health: readonly HealthIssue[];
  /** ms, on the same clock as the log's `at`. */
  readonly now: number;
}

function pluginLabel(s: EngineSnapshot): string {
  const p = s.plugin;
  return p?.name ? `${p.name} v${p.version}` : 'The previous instrument';
}

function problemText(problem: Problem): string {
  switch (problem.kind) {
    case 'camera-denied':
      return 'Camera denied';
    case 'camera-missing':
      return 'No camera';
    case 'camera-busy':
      return 'Camera busy';
    case 'camera-unavailable':
      return 'Camera unavailable';
    case 'webrtc-failed':
      return problem.retrying ? 'Reconnecting media…' : 'Media failed';
    default:
      return problem.title;
  }
}

/** The one status the badge and the banner show. */
export function deriveStudioStatus(
  input: StatusInput,
  options: StatusOptions = DEFAULT_STATUS_OPTIONS,
): StudioStatus {
  const { snapshot: s, log, health, now } = input;
  if (!s) return { state: 'starting', tone: 'busy', text: 'Finding the engine…', banner: null };

  // The link to the engine first: nothing else is true without it.
  if (s.link === 'full') {
    return {
      state: 'engine-full',
      tone: 'bad',
      text: 'Engine full',
      banner: s.problem?.kind === 'engine-full' ? s.problem : engineFullProblem('This engine is full.'),
    };
  }
  if (s.link === 'unreachable')
    return { state: 'unreachable', tone: 'bad', text: 'Engine unreachable', banner: s.problem };
  if (s.link === 'lost')
    return { state: 'reconnecting', tone: 'bad', text: 'Reconnecting…', banner: s.problem };
  if (s.link === 'connecting')
    return { state: 'connecting', tone: 'busy', text: 'Connecting…', banner: s.problem };
  if (s.link === 'closed') return { state: 'closed', tone: 'idle', text: 'Closed', banner: null };

  // The instrument.
  const name = s.plugin?.name || 'The instrument';
  if (s.problem?.kind === 'plugin-disabled') {
    const d = log.disabled;
    const why = d ? (d.failures !== null ? `after ${d.failures} failures` : 'fatal error') : '';
    const where = d?.location ? ` · line ${d.location.line}` : '';
    const banner = d ? disabledProblem(name, d) : s.problem;
    return { state: 'disabled', tone: 'bad', text: `Disabled${why ? ` · ${why}` : ''}${where}`, banner };
  }
  if (s.problem) return { state: 'problem', tone: 'bad', text: problemText(s.problem), banner: s.problem };
  if (log.compileError) {
    const { message, location } = log.compileError;
    return {
      state: 'compile-error',
      tone: 'bad',
      text: `Not loaded${location ? ` · error at line ${location.line}` : ''}`,
      banner: compileErrorProblem(message, location, pluginLabel(s)),
    };
  }
  if (log.runtimeError && now - log.runtimeError.at < options.runtimeErrorFreshMs) {
    const { message, location } = log.runtimeError;
    return {
      state: 'runtime-error',
      tone: 'bad',
      text: `Failing${location ? ` at line ${location.line}` : ''}`,
      banner: runtimeErrorProblem(message, location, options.maxFailures),
    };
  }

  // The media path, and how well the machine and the network carry it.
  switch (s.media) {
    case 'off':
      return { state: 'idle', tone: 'idle', text: 'Connected · press Start', banner: null };
    case 'camera':
      return { state: 'media-starting', tone: 'busy', text: 'Opening camera…', banner: null };
    case 'negotiating':
      return { state: 'media-starting', tone: 'busy', text: 'Connecting media…', banner: null };
    case 'recovering':
      return { state: 'media-starting', tone: 'busy', text: 'Reconnecting media…', banner: null };
    case 'live':
      break;
  }
  const issue = health[0];
  if (issue) {
    const short: Record<HealthIssue['kind'], string> = {
      'engine-overloaded': 'Live · engine overloaded',
      'video-starved': 'Live · few frames arrive',
      'audio-buffer': 'Live · sound lags',
    };
    return { state: 'struggling', tone: 'warn', text: short[issue.kind], banner: healthProblem(issue) };
  }
  const forgiven = log.forgiven;
  if (forgiven && now - forgiven.at < options.forgivenFreshMs) {
    return {
      state: 'live',
      tone: 'warn',
      text: 'Live · busy machine',
      banner: null,
      note:
        `The machine is busy: ${forgiven.count} frame${forgiven.count === 1 ? '' : 's'} skipped because ${name}'s onFrame ` +
        'was stopped before it could finish. Not held against the plugin.',
    };
  }
  return { state: 'live', tone: 'ok', text: 'Live', banner: null };
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The banner of a disabled plugin: the title says why, the detail the last error and what to do. */
function disabledProblem(name: string, d: NonNullable<InstrumentLog['disabled']>): Problem {
  const lastError = /Last error: ([\s\S]*)$/.exec(d.message)?.[1];
  const where = d.location ? ` (line ${d.location.line}, column ${d.location.column})` : '';
  return {
    ...pluginDisabledProblem(d.message),
    title:
      d.failures !== null
        ? `${name} was disabled after ${d.failures} failing frames in a row`
        : `${name} was disabled`,
    detail: `${sentence(lastError ? `Last error${where}: ${lastError}` : `${d.message}${where}`)} Reload it, or fix it in the editor and save.`,
  };
}

/** Two statuses show the same thing (to skip needless re-renders). */
export function sameStatus(a: StudioStatus, b: StudioStatus): boolean {
  return (
    a.state === b.state &&
    a.tone === b.tone &&
    a.text === b.text &&
    a.note === b.note &&
    a.banner?.kind === b.banner?.kind &&
    a.banner?.title === b.banner?.title &&
    a.banner?.detail === b.banner?.detail
  );
}
