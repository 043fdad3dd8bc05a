/**
 * What the pipeline remembers of a video frame from its decoding until the tracker answers
 * (which names the frame by its time `t` only): when it arrived and what decoding and
 * conversion cost, for its telemetry. Bounded: frames the tracker drops are forgotten.
 */

/** Defaults of {@link FrameTimings}. */
export const DEFAULT_FRAME_TIMINGS = Object.freeze({
  /** Frames remembered at once (the tracker holds at most 2 per session; the rest were dropped). */
  maxFrames: 16,
});

export interface FrameTiming {
  /** Arrival of the frame's last RTP packet (`performance.now()`). */
  readonly arrivalMs: number;
  /** The same instant on the wall clock (ms since epoch). */
  readonly receivedAt: number;
  readonly rtpTimestamp: number;
  readonly decodeMs: number;
  readonly convertMs: number;
}

export class FrameTimings {
  private readonly timings = new Map<number, FrameTiming>();
  private readonly maxFrames: number;

  constructor(options: { maxFrames?: number } = {}) {
    this.maxFrames = options.maxFrames ?? DEFAULT_FRAME_TIMINGS.maxFrames;
  }

  remember(t: number, timing: FrameTiming): void {
    this.timings.set(t, timing);
    if (this.timings.size > this.maxFrames) this.timings.delete(this.timings.keys().next().value!);
  }

  /** The frame's timing, forgotten from now on. */
  take(t: number): FrameTiming | undefined {
    const timing = this.timings.get(t);
    this.timings.delete(t);
    return timing;
  }

  clear(): void {
    this.timings.clear();
  }
}
