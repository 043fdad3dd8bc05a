/**
 * Maps the frame timeline (ms, the clock of `frame.t`: the sender's capture clock) to the
 * engine's clock (`performance.now()` ms), for plays scheduled with `ctx.play(sound, { at })`.
 *
 * Each frame gives a sample of the offset `arrival - t`: capture-to-arrival delay plus a
 * constant. Network jitter only ever adds delay, so the smallest offset seen is the steady one;
 * the map keeps that minimum, and lets it rise slowly (`riseMsPerSecond` of frame time) so it
 * follows clock drift between the sender and the engine and a lasting rise in network delay,
 * without a late frame ever moving a sound. A play at `at` is placed at
 * `at + offset + scheduleDelayMs - latencyCompensationMs`: the fixed delay leaves the
 * pipeline (decode, tracking, plugin) time to deliver plays meant for the frame's own time.
 */
import { DEFAULT_SCHEDULE_DELAY_MS } from '@bambam/protocol';

/** Defaults of {@link FrameClockMap}. */
export const DEFAULT_FRAME_CLOCK_MAP = Object.freeze({
  /**
   * Engine delay from a frame's (steadiest) arrival to the audio of its `t`, ms: covers the
   * decode, tracking and plugin time (bench, one session: p50 7.5, p90 9.4, p99 17 ms), so a
   * play at the landing a stroke detector predicts (`at` ≥ `frame.t`) is still ahead of the
   * audio being sent; one that is not plays at once. Every ms here is latency on the stream.
   * Overridden by the environment variable BAMBAM_SCHEDULE_DELAY_MS.
   */
  scheduleDelayMs: DEFAULT_SCHEDULE_DELAY_MS,
  /** How fast the offset may rise, ms per second of frame time (clock drift is ≤ 0.1 ms/s). */
  riseMsPerSecond: 1,
});

/** Bounds of the delay and the compensation, ms: a larger value is a configuration error. */
export const MAX_SCHEDULE_SHIFT_MS = 1000;

/** The schedule delay from BAMBAM_SCHEDULE_DELAY_MS, or the default; a bad value throws a RangeError. */
export function scheduleDelayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.BAMBAM_SCHEDULE_DELAY_MS;
  if (text === undefined || text.trim() === '') return DEFAULT_FRAME_CLOCK_MAP.scheduleDelayMs;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > MAX_SCHEDULE_SHIFT_MS) {
    throw new RangeError(
      `BAMBAM_SCHEDULE_DELAY_MS must be a number of ms 0..${MAX_SCHEDULE_SHIFT_MS}, got '${text}'`,
    );
  }
  return value;
}

export interface FrameClockMapOptions {
  readonly scheduleDelayMs?: number;
  readonly riseMsPerSecond?: number;
}

export class FrameClockMap {
  private readonly scheduleDelayMs: number;
  private readonly riseMsPerSecond: number;
  private offsetMs: number | undefined;
  private lastT = 0;
  private compensationMs = 0;

  constructor(options: FrameClockMapOptions = {}) {
    const { scheduleDelayMs, riseMsPerSecond } = { ...DEFAULT_FRAME_CLOCK_MAP, ...options };
    if (!Number.isFinite(scheduleDelayMs) || scheduleDelayMs < 0 || scheduleDelayMs > MAX_SCHEDULE_SHIFT_MS) {
      throw new RangeError(
        `FrameClockMap: scheduleDelayMs must be 0..${MAX_SCHEDULE_SHIFT_MS}, got ${scheduleDelayMs}`,
      );
    }
    if (!Number.isFinite(riseMsPerSecond) || riseMsPerSecond < 0) {
      throw new RangeError(`FrameClockMap: riseMsPerSecond must be >= 0, got ${riseMsPerSecond}`);
    }
    this.scheduleDelayMs = scheduleDelayMs;
    this.riseMsPerSecond = riseMsPerSecond;
  }

  /** Whether a frame has been seen (before that, nothing can be placed). */
  get anchored(): boolean {
    return this.offsetMs !== undefined;
  }

  /** The steady offset `arrival - t`, ms (undefined before the first frame). */
  get offset(): number | undefined {
    return this.offsetMs;
  }

  /** Shifts every placement this many ms earlier (negative: later); set by a calibration. */
  get latencyCompensationMs(): number {
    return this.compensationMs;
  }

  set latencyCompensationMs(ms: number) {
    if (!Number.isFinite(ms) || Math.abs(ms) > MAX_SCHEDULE_SHIFT_MS) {
      throw new RangeError(
        `latencyCompensationMs must be a number of ms within ±${MAX_SCHEDULE_SHIFT_MS}, got ${String(ms)}`,
      );
    }
    this.compensationMs = ms;
  }

  /** One frame of time `t` whose last packet arrived at `arrivalMs` (engine clock). */
  observe(t: number, arrivalMs: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(arrivalMs)) return;
    const raw = arrivalMs - t;
    if (this.offsetMs === undefined) {
      this.offsetMs = raw;
    } else {
      const elapsedS = Math.max(0, t - this.lastT) / 1000;
      this.offsetMs = Math.min(raw, this.offsetMs + this.riseMsPerSecond * elapsedS);
    }
    this.lastT = Math.max(this.lastT, t);
  }

  /** Engine-clock ms at which a play at frame time `at` should sound (undefined before the first frame). */
  toEngineMs(at: number): number | undefined {
    if (this.offsetMs === undefined) return undefined;
    return at + this.offsetMs + this.scheduleDelayMs - this.compensationMs;
  }
}
