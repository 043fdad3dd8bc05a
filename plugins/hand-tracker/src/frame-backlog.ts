/**
 * Frames waiting for a busy consumer (a tracker worker, an instrument's sandbox), oldest first.
 *
 * Why not only the newest: on a starved machine a consumer is descheduled for 100–300 ms and
 * the frames of that time arrive together. Keeping only the newest loses every stroke that
 * happened meanwhile, although each frame costs a few ms to catch up on. So waiting frames are
 * kept while clearing them all is expected to take at most `budgetMs` (the typical cost of one
 * run, from recent runs, times the frames waiting) and there are at most `maxFrames`; beyond
 * that the oldest are dropped. A consumer that is slow on every frame thus keeps one waiting
 * frame (latest wins, as before), and one that was only interrupted catches up.
 */

export interface FrameBacklogOptions {
  /** Most frames kept waiting; 1 means latest wins. Default 6 (200 ms of 30 fps video). */
  readonly maxFrames?: number;
  /** Waiting frames are kept while clearing them is expected to take at most this, ms. Default 40. */
  readonly budgetMs?: number;
  /** The typical run time assumed before any run was recorded, ms. Default 10. */
  readonly initialRunMs?: number;
}

export const DEFAULT_FRAME_BACKLOG_OPTIONS: Required<FrameBacklogOptions> = {
  maxFrames: 6,
  budgetMs: 40,
  initialRunMs: 10,
};

/** Run times kept for the typical cost (their median: one descheduled run does not move it). */
const RECENT_RUNS = 15;

export class FrameBacklog<T> {
  readonly options: Readonly<Required<FrameBacklogOptions>>;
  private readonly items: T[] = [];
  private readonly recentRuns: number[] = [];
  /** The recent runs sorted, reused: the median is taken once per run, with no allocation per frame. */
  private readonly sortedRuns: number[] = [];
  private medianRunMs: number | undefined;

  constructor(options: FrameBacklogOptions = {}) {
    const full = { ...DEFAULT_FRAME_BACKLOG_OPTIONS, ...options };
    if (!Number.isInteger(full.maxFrames) || full.maxFrames < 1)
      throw new RangeError(`maxFrames must be an integer ≥ 1, got ${full.maxFrames}`);
    for (const key of ['budgetMs', 'initialRunMs'] as const)
      if (!Number.isFinite(full[key]) || full[key] < 0)
        throw new RangeError(`${key} must be a number of ms ≥ 0, got ${full[key]}`);
    this.options = full;
  }

  get size(): number {
    return this.items.length;
  }

  /** The frame that runs next (the oldest), without taking it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Takes the frame that runs next (the oldest). */
  shift(): T | undefined {
    return this.items.shift();
  }

  /** Adds the newest frame; returns the frames dropped to stay within the budget, oldest first. */
  push(item: T): T[] {
    this.items.push(item);
    const keep = Math.max(
      1,
      Math.min(this.options.maxFrames, Math.floor(this.options.budgetMs / Math.max(this.typicalRunMs, 1e-3))),
    );
    return this.items.length > keep ? this.items.splice(0, this.items.length - keep) : [];
  }

  /** Takes every waiting frame (to reject or resolve them when the consumer goes away). */
  clear(): T[] {
    return this.items.splice(0);
  }

  /** Records how long one run took, ms (wall time: what the waiting frames will wait). */
  recordRun(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.recentRuns.push(ms);
    if (this.recentRuns.length > RECENT_RUNS) this.recentRuns.shift();
    this.sortedRuns.length = 0;
    this.sortedRuns.push(...this.recentRuns);
    this.sortedRuns.sort((a, b) => a - b);
    this.medianRunMs = this.sortedRuns[this.sortedRuns.length >> 1]!;
  }

  /** The median of the recent runs, ms (`initialRunMs` before any). */
  get typicalRunMs(): number {
    return this.medianRunMs ?? this.options.initialRunMs;
  }
}
