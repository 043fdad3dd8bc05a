/**
 * Tracked frames → the plugin's plays: one media connection's view of the session's
 * {@link Instrument} (which outlives connections). Each input carries its frame plus whatever
 * the pipeline wants back with the plays (timings).
 *
 * Falling behind: the instrument runs one frame at a time; frames arriving meanwhile wait in its
 * backlog (all of a short stall's, only the newest when every call is slow). Those dropped
 * during this connection are counted in `dropped`, and no output is delivered for them.
 */
import type { Frame, PlayEvent } from '@bambam/sdk';
import type { Stage } from '../pipeline/stage.ts';
import type { Instrument } from './instrument.ts';

export interface PluginStageOptions<I extends { readonly frame: Frame }> {
  readonly instrument: Instrument;
  /** The plays of each frame the plugin ran on (`[]` when it failed or is disabled). */
  readonly onPlays: (input: I, plays: PlayEvent[]) => void;
  /** `onPlays` threw: a bug, not the plugin's (plugin errors go to the instrument's console). */
  readonly onError: (error: unknown) => void;
}

export interface PluginStageStats {
  readonly frames: number;
  readonly dropped: number;
  /** Frames stopped at the sandbox's wall timeout on a starved machine (their plays lost). */
  readonly timedOut: number;
}

export class PluginStage<I extends { readonly frame: Frame }> implements Stage<I, never, PluginStageStats> {
  private readonly options: PluginStageOptions<I>;
  /** The instrument's count when this connection started: only its growth is ours. */
  private readonly droppedBefore: number;
  private readonly timedOutBefore: number;
  private frames = 0;
  private disposed = false;

  constructor(options: PluginStageOptions<I>) {
    this.options = options;
    this.droppedBefore = options.instrument.dropped;
    this.timedOutBefore = options.instrument.timedOut;
  }

  push(input: I): void {
    if (this.disposed) return;
    this.frames++;
    this.options.instrument
      .onFrame(input.frame)
      .then((plays) => {
        if (plays !== undefined && !this.disposed) this.options.onPlays(input, plays);
      })
      .catch(this.options.onError);
  }

  stats(): PluginStageStats {
    return {
      frames: this.frames,
      dropped: this.options.instrument.dropped - this.droppedBefore,
      timedOut: this.options.instrument.timedOut - this.timedOutBefore,
    };
  }

  dispose(): void {
    this.disposed = true;
  }
}
