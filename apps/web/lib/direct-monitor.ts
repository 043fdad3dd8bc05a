/**
 * Direct monitoring: the page plays each hit itself, from the hit channel, on a low-latency
 * AudioContext, instead of waiting for the Opus stream's jitter buffer. The sounds are the
 * plugin's own patches rendered in the browser exactly as the engine renders them
 * (`audition.ts`), mixed the engine's way (velocity as gain, StereoPannerNode pan, 3 dB master
 * headroom). While it is active the stream's `<audio>` element is muted, so nothing plays twice;
 * the Opus stream itself is untouched (recording, other clients).
 *
 * Active only when: the player left it on, the hit channel is open, the audio context runs and
 * every sound of the plugin is rendered. Otherwise the element is unmuted and the page plays
 * nothing itself, so no hit is ever lost:
 * - channel closed or never opened → stream;
 * - a hit the telemetry reports but the channel did not bring in time → played late
 *   ({@link HitLedger});
 * - going active mutes the stream only once no hit heard on the stream is still on its way
 *   (`muteHoldMs` after the last one).
 *
 * Settings per browser (localStorage): {@link DIRECT_MONITOR_STORAGE_KEYS}.
 */
import type { SoundInfo } from '@bambam/protocol';
import { AUDITION_SAMPLE_RATE, renderAudition } from './audition.ts';
import {
  contextStartTime,
  heardAtOf,
  type OutputClock,
  streamCompensationMs,
  targetHeardAt,
  transitMs,
} from './direct-monitor-timing.ts';
import { Emitter } from './emitter.ts';
import type { EngineClient, ReceivedHit } from './engine-client.ts';
import { HitLedger, type LedgerHit } from './hit-ledger.ts';

/** localStorage keys: `'1'`/`'0'`, and the calibration's compensation in ms (a number). */
export const DIRECT_MONITOR_STORAGE_KEYS = {
  enabled: 'bambam.directMonitoring',
  compensationMs: 'bambam.directMonitoring.compensationMs',
} as const;

export const DEFAULT_DIRECT_MONITOR_OPTIONS = {
  /** The engine's mixer headroom (`headroomDb` 3). */
  masterGain: 10 ** (-3 / 20),
  /** How long after a hit heard on the stream the stream may be muted, ms (its jitter buffer + margin). */
  muteHoldMs: 250,
  /** How often the peer connection's round trip is read, ms. */
  statsIntervalMs: 2000,
  /** Plays kept in {@link DirectMonitor.log}. */
  logSize: 256,
  /** Largest compensation accepted, ms. */
  maxCompensationMs: 1000,
} as const;

/** Why direct monitoring is not playing, or `'on'`. */
export type DirectMonitorReason =
  | 'off'
  | 'no-channel'
  | 'audio-suspended'
  | 'rendering'
  | 'unsupported-sound'
  | 'on';

export interface DirectMonitorState {
  /** The player's choice (the toggle). */
  readonly enabled: boolean;
  /** The page plays hits itself and the stream element is muted. */
  readonly active: boolean;
  readonly reason: DirectMonitorReason;
}

/** One hit the page played itself. */
export interface DirectPlay {
  readonly frameT: number;
  readonly index: number;
  readonly sound: string;
  /** `'channel'`, or `'telemetry'` when its message did not come in time (played late). */
  readonly via: 'channel' | 'telemetry';
  /** Page time (performance.now) it reached the page, ms. */
  readonly receivedAt: number;
  /**
   * Page time of the stroke's landing as the page estimates it: the time it would be scheduled
   * at with compensation 0 ({@link targetHeardAt}). For late plays: when it was played.
   */
  readonly landingAt: number;
  /** Page time it was scheduled for: `landingAt + compensationMs` (before the "not before now" floor). */
  readonly targetAt: number;
  /** The compensation it was scheduled with, ms. */
  readonly compensationMs: number;
  /** The earliest page time it could be heard when it was scheduled (now + output latency), ms. */
  readonly earliestAt: number;
  /** The transit estimate used, ms ({@link transitMs}). */
  readonly transitMs: number;
  /** From the message: the plugin's landing time, when it placed one. */
  readonly at?: number;
  /** Page time it is heard (scheduled start + output latency), ms. */
  readonly heardAt: number;
  /** Wall clock (Date.now) it is heard, ms: comparable with the engine's clocks on one machine. */
  readonly heardAtWall: number;
  /** Engine: send − frame arrival, ms (0 for late plays). */
  readonly lagMs: number;
}

export interface DirectMonitorEvents extends Record<string, unknown> {
  change: DirectMonitorState;
  /** Each hit the page played itself (the calibration listens to these). */
  play: DirectPlay;
  /** The compensation changed, ms. */
  compensation: number;
}

/** The page's storage, when it has one (private modes can throw). */
function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export class DirectMonitor {
  readonly #client: EngineClient;
  readonly #events = new Emitter<DirectMonitorEvents>();
  readonly #offs: (() => void)[] = [];
  #element: HTMLAudioElement | null = null;
  #context: AudioContext | null = null;
  #master: GainNode | null = null;
  #buffers = new Map<string, AudioBuffer>();
  #soundsKey = '';
  #soundsReady = false;
  #unsupported = false;
  #ledger = new HitLedger();
  #overdueTimer: ReturnType<typeof setTimeout> | undefined;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #muteTimer: ReturnType<typeof setTimeout> | undefined;
  #lastStreamHitAt = Number.NEGATIVE_INFINITY;
  #roundTripSeconds: number | undefined;
  /** Recent average delay of the stream's jitter buffer, ms (from getStats deltas). */
  #jitterBufferMs: number | undefined;
  #jitterBufferTotals = { delaySeconds: 0, emitted: 0 };
  /** What the engine was last told (NaN: nothing yet). */
  #engineCompensationMs = Number.NaN;
  #enabled: boolean;
  #compensationMs: number;
  #state: DirectMonitorState;
  #log: DirectPlay[] = [];
  #disposed = false;
  /** Counters for the readout and the tests. */
  readonly counts = { received: 0, played: 0, playedLate: 0, leftToStream: 0, duplicates: 0 };

  constructor(client: EngineClient) {
    this.#client = client;
    const stored = storage();
    this.#enabled = stored?.getItem(DIRECT_MONITOR_STORAGE_KEYS.enabled) !== '0';
    const compensation = Number(stored?.getItem(DIRECT_MONITOR_STORAGE_KEYS.compensationMs) ?? 0);
    this.#compensationMs = Number.isFinite(compensation) ? this.#clampCompensation(compensation) : 0;
    this.#state = { enabled: this.#enabled, active: false, reason: this.#enabled ? 'no-channel' : 'off' };
    this.#offs.push(
      client.on('hitChannel', () => {
        this.#ledger = new HitLedger(); // frame times restart with each media connection
        this.#update();
      }),
      client.on('hit', (hit) => this.#onHit(hit)),
      client.on('telemetry', (telemetry) => this.#onTelemetry(telemetry.t, telemetry.hits)),
      client.on('change', (snapshot) => this.#prepareSounds(snapshot.plugin?.sounds)),
    );
    const resume = () => void this.#context?.resume().then(() => this.#update());
    window.addEventListener('pointerdown', resume);
    window.addEventListener('keydown', resume);
    this.#offs.push(() => {
      window.removeEventListener('pointerdown', resume);
      window.removeEventListener('keydown', resume);
    });
    this.#statsTimer = setInterval(
      () => void this.#readRoundTrip(),
      DEFAULT_DIRECT_MONITOR_OPTIONS.statsIntervalMs,
    );
    if (this.#enabled) this.#ensureContext();
    this.#prepareSounds(client.snapshot.plugin?.sounds);
    this.#update();
  }

  get state(): DirectMonitorState {
    return this.#state;
  }

  /** The calibration's offset added to every hit's target time, ms (default 0: as soon as possible). */
  get compensationMs(): number {
    return this.#compensationMs;
  }

  /** The audio context direct monitoring plays on (null until enabled once). */
  get context(): AudioContext | null {
    return this.#context;
  }

  /**
   * The audio context's clock right now (to schedule sounds for a page time and say when they
   * are heard: `contextStartTime` / `heardAtOf`), or null without a context.
   */
  outputClock(): OutputClock | null {
    return this.#context ? this.#clock(this.#context) : null;
  }

  /** The last plays, oldest first. */
  get log(): readonly DirectPlay[] {
    return this.#log;
  }

  on<K extends keyof DirectMonitorEvents>(
    event: K,
    listener: (value: DirectMonitorEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** The stream's element: muted while direct monitoring is active. */
  attachElement(element: HTMLAudioElement | null): void {
    if (this.#element && this.#element !== element) this.#element.muted = false;
    this.#element = element;
    this.#applyMute();
  }

  /** The toggle; remembered in this browser. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    try {
      storage()?.setItem(DIRECT_MONITOR_STORAGE_KEYS.enabled, enabled ? '1' : '0');
    } catch {
      // Storage full or refused: the choice holds for this page only.
    }
    if (enabled) this.#ensureContext();
    this.#update();
  }

  /** Sets the compensation (the calibration flow), remembered in this browser. */
  setCompensationMs(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`compensationMs must be a finite number, got ${ms}`);
    this.#compensationMs = this.#clampCompensation(ms);
    try {
      storage()?.setItem(DIRECT_MONITOR_STORAGE_KEYS.compensationMs, String(this.#compensationMs));
    } catch {
      // As above.
    }
    this.#events.emit('compensation', this.#compensationMs);
    this.#syncEngineCompensation();
  }

  /**
   * The engine places scheduled plays in its stream with the calibration (its sign: positive =
   * earlier) and, while the page listens to the stream, early enough for the stream's own
   * delay (jitter buffer, output), so the stream too sounds at the landing when a stroke's lead
   * allows and at once otherwise.
   */
  #syncEngineCompensation(): void {
    const stream = this.#state.active
      ? 0
      : streamCompensationMs({
          roundTripSeconds: this.#roundTripSeconds,
          jitterBufferMs: this.#jitterBufferMs,
        });
    const target = Math.round(-this.#compensationMs + stream);
    if (Math.abs(target - this.#engineCompensationMs) < 3) return; // no churn for noise
    this.#engineCompensationMs = target;
    this.#client.setLatencyCompensation(target);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const off of this.#offs) off();
    clearTimeout(this.#overdueTimer);
    clearTimeout(this.#muteTimer);
    clearInterval(this.#statsTimer);
    if (this.#element) this.#element.muted = false;
    void this.#context?.close().catch(() => undefined);
    this.#events.clear();
  }

  // ---------------------------------------------------------------------------------------

  #ensureContext(): void {
    if (this.#context || typeof AudioContext === 'undefined') return;
    const context = new AudioContext({ latencyHint: 'interactive' });
    const master = context.createGain();
    master.gain.value = DEFAULT_DIRECT_MONITOR_OPTIONS.masterGain;
    master.connect(context.destination);
    this.#context = context;
    this.#master = master;
    context.addEventListener('statechange', () => this.#update());
    void context.resume().catch(() => undefined);
    // Buffers belong to no context, but were only made once there was one.
    this.#soundsKey = '';
    this.#prepareSounds(this.#client.snapshot.plugin?.sounds);
  }

  /** Renders the plugin's sounds (again when they change); direct monitoring waits for them. */
  #prepareSounds(sounds: Readonly<Record<string, SoundInfo>> | undefined): void {
    if (!sounds || !this.#context) return;
    const key = JSON.stringify(sounds);
    if (key === this.#soundsKey) return;
    this.#soundsKey = key;
    this.#soundsReady = false;
    this.#unsupported = false;
    this.#update();
    void (async () => {
      const buffers = new Map<string, AudioBuffer>();
      try {
        for (const [name, sound] of Object.entries(sounds)) {
          const rendered = await renderAudition(sound);
          const length = rendered.channels[0]?.length ?? 0;
          if (length === 0) continue;
          const buffer = new AudioBuffer({ length, numberOfChannels: 2, sampleRate: AUDITION_SAMPLE_RATE });
          buffer.copyToChannel(new Float32Array(rendered.channels[0]!), 0);
          buffer.copyToChannel(new Float32Array(rendered.channels[1] ?? rendered.channels[0]!), 1);
          buffers.set(name, buffer);
        }
      } catch {
        // A sound the page cannot render (a sample the engine does not serve): the stream plays.
        if (this.#soundsKey === key) {
          this.#unsupported = true;
          this.#update();
        }
        return;
      }
      if (this.#soundsKey !== key || this.#disposed) return;
      this.#buffers = buffers;
      this.#soundsReady = true;
      this.#update();
    })();
  }

  #reason(): DirectMonitorReason {
    if (!this.#enabled) return 'off';
    if (!this.#client.hitChannelOpen) return 'no-channel';
    if (this.#context?.state !== 'running') return 'audio-suspended';
    if (this.#unsupported) return 'unsupported-sound';
    if (!this.#soundsReady) return 'rendering';
    return 'on';
  }

  #update(): void {
    if (this.#disposed) return;
    const reason = this.#reason();
    let active = reason === 'on';
    clearTimeout(this.#muteTimer);
    if (active && !this.#state.active) {
      // Hits already left to the stream may still be in its jitter buffer: mute after them.
      const wait = this.#lastStreamHitAt + DEFAULT_DIRECT_MONITOR_OPTIONS.muteHoldMs - performance.now();
      if (wait > 0) {
        active = false;
        this.#muteTimer = setTimeout(() => this.#update(), wait);
      }
    }
    if (!active) this.#ledger.clearPending();
    const next: DirectMonitorState = { enabled: this.#enabled, active, reason };
    const changed =
      next.enabled !== this.#state.enabled ||
      next.active !== this.#state.active ||
      next.reason !== this.#state.reason;
    this.#state = next;
    this.#applyMute();
    this.#syncEngineCompensation();
    if (changed) this.#events.emit('change', next);
  }

  #applyMute(): void {
    if (this.#element) this.#element.muted = this.#state.active;
  }

  #onHit({ message, receivedAt }: ReceivedHit): void {
    this.counts.received++;
    if (!this.#ledger.fromChannel(message.frameT, message.index)) {
      this.counts.duplicates++;
      return;
    }
    if (!this.#state.active) {
      this.counts.leftToStream++;
      this.#lastStreamHitAt = performance.now();
      return;
    }
    const transit = transitMs(this.#roundTripSeconds);
    const landingAt = targetHeardAt({
      receivedAt,
      lagMs: message.lagMs,
      frameT: message.frameT,
      at: message.at,
      transitMs: transit,
      compensationMs: 0,
    });
    const timing = { landingAt, compensationMs: this.#compensationMs, transitMs: transit, at: message.at };
    if (this.#play(message, 'channel', receivedAt, message.lagMs, timing)) this.counts.played++;
  }

  #onTelemetry(frameT: number, hits: readonly LedgerHit[]): void {
    if (hits.length === 0) return;
    if (!this.#state.active) {
      this.#lastStreamHitAt = performance.now();
      return;
    }
    this.#ledger.fromTelemetry(frameT, hits, performance.now());
    this.#scheduleOverdue();
  }

  #scheduleOverdue(): void {
    clearTimeout(this.#overdueTimer);
    const due = this.#ledger.nextDue;
    if (due === undefined) return;
    this.#overdueTimer = setTimeout(
      () => {
        const now = performance.now();
        for (const hit of this.#ledger.takeOverdue(now)) {
          const timing = { landingAt: now, compensationMs: 0, transitMs: 0 };
          if (this.#state.active && this.#play(hit, 'telemetry', now, 0, timing)) this.counts.playedLate++;
        }
        this.#scheduleOverdue();
      },
      Math.max(0, due - performance.now()),
    );
  }

  /** Starts the hit's buffer so that it is heard at `landingAt + compensationMs` (or as soon as possible). */
  #play(
    hit: { frameT: number; index: number; sound: string; velocity: number; pan: number },
    via: DirectPlay['via'],
    receivedAt: number,
    lagMs: number,
    timing: { landingAt: number; compensationMs: number; transitMs: number; at?: number },
  ): boolean {
    const context = this.#context;
    const master = this.#master;
    const buffer = this.#buffers.get(hit.sound);
    if (!context || !master || !buffer) return false;
    const clock = this.#clock(context);
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
    this.#log.push(play);
    if (this.#log.length > DEFAULT_DIRECT_MONITOR_OPTIONS.logSize) this.#log.shift();
    this.#events.emit('play', play);
    return true;
  }

  #clock(context: AudioContext): OutputClock {
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

  async #readRoundTrip(): Promise<void> {
    const pc = this.#client.peerConnection;
    if (pc?.connectionState !== 'connected') return;
    try {
      const report = await pc.getStats();
      report.forEach(
        (stat: {
          type?: string;
          kind?: string;
          nominated?: boolean;
          state?: string;
          currentRoundTripTime?: number;
          jitterBufferDelay?: number;
          jitterBufferEmittedCount?: number;
        }) => {
          if (stat.type === 'candidate-pair' && stat.nominated && stat.state === 'succeeded') {
            if (typeof stat.currentRoundTripTime === 'number')
              this.#roundTripSeconds = stat.currentRoundTripTime;
          }
          if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
            const delaySeconds = stat.jitterBufferDelay ?? 0;
            const emitted = stat.jitterBufferEmittedCount ?? 0;
            const previous = this.#jitterBufferTotals;
            if (emitted > previous.emitted && delaySeconds >= previous.delaySeconds) {
              this.#jitterBufferMs =
                ((delaySeconds - previous.delaySeconds) / (emitted - previous.emitted)) * 1000;
            }
            this.#jitterBufferTotals = { delaySeconds, emitted };
          }
        },
      );
      this.#syncEngineCompensation();
    } catch {
      // Stats are an estimate's input only.
    }
  }

  #clampCompensation(ms: number): number {
    const max = DEFAULT_DIRECT_MONITOR_OPTIONS.maxCompensationMs;
    return Math.min(max, Math.max(-max, ms));
  }
}
