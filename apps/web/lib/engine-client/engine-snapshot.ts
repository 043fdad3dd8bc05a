import type { PluginInfo } from '@bambam/protocol';
import type { Problem } from '../problems.ts';

/**
 * The signaling link to the engine. `full`: the engine refused this page because all its seats
 * are taken (`engine-full`); nothing retries by itself until `EngineClient.retry`.
 */
export type LinkState = 'connecting' | 'connected' | 'unreachable' | 'lost' | 'full' | 'closed';

/** The media path: off, opening the camera, negotiating, live, or recovering after a failure. */
export type MediaState = 'off' | 'camera' | 'negotiating' | 'live' | 'recovering';

/** Everything a view renders about the connection; replaced (never mutated) on each change. */
export interface EngineSnapshot {
  readonly engineUrl: string;
  readonly link: LinkState;
  readonly media: MediaState;
  /** The engine's session id (changes after a reconnect). */
  readonly sessionId: string | null;
  /** The socket's id (changes after a reconnect). */
  readonly socketId: string | null;
  readonly plugin: PluginInfo | null;
  readonly problem: Problem | null;
  /** The camera in use (deviceId), or null for the browser's default. */
  readonly cameraId: string | null;
  /** Whether the player asked for media (start pressed and not stopped). */
  readonly wantsMedia: boolean;
}

/** A part of the connection that can recover, taking its problems with it. */
export type ProblemArea = 'link' | 'media' | 'camera' | 'plugin';

/** The problem kinds each area's recovery clears. */
export const PROBLEMS_CLEARED_BY: Readonly<Record<ProblemArea, readonly string[]>> = {
  link: ['engine-unreachable', 'connection-lost', 'engine-full'],
  media: ['webrtc-failed', 'connection-lost'],
  camera: ['camera-denied', 'camera-missing', 'camera-busy', 'camera-unavailable'],
  plugin: ['plugin-disabled'],
};

/** The snapshot before anything happened: connecting, no media. */
export function initialSnapshot(engineUrl: string): EngineSnapshot {
  return {
    engineUrl,
    link: 'connecting',
    media: 'off',
    sessionId: null,
    socketId: null,
    plugin: null,
    problem: null,
    cameraId: null,
    wantsMedia: false,
  };
}

/** `problem`, unless it belongs to `area` (which just recovered). */
export function problemAfterRecovery(problem: Problem | null, area: ProblemArea): Problem | null {
  if (!problem) return null;
  return PROBLEMS_CLEARED_BY[area].includes(problem.kind) ? null : problem;
}
