/**
 * One calibration run: a metronome on the direct monitor's own AudioContext (so clicks and hits
 * share one output clock), a count-in, then the player's strokes collected from the monitor's
 * plays until enough came in; the offset is estimated ({@link estimateOffset}) and, when it is
 * regular enough, set as the monitor's compensation (remembered in this browser by the monitor).
 *
 * Clicks are scheduled a little ahead by a timer, each mapped from its page time to the context
 * clock at that moment, so their recorded page times stay true even if the two clocks drift.
 */
import {
  compensationFor,
  estimateOffset,
  type HitTiming,
  motionToSoundMs,
  type OffsetEstimate,
  unrecoverableMs,
} from './calibration.ts';
import type { DirectMonitor, DirectPlay } from './direct-monitor.ts';
import { contextStartTime, heardAtOf } from './direct-monitor-timing.ts';
import { Emitter } from './emitter.ts';

export const DEFAULT_CALIBRATION_RUN = {
  bpm: 100,
  /** Clicks before strokes count. */
  countIn: 4,
  /** The run ends once this many strokes came in… */
  targetStrokes: 12,
  /** …or after this many clicks past the count-in. */
  maxBeats: 24,
  /** First click this long after start, ms. */
  leadInMs: 400,
  /** Clicks are scheduled this far ahead, ms. */
  lookaheadMs: 250,
  schedulerIntervalMs: 40,
  /** After the last click, hits may still arrive this long, ms. */
  graceMs: 400,
  clickGain: 0.5,
} as const;

export type CalibrationRunOptions = { readonly [K in keyof typeof DEFAULT_CALIBRATION_RUN]: number };

export type CalibrationPhase = 'count-in' | 'strokes' | 'done' | 'cancelled' | 'failed';

export interface CalibrationProgress {
  readonly phase: CalibrationPhase;
  /** Count-in clicks still to come (count-in phase). */
  readonly countInLeft: number;
  /** Strokes collected so far. */
  readonly strokes: number;
  readonly targetStrokes: number;
}

export interface CalibrationResult {
  readonly bpm: number;
  readonly periodMs: number;
  /** Page times (heard) of the clicks that counted (after the count-in), ms. */
  readonly clicks: readonly number[];
  /** The plays collected (channel plays only). */
  readonly plays: readonly DirectPlay[];
  readonly estimate: OffsetEstimate;
  /** Set when the estimate was applied, ms. */
  readonly compensationMs?: number;
  /** With that compensation: stroke → sound (median), and what stays after the beat, ms. */
  readonly motionToSoundMs?: number;
  readonly unrecoverableMs?: number;
  /** Why the run stopped without an estimate (the monitor went inactive…). */
  readonly error?: string;
}

export interface CalibrationRunEvents extends Record<string, unknown> {
  progress: CalibrationProgress;
  done: CalibrationResult;
}

export class CalibrationRun {
  readonly #monitor: DirectMonitor;
  readonly #options: CalibrationRunOptions;
  readonly #events = new Emitter<CalibrationRunEvents>();
  readonly #periodMs: number;
  readonly #sources: OscillatorNode[] = [];
  readonly #clicks: number[] = [];
  readonly #plays: DirectPlay[] = [];
  #offs: (() => void)[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #firstAt = 0;
  #scheduled = 0;
  #phase: CalibrationPhase = 'count-in';
  #result: CalibrationResult | undefined;

  constructor(monitor: DirectMonitor, options: Partial<CalibrationRunOptions> = {}) {
    this.#monitor = monitor;
    this.#options = { ...DEFAULT_CALIBRATION_RUN, ...options };
    const { bpm } = this.#options;
    if (!(bpm >= 30 && bpm <= 240)) throw new RangeError(`bpm must be within 30..240, got ${bpm}`);
    this.#periodMs = 60_000 / bpm;
  }

  get periodMs(): number {
    return this.#periodMs;
  }

  get result(): CalibrationResult | undefined {
    return this.#result;
  }

  on<K extends keyof CalibrationRunEvents>(
    event: K,
    listener: (value: CalibrationRunEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Starts the clicks; needs direct monitoring active (its context running). */
  start(): void {
    const clock = this.#monitor.outputClock();
    if (!this.#monitor.state.active || !clock) {
      this.#finish({ error: 'direct monitoring is not playing: turn it on (and click the page) first' });
      return;
    }
    this.#firstAt = clock.now + this.#options.leadInMs;
    this.#offs.push(
      this.#monitor.on('play', (play) => this.#onPlay(play)),
      this.#monitor.on('change', (state) => {
        if (!state.active) this.#finish({ error: 'direct monitoring stopped playing' });
      }),
    );
    this.#timer = setInterval(() => this.#tick(), this.#options.schedulerIntervalMs);
    this.#tick();
    this.#progress();
  }

  /** Stops without changing anything. */
  cancel(): void {
    if (this.#result) return;
    this.#phase = 'cancelled';
    this.#finish({ error: 'cancelled' });
  }

  // ---------------------------------------------------------------------------------------

  #progress(): void {
    const { countIn, targetStrokes } = this.#options;
    this.#events.emit('progress', {
      phase: this.#phase,
      countInLeft: Math.max(0, countIn - this.#clicksPlayed()),
      strokes: this.#plays.length,
      targetStrokes,
    });
  }

  #clicksPlayed(): number {
    const now = performance.now();
    return Math.min(this.#scheduled, Math.max(0, Math.floor((now - this.#firstAt) / this.#periodMs) + 1));
  }

  /** Page time of click `k` (0-based, count-in included). */
  #clickAt(k: number): number {
    return this.#firstAt + k * this.#periodMs;
  }

  #tick(): void {
    const context = this.#monitor.context;
    const clock = this.#monitor.outputClock();
    if (!context || !clock || this.#result) return;
    const { countIn, maxBeats, lookaheadMs, graceMs } = this.#options;
    const total = countIn + maxBeats;
    while (this.#scheduled < total && this.#clickAt(this.#scheduled) < clock.now + lookaheadMs) {
      const k = this.#scheduled++;
      const start = contextStartTime(this.#clickAt(k), clock);
      this.#click(context, start, k < countIn ? 1500 : k === countIn ? 1200 : 1000);
      if (k >= countIn) this.#clicks.push(heardAtOf(start, clock));
    }
    const counting = this.#clicksPlayed() >= countIn;
    if (counting && this.#phase === 'count-in') this.#phase = 'strokes';
    this.#progress();
    const lastAt = this.#clicks.at(-1);
    if (this.#scheduled >= total && lastAt !== undefined && clock.now > lastAt + this.#periodMs / 2 + graceMs)
      this.#evaluate();
  }

  #click(context: AudioContext, start: number, frequency: number): void {
    const oscillator = new OscillatorNode(context, { frequency, type: 'square' });
    const gain = new GainNode(context, { gain: 0 });
    gain.gain.setValueAtTime(this.#options.clickGain, start);
    gain.gain.exponentialRampToValueAtTime(0.001, start + 0.04);
    oscillator.connect(gain).connect(context.destination);
    oscillator.addEventListener('ended', () => {
      oscillator.disconnect();
      gain.disconnect();
    });
    oscillator.start(start);
    oscillator.stop(start + 0.05);
    this.#sources.push(oscillator);
  }

  #onPlay(play: DirectPlay): void {
    if (this.#result || play.via !== 'channel') return;
    const firstCounted = this.#clickAt(this.#options.countIn);
    if (play.landingAt < firstCounted - this.#periodMs / 2) return;
    this.#plays.push(play);
    this.#progress();
    if (this.#plays.length >= this.#options.targetStrokes) {
      // Enough: stop the clicks still to come; the last stroke's click is already in the list.
      this.#evaluate();
    }
  }

  #evaluate(): void {
    const now = performance.now();
    // Clicks not heard yet (scheduled ahead) had no stroke: leave them out.
    const clicks = this.#clicks.filter((c) => c <= now);
    const estimate = estimateOffset(
      clicks,
      this.#plays.map((p) => p.landingAt),
      this.#periodMs,
    );
    if (!estimate.ok) {
      this.#phase = 'failed';
      this.#finish({ clicks, estimate });
      return;
    }
    const requested = compensationFor(estimate.offsetMs);
    this.#monitor.setCompensationMs(requested);
    const compensationMs = this.#monitor.compensationMs;
    const timings: HitTiming[] = this.#plays;
    this.#phase = 'done';
    this.#finish({
      clicks,
      estimate,
      compensationMs,
      motionToSoundMs: motionToSoundMs(timings, compensationMs),
      unrecoverableMs: unrecoverableMs(timings, compensationMs),
    });
  }

  #finish(partial: Partial<CalibrationResult>): void {
    if (this.#result) return;
    clearInterval(this.#timer);
    for (const off of this.#offs) off();
    this.#offs = [];
    const now = this.#monitor.context?.currentTime ?? 0;
    for (const source of this.#sources) {
      try {
        source.stop(now); // clicks still to come
      } catch {
        // Already stopped.
      }
    }
    if (this.#phase === 'count-in' || this.#phase === 'strokes') this.#phase = 'failed';
    this.#result = {
      bpm: this.#options.bpm,
      periodMs: this.#periodMs,
      clicks: this.#clicks,
      plays: this.#plays,
      estimate: {
        ok: false,
        reason: 'too-few',
        message: partial.error ?? '',
        matches: [],
        kept: 0,
        spreadMs: Number.NaN,
      },
      ...partial,
    };
    this.#progress();
    this.#events.emit('done', this.#result);
    this.#events.clear();
  }
}
