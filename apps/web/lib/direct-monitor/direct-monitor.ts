/**
 * Direct monitoring: the page plays each hit itself, from the hit channel, on a low-latency
 * AudioContext, instead of waiting for the Opus stream's jitter buffer. The sounds are the
 * plugin's own patches rendered in the browser exactly as the engine renders them
 * ({@link SoundBank}), mixed the engine's way ({@link HitPlayer}). While it is active the
 * stream's `<audio>` element is muted, so nothing plays twice; the Opus stream itself is
 * untouched (recording, other clients).
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
 * Settings per browser (localStorage): `DIRECT_MONITOR_STORAGE_KEYS`.
 */
import {
  type OutputClock,
  streamCompensationMs,
  targetHeardAt,
  transitMs,
} from '../direct-monitor-timing.ts';
import { Emitter } from '../emitter.ts';
import type { EngineClient, ReceivedHit } from '../engine-client.ts';
import { HitLedger, type LedgerHit } from '../hit-ledger.ts';
import type { DirectPlay } from './direct-play.ts';
import { HitPlayer, type PlayableHit, type PlayTiming } from './hit-player.ts';
import { DEFAULT_DIRECT_MONITOR_OPTIONS } from './options.ts';
import { SoundBank } from './sound-bank.ts';
import {
  clampCompensation,
  loadDirectMonitorSettings,
  storeDirectMonitorSetting,
} from './stored-settings.ts';
import { StreamStats } from './stream-stats.ts';

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

export interface DirectMonitorEvents extends Record<string, unknown> {
  change: DirectMonitorState;
  /** Each hit the page played itself (the calibration listens to these). */
  play: DirectPlay;
  /** The compensation changed, ms. */
  compensation: number;
}

export class DirectMonitor {
  /** Counters for the readout and the tests. */
  readonly counts = { received: 0, played: 0, playedLate: 0, leftToStream: 0, duplicates: 0 };
  private readonly client: EngineClient;
  private readonly events = new Emitter<DirectMonitorEvents>();
  private readonly offs: (() => void)[] = [];
  private readonly player = new HitPlayer();
  private readonly sounds = new SoundBank(() => this.update());
  private readonly streamStats = new StreamStats();
  private element: HTMLAudioElement | null = null;
  private ledger = new HitLedger();
  private overdueTimer: ReturnType<typeof setTimeout> | undefined;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private muteTimer: ReturnType<typeof setTimeout> | undefined;
  private lastStreamHitAt = Number.NEGATIVE_INFINITY;
  /** What the engine was last told (NaN: nothing yet). */
  private engineCompensationMs = Number.NaN;
  private enabled: boolean;
  private compensation: number;
  private current: DirectMonitorState;
  private disposed = false;

  constructor(client: EngineClient) {
    this.client = client;
    const stored = loadDirectMonitorSettings();
    this.enabled = stored.enabled;
    this.compensation = stored.compensationMs;
    this.current = { enabled: this.enabled, active: false, reason: this.enabled ? 'no-channel' : 'off' };
    this.offs.push(
      client.on('hitChannel', () => {
        this.ledger = new HitLedger(); // frame times restart with each media connection
        this.update();
      }),
      client.on('hit', (hit) => this.onHit(hit)),
      client.on('telemetry', (telemetry) => this.onTelemetry(telemetry.t, telemetry.hits)),
      client.on('change', () => this.prepareSounds()),
    );
    const resume = () => void this.player.resume()?.then(() => this.update());
    window.addEventListener('pointerdown', resume);
    window.addEventListener('keydown', resume);
    this.offs.push(() => {
      window.removeEventListener('pointerdown', resume);
      window.removeEventListener('keydown', resume);
    });
    this.statsTimer = setInterval(
      () => void this.readStreamStats(),
      DEFAULT_DIRECT_MONITOR_OPTIONS.statsIntervalMs,
    );
    if (this.enabled) this.ensureContext();
    this.prepareSounds();
    this.update();
  }

  get state(): DirectMonitorState {
    return this.current;
  }

  /** The calibration's offset added to every hit's target time, ms (default 0: as soon as possible). */
  get compensationMs(): number {
    return this.compensation;
  }

  /** The audio context direct monitoring plays on (null until enabled once). */
  get context(): AudioContext | null {
    return this.player.context;
  }

  /**
   * The audio context's clock right now (to schedule sounds for a page time and say when they
   * are heard: `contextStartTime` / `heardAtOf`), or null without a context.
   */
  outputClock(): OutputClock | null {
    return this.player.clock();
  }

  /** The last plays, oldest first. */
  get log(): readonly DirectPlay[] {
    return this.player.log;
  }

  on<K extends keyof DirectMonitorEvents>(
    event: K,
    listener: (value: DirectMonitorEvents[K]) => void,
  ): () => void {
    return this.events.on(event, listener);
  }

  /** The stream's element: muted while direct monitoring is active. */
  attachElement(element: HTMLAudioElement | null): void {
    if (this.element && this.element !== element) this.element.muted = false;
    this.element = element;
    this.applyMute();
  }

  /** The toggle; remembered in this browser. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    storeDirectMonitorSetting('enabled', enabled);
    if (enabled) this.ensureContext();
    this.update();
  }

  /** Sets the compensation (the calibration flow), remembered in this browser. */
  setCompensationMs(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`compensationMs must be a finite number, got ${ms}`);
    this.compensation = clampCompensation(ms);
    storeDirectMonitorSetting('compensationMs', this.compensation);
    this.events.emit('compensation', this.compensation);
    this.syncEngineCompensation();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const off of this.offs) off();
    clearTimeout(this.overdueTimer);
    clearTimeout(this.muteTimer);
    clearInterval(this.statsTimer);
    this.sounds.dispose();
    if (this.element) this.element.muted = false;
    this.player.close();
    this.events.clear();
  }

  /**
   * The engine places scheduled plays in its stream with the calibration (its sign: positive =
   * earlier) and, while the page listens to the stream, early enough for the stream's own
   * delay (jitter buffer, output), so the stream too sounds at the landing when a stroke's lead
   * allows and at once otherwise.
   */
  private syncEngineCompensation(): void {
    const stream = this.current.active
      ? 0
      : streamCompensationMs({
          roundTripSeconds: this.streamStats.roundTripSeconds,
          jitterBufferMs: this.streamStats.jitterBufferMs,
        });
    const target = Math.round(-this.compensation + stream);
    if (
      Math.abs(target - this.engineCompensationMs) < DEFAULT_DIRECT_MONITOR_OPTIONS.engineCompensationStepMs
    )
      return;
    this.engineCompensationMs = target;
    this.client.setLatencyCompensation(target);
  }

  private ensureContext(): void {
    if (!this.player.open(() => this.update())) return;
    // Buffers belong to no context, but were only made once there was one.
    this.sounds.invalidate();
    this.prepareSounds();
  }

  /** Renders the plugin's sounds (again when they change) once there is a context; direct monitoring waits for them. */
  private prepareSounds(): void {
    const sounds = this.client.snapshot.plugin?.sounds;
    if (sounds && this.player.context) this.sounds.prepare(sounds);
  }

  private reason(): DirectMonitorReason {
    if (!this.enabled) return 'off';
    if (!this.client.hitChannelOpen) return 'no-channel';
    if (this.player.context?.state !== 'running') return 'audio-suspended';
    if (this.sounds.unsupported) return 'unsupported-sound';
    if (!this.sounds.ready) return 'rendering';
    return 'on';
  }

  private update(): void {
    if (this.disposed) return;
    const reason = this.reason();
    let active = reason === 'on';
    clearTimeout(this.muteTimer);
    if (active && !this.current.active) {
      // Hits already left to the stream may still be in its jitter buffer: mute after them.
      const wait = this.lastStreamHitAt + DEFAULT_DIRECT_MONITOR_OPTIONS.muteHoldMs - performance.now();
      if (wait > 0) {
        active = false;
        this.muteTimer = setTimeout(() => this.update(), wait);
      }
    }
    if (!active) this.ledger.clearPending();
    const next: DirectMonitorState = { enabled: this.enabled, active, reason };
    const changed =
      next.enabled !== this.current.enabled ||
      next.active !== this.current.active ||
      next.reason !== this.current.reason;
    this.current = next;
    this.applyMute();
    this.syncEngineCompensation();
    if (changed) this.events.emit('change', next);
  }

  private applyMute(): void {
    if (this.element) this.element.muted = this.current.active;
  }

  private onHit({ message, receivedAt }: ReceivedHit): void {
    this.counts.received++;
    if (!this.ledger.fromChannel(message.frameT, message.index)) {
      this.counts.duplicates++;
      return;
    }
    if (!this.current.active) {
      this.counts.leftToStream++;
      this.lastStreamHitAt = performance.now();
      return;
    }
    const transit = transitMs(this.streamStats.roundTripSeconds);
    const landingAt = targetHeardAt({
      receivedAt,
      lagMs: message.lagMs,
      frameT: message.frameT,
      at: message.at,
      transitMs: transit,
      compensationMs: 0,
    });
    const timing = { landingAt, compensationMs: this.compensation, transitMs: transit, at: message.at };
    if (this.play(message, 'channel', receivedAt, message.lagMs, timing)) this.counts.played++;
  }

  private onTelemetry(frameT: number, hits: readonly LedgerHit[]): void {
    if (hits.length === 0) return;
    if (!this.current.active) {
      this.lastStreamHitAt = performance.now();
      return;
    }
    this.ledger.fromTelemetry(frameT, hits, performance.now());
    this.scheduleOverdue();
  }

  /** Plays the hits the telemetry reported but the channel did not bring in time, once they are due. */
  private scheduleOverdue(): void {
    clearTimeout(this.overdueTimer);
    const due = this.ledger.nextDue;
    if (due === undefined) return;
    this.overdueTimer = setTimeout(
      () => {
        const now = performance.now();
        for (const hit of this.ledger.takeOverdue(now)) {
          const timing = { landingAt: now, compensationMs: 0, transitMs: 0 };
          if (this.current.active && this.play(hit, 'telemetry', now, 0, timing)) this.counts.playedLate++;
        }
        this.scheduleOverdue();
      },
      Math.max(0, due - performance.now()),
    );
  }

  /** Plays the hit's sound at its time; false when there is no context or no such sound. */
  private play(
    hit: PlayableHit,
    via: DirectPlay['via'],
    receivedAt: number,
    lagMs: number,
    timing: PlayTiming,
  ): boolean {
    const buffer = this.sounds.get(hit.sound);
    if (!buffer) return false;
    const play = this.player.play(hit, buffer, via, receivedAt, lagMs, timing);
    if (!play) return false;
    this.events.emit('play', play);
    return true;
  }

  private async readStreamStats(): Promise<void> {
    if (await this.streamStats.read(this.client.peerConnection)) this.syncEngineCompensation();
  }
}
