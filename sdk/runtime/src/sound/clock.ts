/**
 * The audio clock: calls `onFrame` once per 20 ms frame on absolute deadlines measured from
 * `start()` (frame k is due at start + k × frameMs), so timer lateness never accumulates into
 * drift.
 *
 * Stall policy: when the event loop stalls past several deadlines, the frames that are due are
 * emitted back to back on the next tick, but at most `maxCatchUpFrames` of them (default 3, i.e.
 * 60 ms of audio): enough to refill the receiver's jitter buffer after a short hiccup without
 * bursting. Frames due beyond that are skipped: the frame index jumps (so the stream's
 * timestamps show the gap), the skipped count grows, and `onFrame` is never called for them.
 */
import { FRAME_MS } from './constants.ts';

export interface AudioClockOptions {
  /** Frame length in ms. */
  frameMs?: number;
  /**
   * Called for each frame at (or just after) its deadline. `frameIndex` counts frames from
   * `start()`, including skipped ones; `deadlineMs` is the frame's deadline on the `now()` clock.
   */
  onFrame: (frameIndex: number, deadlineMs: number) => void;
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
  /** Most overdue frames emitted in one go after a stall; older ones are skipped. */
  maxCatchUpFrames?: number;
  /** A frame emitted more than this many ms after its deadline counts as late. */
  lateThresholdMs?: number;
  /** Called when `onFrame` throws; the clock keeps running. Default: `console.error`. */
  onError?: (error: unknown) => void;
  /** Timer functions (tests may pass their own). Default the global `setTimeout`/`clearTimeout`. */
  timer?: { set(callback: () => void, delayMs: number): unknown; clear(handle: unknown): void };
}

/** The clock's numeric options unless told otherwise (`now` is `performance.now`, errors go to `console.error`). */
export const DEFAULT_AUDIO_CLOCK_OPTIONS = Object.freeze({
  frameMs: FRAME_MS,
  maxCatchUpFrames: 3,
  lateThresholdMs: 5,
});

/** Counters for monitoring (exported on /metrics by the engine). */
export interface AudioClockStats {
  /** Frames emitted. */
  frames: number;
  /** Frames emitted more than `lateThresholdMs` after their deadline. */
  late: number;
  /** Worst lateness seen, in ms. */
  maxLateMs: number;
  /** Frames skipped after stalls (never emitted). */
  skipped: number;
  /** `onFrame` calls that threw. */
  errors: number;
  /** Frames emitted ahead of their deadline by {@link AudioClock.pullNext}. */
  pulled: number;
  /** Total ms the timeline moved earlier by those pulls. */
  pulledMs: number;
}

/** Paces frames on absolute deadlines. */
export class AudioClock {
  private readonly frameMs: number;
  private readonly onFrame: (frameIndex: number, deadlineMs: number) => void;
  private readonly now: () => number;
  private readonly maxCatchUp: number;
  private readonly lateThreshold: number;
  private readonly timer: NonNullable<AudioClockOptions['timer']>;
  private readonly onError: (error: unknown) => void;
  private readonly counters: AudioClockStats = {
    frames: 0,
    late: 0,
    maxLateMs: 0,
    skipped: 0,
    errors: 0,
    pulled: 0,
    pulledMs: 0,
  };
  private startedAt = 0;
  private next = 0;
  private handle: unknown;
  private isRunning = false;
  private disposed = false;

  constructor(options: AudioClockOptions) {
    const {
      frameMs = DEFAULT_AUDIO_CLOCK_OPTIONS.frameMs,
      onFrame,
      now = () => performance.now(),
      maxCatchUpFrames = DEFAULT_AUDIO_CLOCK_OPTIONS.maxCatchUpFrames,
      lateThresholdMs = DEFAULT_AUDIO_CLOCK_OPTIONS.lateThresholdMs,
      onError = (error: unknown) => console.error('AudioClock: onFrame threw', error),
      timer = {
        set: (callback: () => void, delayMs: number) => setTimeout(callback, delayMs),
        clear: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      },
    } = options;
    if (typeof onFrame !== 'function') throw new TypeError('AudioClock: onFrame must be a function');
    if (!Number.isFinite(frameMs) || frameMs < 1 || frameMs > 1000) {
      throw new RangeError(`AudioClock: frameMs must be 1..1000, got ${frameMs}`);
    }
    if (!Number.isInteger(maxCatchUpFrames) || maxCatchUpFrames < 1) {
      throw new RangeError(
        `AudioClock: maxCatchUpFrames must be a positive integer, got ${maxCatchUpFrames}`,
      );
    }
    this.frameMs = frameMs;
    this.onFrame = onFrame;
    this.now = now;
    this.maxCatchUp = maxCatchUpFrames;
    this.lateThreshold = lateThresholdMs;
    this.timer = timer;
    this.onError = onError;
  }

  /** A snapshot of the counters. */
  get stats(): AudioClockStats {
    return { ...this.counters };
  }

  /** Whether it is running. */
  get running(): boolean {
    return this.isRunning;
  }

  /** Index of the next frame to emit (frames already emitted or skipped are below it). */
  get nextFrameIndex(): number {
    return this.next;
  }

  /**
   * Deadline of frame `index` on the current timeline, in ms on the `now()` clock (moves earlier
   * with {@link pullNext}). With {@link nextFrameIndex} it maps a time to a position in the
   * stream: a sound meant for time `w` belongs `(w - deadlineOf(next)) / frameMs` frames after
   * the next one.
   */
  deadlineOf(index: number): number {
    return this.deadline(index);
  }

  /** Starts from frame 0, due now. Restarting after `stop()` starts a new timeline. */
  start(): void {
    if (this.disposed) throw new Error('AudioClock: start after dispose()');
    if (this.isRunning) return;
    this.isRunning = true;
    this.startedAt = this.now();
    this.next = 0;
    this.tick();
  }

  /**
   * Emits the next frame now, ahead of its deadline, and moves the whole timeline earlier by as
   * much: the frames after it stay `frameMs` apart from it. (Sending one frame early and keeping
   * the old deadlines would leave a gap after it, which a receiver's jitter buffer reads as
   * network delay and grows for; a timeline that got earlier once only fills its buffer a little,
   * which it plays out by time-compressing silence.) Does nothing when not running.
   */
  pullNext(): void {
    if (!this.isRunning) return;
    const leadMs = this.deadline(this.next) - this.now();
    if (leadMs > 0) {
      this.startedAt -= leadMs;
      this.counters.pulled++;
      this.counters.pulledMs += leadMs;
    }
    if (this.handle !== undefined) this.timer.clear(this.handle);
    this.tick();
  }

  /** Stops calling `onFrame`. */
  stop(): void {
    this.isRunning = false;
    if (this.handle !== undefined) this.timer.clear(this.handle);
    this.handle = undefined;
  }

  /** Stops for good. */
  dispose(): void {
    this.stop();
    this.disposed = true;
  }

  private deadline(index: number): number {
    return this.startedAt + index * this.frameMs;
  }

  private tick = (): void => {
    this.handle = undefined;
    if (!this.isRunning) return;
    const now = this.now();
    const due = Math.floor((now - this.startedAt) / this.frameMs) + 1 - this.next;
    if (due > this.maxCatchUp) {
      const skip = due - this.maxCatchUp;
      this.next += skip;
      this.counters.skipped += skip;
    }
    for (let emitted = 0; emitted < this.maxCatchUp && this.isRunning; emitted++) {
      const deadline = this.deadline(this.next);
      if (deadline > this.now()) break;
      const lateMs = this.now() - deadline;
      this.counters.frames++;
      if (lateMs > this.lateThreshold) this.counters.late++;
      if (lateMs > this.counters.maxLateMs) this.counters.maxLateMs = lateMs;
      const index = this.next++;
      try {
        this.onFrame(index, deadline);
      } catch (error) {
        this.counters.errors++;
        this.onError(error);
      }
    }
    if (!this.isRunning) return;
    this.handle = this.timer.set(this.tick, Math.max(0, this.deadline(this.next) - this.now()));
  };
}
