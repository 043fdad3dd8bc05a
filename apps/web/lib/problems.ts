/**
 * What can go wrong between the player and the engine, phrased as what to do about it. Every
 * problem the studio shows goes through here so the messages stay consistent.
 */
import type { SourceLocation } from '@bambam/protocol';
import type { HealthIssue, HealthIssueKind } from './health.ts';

export type ProblemKind =
  | 'camera-denied'
  | 'camera-missing'
  | 'camera-busy'
  | 'camera-unavailable'
  | 'engine-unreachable'
  | 'connection-lost'
  | 'webrtc-failed'
  | 'session-error'
  | 'plugin-disabled'
  | 'plugin-compile'
  | 'plugin-runtime'
  | 'engine-full'
  | HealthIssueKind;

export interface Problem {
  readonly kind: ProblemKind;
  /** Short, shown as a heading. */
  readonly title: string;
  /** What happened and what to do about it. */
  readonly detail: string;
  /** True while the studio keeps retrying by itself. */
  readonly retrying?: boolean;
  /** A button that fixes it, if there is one. */
  readonly action?: 'reload-plugin' | 'reload-page' | 'retry-engine';
  /** 'warn' for trouble that lets the instrument play on (a slow machine); default 'bad'. */
  readonly tone?: 'bad' | 'warn';
}

/** Turns a `getUserMedia` failure into an actionable problem. */
export function cameraProblem(error: unknown): Problem {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        kind: 'camera-denied',
        title: 'Camera access was denied',
        detail:
          'Allow the camera for this site (the camera icon in the address bar, or your browser’s site settings), then press Start again.',
      };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return {
        kind: 'camera-missing',
        title: 'No camera found',
        detail: 'Connect a webcam (or pick another one in the camera list), then press Start again.',
      };
    case 'NotReadableError':
    case 'AbortError':
      return {
        kind: 'camera-busy',
        title: 'The camera is busy',
        detail: 'Another application or tab is using it. Close it, then press Start again.',
      };
    default:
      return {
        kind: 'camera-unavailable',
        title: 'The camera could not be opened',
        detail: `${message || 'Unknown error'}. Check that a webcam is connected and press Start again.`,
      };
  }
}

/** The browser has no camera API here: almost always a page served over plain http on another host. */
export function noCameraApiProblem(): Problem {
  return {
    kind: 'camera-unavailable',
    title: 'This page cannot use the camera',
    detail:
      'Browsers only allow the camera on https:// or http://localhost. Open the studio through localhost, or serve it over https.',
  };
}

export function engineUnreachableProblem(url: string, reason?: string): Problem {
  return {
    kind: 'engine-unreachable',
    title: 'Can’t reach the engine',
    detail:
      `Nothing answers at ${url}${reason ? ` (${reason})` : ''}. Start it with \`npm start\` ` +
      '(studio and engine together) or `npm start -w @bambam/engine`, or point the studio at it with BAMBAM_ENGINE_URL. ' +
      'If the studio reaches the engine directly (BAMBAM_ENGINE_URL), the engine must allow this page: add its origin ' +
      'to the engine’s BAMBAM_ALLOWED_ORIGINS (and its host name to BAMBAM_ALLOWED_HOSTS). Retrying…',
    retrying: true,
  };
}

export function connectionLostProblem(url: string): Problem {
  return {
    kind: 'connection-lost',
    title: 'Lost the connection to the engine',
    detail: `The engine at ${url} stopped answering. Reconnecting by itself; your instrument is restored when it is back.`,
    retrying: true,
  };
}

export function webrtcProblem(detail: string, retrying: boolean): Problem {
  return { kind: 'webrtc-failed', title: 'The media connection failed', detail, retrying };
}

/** The engine disabled the running plugin (it kept failing or broke a sandbox limit). */
export function pluginDisabledProblem(message: string): Problem {
  return {
    kind: 'plugin-disabled',
    title: 'The instrument stopped',
    detail: `${message} Reload it, or fix it in the editor (Edit) and save.`,
    action: 'reload-plugin',
  };
}

/** "message (where)." as one sentence, whatever punctuation `message` ends with. */
function withWhere(message: string, where: string): string {
  const text = message.trim().replace(/[.:;,]+$/, '');
  return `${text}${where ? ` (${where})` : ''}.`;
}

/** Where in the plugin's source, for people: "line 11, column 7 of thrower.ts". */
export function describeLocation(location: SourceLocation | undefined): string {
  if (!location) return '';
  return `line ${location.line}, column ${location.column}${location.file ? ` of ${location.file}` : ''}`;
}

/**
 * The engine refused the session (`engine-full`): it already serves as many players as it can at
 * quality. Its message is shown as it is ("This engine is full (N of N players). Try again in a
 * minute or use another engine."), with a button that asks again.
 */
export function engineFullProblem(message: string): Problem {
  return { kind: 'engine-full', title: 'The engine is full', detail: message, action: 'retry-engine' };
}

/** A save that did not compile: the previous instrument keeps playing. */
export function compileErrorProblem(
  message: string,
  location: SourceLocation | undefined,
  playing: string,
): Problem {
  const where = describeLocation(location);
  return {
    kind: 'plugin-compile',
    title: where ? `Your change did not compile (line ${location!.line})` : 'Your change did not compile',
    detail: `${withWhere(message, where)} ${playing} keeps playing. Fix it in the editor and save again.`,
  };
}

/** The running plugin throws: the frames it fails on make no sound. */
export function runtimeErrorProblem(
  message: string,
  location: SourceLocation | undefined,
  maxFailures: number,
): Problem {
  const where = describeLocation(location);
  return {
    kind: 'plugin-runtime',
    title: location ? `The instrument fails at line ${location.line}` : 'The instrument fails',
    detail:
      `${withWhere(message, where)} Frames it fails on make no sound; ` +
      `after ${maxFailures} failing frames in a row it is disabled. Fix it in the editor and save.`,
  };
}

/** A health warning (the machine or the network), as a banner that lets the instrument play on. */
export function healthProblem(issue: HealthIssue): Problem {
  return {
    kind: issue.kind,
    title: issue.title,
    detail: issue.detail,
    tone: 'warn',
    ...(issue.action ? { action: issue.action } : {}),
  };
}
