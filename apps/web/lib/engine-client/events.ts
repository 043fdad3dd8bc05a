import type { ConsoleEntry, HitMessage, Telemetry } from '@bambam/protocol';
import type { EngineSnapshot } from './engine-snapshot.ts';

/** A console line as the studio shows it: the engine's entries plus the studio's own. */
export interface ConsoleLine extends ConsoleEntry {
  /** Increasing id, for React keys. */
  readonly id: number;
  /** Wall-clock time it reached the page (ms since epoch). */
  readonly receivedAt: number;
  /** 'engine' for `ctx.log`/sandbox errors, 'studio' for the studio's own notes (load results…). */
  readonly origin: 'engine' | 'studio';
}

/** A {@link HitMessage} as it reached the page. */
export interface ReceivedHit {
  readonly message: HitMessage;
  /** `performance.now()` when it arrived, ms. */
  readonly receivedAt: number;
}

export interface EngineClientEvents extends Record<string, unknown> {
  change: EngineSnapshot;
  telemetry: Telemetry;
  console: ConsoleLine;
  /** The remote audio stream (the instrument), whenever a new one arrives. */
  audio: MediaStream;
  /** The local camera stream, whenever it changes (null when stopped). */
  camera: MediaStream | null;
  /** The hit channel opened (true) or closed / went away (false). */
  hitChannel: boolean;
  /** A hit from the hit channel, with `performance.now()` at its arrival. */
  hit: ReceivedHit;
}
