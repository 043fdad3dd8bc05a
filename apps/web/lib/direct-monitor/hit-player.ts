import { contextStartTime, heardAtOf, type OutputClock } from '../direct-monitor-timing.ts';
import type { DirectPlay } from './direct-play.ts';
import { DEFAULT_DIRECT_MONITOR_OPTIONS } from './options.ts';

/** A hit to play: which sound, how loud, where. */
export interface PlayableHit {
  readonly frameT: number;
  readonly index: number;
  readonly sound: string;
  readonly velocity: number;
  readonly pan: number;
}

/** When a hit should sound: its estimated landing plus the compensation. */
export interface PlayTiming {
  readonly landingAt: number;
  readonly compensationMs: number;
  readonly transitMs: number;
  readonly at?: number;
}

/**
 * The low-latency AudioContext direct monitoring plays on, mixed the engine's way: velocity as
 * gain, StereoPannerNode pan, 3 dB master headroom. Keeps the last plays (`log`).
 */
export class HitPlayer {
  private audioContext: AudioContext | null = null;
  private master: GainNode | null = null;
  private readonly plays: DirectPlay[] = [];

  /** The context (null until `open`). */
  get context(): AudioContext | null {
    return this.audioContext;
  }

  /** The last plays, oldest first. */
  get log(): readonly DirectPlay[] {
    return this.plays;
  }

  /** Creates the context unless there is one (or the browser has no Web Audio); true when it created one. */
  open(onStateChange: () => void): boolean {
    if (this.audioContext || typeof AudioContext === 'undefined') return false;
    const context = new AudioContext({ latencyHint: 'interactive' });
    const master = context.createGain();
    master.gain.value = DEFAULT_DIRECT_MONITOR_OPTIONS.masterGain;
    master.connect(context.destination);
    this.audioContext = context;
    this.master = master;
    context.addEventListener('statechange', onStateChange);
    void context.resume().catch(() => undefined);
    return true;
  }

  /** Resumes a suspended context (browsers start one only after a gesture); undefined without a context. */
  resume(): Promise<void> | undefined {
    return this.audioContext?.resume();
  }

  /** The context's clock right now, or null without a context. */
  clock(): OutputClock | null {
    const context = this.audioContext;
    if (!context) return null;
    const now = performance.now();
    const stamp = typeof context.getOutputTimestamp === 'function' ? context.getOutputTimestamp() : undefined;
    return {
      now,
      currentTime: context.currentTime,
      outputTimestamp:
        stamp?.contextTime !== undefined && stamp.performanceTime !== undefined
          ? { contextTime: stamp.contextTime, performanceTime: stamp.performanceTime }
          : undefined,
      latencySeconds: (context.baseLatency ?? 0) + (context.outputLatency ?? 0),
    };
  }

  /**
   * Starts `buffer` so that it is heard at `landingAt + compensationMs` (or as soon as
   * possible); returns the play, or null without a context.
   */
  play(
    hit: PlayableHit,
    buffer: AudioBuffer,
    via: DirectPlay['via'],
    receivedAt: number,
    lagMs: number,
    timing: PlayTiming,
  ): DirectPlay | null {
    const context = this.audioContext;
    const master = this.master;
    const clock = this.clock();
    if (!context || !master || !clock) return null;
    const targetAt = timing.landingAt + timing.compensationMs;
    const start = contextStartTime(targetAt, clock);
    const source = new AudioBufferSourceNode(context, { buffer });
    const gain = new GainNode(context, { gain: Math.min(1, Math.max(0, hit.velocity)) });
    const pan = new StereoPannerNode(context, { pan: Math.min(1, Math.max(-1, hit.pan)) });
    source.connect(gain).connect(pan).connect(master);
    source.addEventListener('ended', () => {
      source.disconnect();
      gain.disconnect();
      pan.disconnect();
    });
    source.start(start);
    const heard = heardAtOf(start, clock);
    const play: DirectPlay = {
      frameT: hit.frameT,
      index: hit.index,
      sound: hit.sound,
      via,
      receivedAt,
      landingAt: timing.landingAt,
      targetAt,
      compensationMs: timing.compensationMs,
      earliestAt: heardAtOf(clock.currentTime, clock),
      transitMs: timing.transitMs,
      ...(timing.at !== undefined ? { at: timing.at } : {}),
      heardAt: heard,
      heardAtWall: Date.now() + (heard - clock.now),
      lagMs,
    };
    this.plays.push(play);
    if (this.plays.length > DEFAULT_DIRECT_MONITOR_OPTIONS.logSize) this.plays.shift();
    return play;
  }

  /** Closes the context. */
  close(): void {
    void this.audioContext?.close().catch(() => undefined);
  }
}
