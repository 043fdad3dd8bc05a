/**
 * The session's audio out: AudioClock (absolute 20 ms deadlines) → Mixer → Opus → RTP.
 * Continuous: a frame goes out for every clock tick, silence when nothing plays. Audio never
 * drops; after an event-loop stall the clock's catch-up policy applies (≤ 3 frames at once,
 * older ones skipped and counted, their RTP timestamps left as a gap).
 *
 * Hit timing (documented choice): a hit is triggered at sample offset 0 of the next frame not
 * yet sent, and with `sendEarly` that frame is rendered, encoded and sent immediately instead
 * of waiting up to 20 ms for its deadline, and the clock's timeline moves earlier with it
 * ({@link AudioClock.pullNext}): the frames after it follow 20 ms apart from it. So the stream
 * stays continuous and evenly spaced (a receiver sees it arrive earlier once, never a packet
 * early then a gap, which its jitter buffer would take for network delay), and the
 * engine-internal hit latency becomes the processing time alone.
 *
 * Scheduled plays (`ctx.play(sound, { at })`): a {@link FrameClockMap} turns `at` (frame-clock
 * ms) into engine-clock ms, and the clock's timeline turns that into a sample of the stream
 * (frame index × frame samples + offset). A play whose sample is still ahead waits in a bounded
 * queue and enters the mixer with the frame that contains it, at its exact offset inside that
 * frame; one whose sample was already sent plays at once, like an unscheduled hit, and is
 * counted as late.
 */
import {
  AudioClock,
  type AudioClockOptions,
  CHANNELS,
  FRAME_MS,
  Mixer,
  type RenderedSound,
  SAMPLE_RATE,
  samplesPerFrame,
} from '@bambam/runtime';
import type { Stage } from '../pipeline/stage.ts';
import { FrameClockMap, type FrameClockMapOptions } from './frame-clock-map.ts';

/** Defaults of {@link AudioOutput}. */
export const DEFAULT_AUDIO_OUTPUT = Object.freeze({
  /** Scheduled plays waiting in the engine per session; more are refused (counted). */
  maxScheduled: 64,
  /** Send a frame carrying a new hit right away rather than at its deadline. */
  sendEarly: true,
});

/** Where a hit came from: the arrival of the last RTP packet of its video frame. */
export interface HitOrigin {
  readonly arrivalMs: number;
  /** Called when the first packet carrying this hit has been sent, with its latency in ms. */
  readonly onSent?: (latencyMs: number) => void;
}

export interface AudioOutputOptions {
  /** Receives each encoded frame with its clock index; `early` when sent ahead of its deadline. */
  readonly send: (opus: Uint8Array, frameIndex: number, early: boolean) => void;
  readonly encode: (interleaved: Float32Array) => Uint8Array;
  /** Send a frame carrying a new hit right away rather than at its deadline. Default {@link DEFAULT_AUDIO_OUTPUT}. */
  readonly sendEarly?: boolean;
  /** Called once per hit when the first packet carrying it has been handed to the network. */
  readonly onHitSent?: (latencyMs: number, waitMs: number) => void;
  /** Called per frame with the time spent mixing + encoding. */
  readonly onFrameEncoded?: (encodeMs: number) => void;
  /** Frame length, ms (one Opus packet). Default `FRAME_MS` (20). */
  readonly frameMs?: number;
  readonly now?: () => number;
  /** Timer of the audio clock (tests drive it by hand). Default the global timers. */
  readonly timer?: AudioClockOptions['timer'];
  /** Frame clock → engine clock mapping of scheduled plays: see {@link FrameClockMap}. */
  readonly schedule?: FrameClockMapOptions;
  /** Default {@link DEFAULT_AUDIO_OUTPUT}.maxScheduled. */
  readonly maxScheduled?: number;
}

/** Where a scheduled play was placed. */
export interface Placement {
  /** Position in the session's audio stream: samples (48 kHz) from its first frame (RTP timestamp - base). */
  readonly audioSample: number;
  /** The frame-clock time that position stands for, ms (`at`, or later when it came too late). */
  readonly audioAt: number;
  /** Played at once (and sent like an unscheduled hit): its time had already been sent, or nothing anchored it yet. */
  readonly late: boolean;
  /**
   * When the packet carrying its start goes out (engine clock, the deadline of its audio frame),
   * for a play placed ahead; undefined for a late one (it is reported through `origin.onSent`).
   */
  readonly sentAt?: number;
}

/** Counters of scheduled plays. */
export interface ScheduleStats {
  /** Plays placed ahead and queued. */
  queued: number;
  /** Plays whose time had passed (or that came before the first frame or the clock): played at once. */
  late: number;
  /** Plays refused because the queue was full. */
  refused: number;
}

/** One play for the mixer: at the next frame, or at frame-clock time `at` (during the frame of time `t`). */
export interface AudioPlay {
  readonly sound: RenderedSound;
  readonly velocity: number;
  readonly pan: number;
  readonly origin: HitOrigin;
  readonly at?: number;
  /** The frame time of the frame that played it (with `at`). */
  readonly t?: number;
}

export interface AudioOutputStats {
  /** Plays accepted (played at once or queued; refused ones are not counted). */
  readonly plays: number;
  readonly framesSent: number;
  /** Frames sent ahead of their deadline because they carried a new hit. */
  readonly framesSentEarly: number;
  /** Frames sent at their deadline. */
  readonly framesOnTime: number;
  /** Frames the clock skipped after an event-loop stall (their RTP timestamps left as a gap). */
  readonly framesSkipped: number;
  /** Frames sent more than the clock's late threshold (5 ms) after their deadline: the event loop was late. */
  readonly framesLate: number;
  readonly scheduledQueued: number;
  readonly scheduledLate: number;
  readonly scheduledRefused: number;
  /** Gauge: scheduled plays waiting for their frame now. */
  readonly scheduledWaiting: number;
}

interface ScheduledPlay {
  readonly sound: RenderedSound;
  readonly velocity: number;
  readonly pan: number;
  readonly sample: number;
}

interface PendingHit {
  readonly origin: HitOrigin;
  readonly queuedAt: number;
}

export class AudioOutput implements Stage<AudioPlay, Placement, AudioOutputStats> {
  private readonly mixer = new Mixer();
  private readonly clock: AudioClock;
  private readonly frame: Float32Array;
  private readonly options: AudioOutputOptions;
  private readonly now: () => number;
  private readonly frameSamples: number;
  private readonly map: FrameClockMap;
  private readonly maxScheduled: number;
  private scheduled: ScheduledPlay[] = [];
  private pending: PendingHit[] = [];
  private lastClockIndex = -1;
  /** True while the clock emits a frame pulled ahead of its deadline. */
  private pulling = false;
  private disposed = false;
  private framesSent = 0;
  private framesSentEarly = 0;
  private plays = 0;
  readonly scheduleStats: ScheduleStats = { queued: 0, late: 0, refused: 0 };

  constructor(options: AudioOutputOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    const frameMs = options.frameMs ?? FRAME_MS;
    this.frameSamples = samplesPerFrame(frameMs);
    this.frame = new Float32Array(this.frameSamples * CHANNELS);
    this.map = new FrameClockMap(options.schedule);
    this.maxScheduled = options.maxScheduled ?? DEFAULT_AUDIO_OUTPUT.maxScheduled;
    this.clock = new AudioClock({
      frameMs,
      onFrame: (index) => this.onClockFrame(index),
      now: this.now,
      onError: (error) => console.error('[engine] audio frame failed', error),
      ...(options.timer ? { timer: options.timer } : {}),
    });
  }

  /** Shifts scheduled plays this many ms earlier (negative: later). Default 0; ±1000 at most (RangeError). */
  get latencyCompensationMs(): number {
    return this.map.latencyCompensationMs;
  }

  set latencyCompensationMs(ms: number) {
    this.map.latencyCompensationMs = ms;
  }

  /** Scheduled plays waiting for their frame. */
  get scheduledWaiting(): number {
    return this.scheduled.length;
  }

  /**
   * The stage's input: a play without `at` is triggered at the next frame (returns nothing); one
   * with `at` is scheduled and returns where it went — nothing when the queue is full (refused,
   * counted). The audio itself goes out on the clock, to `send`.
   */
  push(play: AudioPlay): Placement[] {
    const { sound, origin, at } = play;
    const options = { velocity: play.velocity, pan: play.pan };
    if (at === undefined) {
      if (this.disposed) return [];
      this.trigger(sound, options, origin);
      this.plays++;
      return [];
    }
    const placed = this.schedule(sound, { ...options, at, t: play.t ?? at }, origin);
    if (!placed) return [];
    this.plays++;
    return [placed];
  }

  stats(): AudioOutputStats {
    return {
      plays: this.plays,
      framesSent: this.framesSent,
      framesSentEarly: this.framesSentEarly,
      framesOnTime: this.framesSent - this.framesSentEarly,
      framesSkipped: this.clock.stats.skipped,
      framesLate: this.clock.stats.late,
      scheduledQueued: this.scheduleStats.queued,
      scheduledLate: this.scheduleStats.late,
      scheduledRefused: this.scheduleStats.refused,
      scheduledWaiting: this.scheduled.length,
    };
  }

  /** A video frame of time `t` whose last packet arrived at `arrivalMs` (engine clock): anchors scheduling. */
  observeFrame(t: number, arrivalMs: number): void {
    this.map.observe(t, arrivalMs);
  }

  /**
   * Places a sound at frame-clock time `at` (see the file's comment), played during the frame
   * of time `t`: an `at` before `t` is in the past and plays at once. Before the clock runs or
   * a frame was observed, it plays at once like {@link trigger} (`late`). Returns where it went, or
   * undefined when the queue is full (refused, counted).
   */
  schedule(
    sound: RenderedSound,
    options: { velocity: number; pan: number; at: number; t: number },
    origin: HitOrigin,
  ): Placement | undefined {
    if (this.disposed) return undefined;
    const next = this.clock.nextFrameIndex;
    const nextSample = next * this.frameSamples;
    const engineMs = this.map.toEngineMs(options.at);
    if (engineMs === undefined || !this.clock.running) {
      this.scheduleStats.late++;
      this.trigger(sound, options, origin);
      return { audioSample: nextSample, audioAt: options.at, late: true };
    }
    const sample = nextSample + Math.round(((engineMs - this.clock.deadlineOf(next)) * SAMPLE_RATE) / 1000);
    // Earlier than its own frame is "in the past" by contract, even when the delay left room.
    if (sample < nextSample || options.at < options.t) {
      this.scheduleStats.late++;
      this.trigger(sound, options, origin);
      return {
        audioSample: nextSample,
        audioAt: options.at + ((nextSample - sample) * 1000) / SAMPLE_RATE,
        late: true,
      };
    }
    if (this.scheduled.length >= this.maxScheduled) {
      this.scheduleStats.refused++;
      return undefined;
    }
    this.scheduleStats.queued++;
    this.scheduled.push({ sound, velocity: options.velocity, pan: options.pan, sample });
    const sentAt = this.clock.deadlineOf(Math.floor(sample / this.frameSamples));
    return { audioSample: sample, audioAt: options.at, late: false, sentAt };
  }

  get clockStats() {
    return this.clock.stats;
  }

  get activeVoices(): number {
    return this.mixer.activeVoices;
  }

  start(): void {
    if (!this.disposed) this.clock.start();
  }

  /** Queues a sound to start at the beginning of the next frame not yet sent. */
  trigger(sound: RenderedSound, options: { velocity: number; pan: number }, origin: HitOrigin): void {
    if (this.disposed) return;
    this.mixer.trigger(sound, { velocity: options.velocity, pan: options.pan });
    this.pending.push({ origin, queuedAt: this.now() });
  }

  /** After a batch of triggers: sends the next frame now if early sending is on and hits wait. */
  flush(): void {
    const sendEarly = this.options.sendEarly ?? DEFAULT_AUDIO_OUTPUT.sendEarly;
    if (this.disposed || this.pending.length === 0 || !sendEarly) return;
    if (this.lastClockIndex < 0) return; // clock not running yet
    this.pulling = true;
    try {
      this.clock.pullNext();
    } finally {
      this.pulling = false;
    }
  }

  /** Silences everything playing or scheduled (plugin switched). */
  clear(): void {
    this.mixer.clear();
    this.scheduled = [];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clock.dispose();
    this.mixer.dispose();
    this.pending = [];
    this.scheduled = [];
  }

  private onClockFrame(index: number): void {
    this.lastClockIndex = index;
    if (this.pulling) this.framesSentEarly++;
    this.sendFrame(index, this.pulling);
  }

  /** Hands the scheduled plays that fall in frame `index` to the mixer, at their offset in it. */
  private startScheduled(index: number): void {
    if (this.scheduled.length === 0) return;
    const start = index * this.frameSamples;
    const end = start + this.frameSamples;
    let kept = 0;
    for (const play of this.scheduled) {
      if (play.sample >= end) {
        this.scheduled[kept++] = play;
        continue;
      }
      // Behind `start` only when the clock skipped frames after a stall: at once then.
      const delaySamples = Math.max(0, play.sample - start);
      this.mixer.trigger(play.sound, { velocity: play.velocity, pan: play.pan, delaySamples });
    }
    this.scheduled.length = kept;
  }

  private sendFrame(index: number, early: boolean): void {
    const t0 = this.now();
    this.startScheduled(index);
    this.mixer.process(this.frame);
    const opus = this.options.encode(this.frame);
    const t1 = this.now();
    this.options.send(opus, index, early);
    this.framesSent++;
    this.options.onFrameEncoded?.(t1 - t0);
    if (this.pending.length > 0) {
      const sentAt = this.now();
      const sent = this.pending;
      this.pending = [];
      for (const hit of sent) {
        const latencyMs = sentAt - hit.origin.arrivalMs;
        this.options.onHitSent?.(latencyMs, sentAt - hit.queuedAt);
        hit.origin.onSent?.(latencyMs);
      }
    }
  }
}
