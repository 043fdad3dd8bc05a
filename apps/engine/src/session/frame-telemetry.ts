/**
 * A tracked frame's plays → the audio output, and the frame's telemetry → the studio, with the
 * hit-latency accounting: each hit's time from the last RTP packet of its video frame to the
 * first Opus packet carrying it.
 *
 * Telemetry of a frame with hits goes out once the packets of the hits played at once have
 * (with early sending that is right away, inside `flush()`; otherwise at the next audio
 * deadline, ≤ 20 ms later). A hit placed ahead (`at`) knows its packet's deadline already.
 */
import type { HitInfo, Telemetry } from '@bambam/protocol';
import type { RenderedSound } from '@bambam/runtime';
import type { Frame, PlayEvent } from '@bambam/sdk';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import type { AudioOutput, HitOrigin } from '../mix/audio-output.ts';
import type { FrameTiming } from './frame-timings.ts';

/** Telemetry plus engine-side timing the e2e bench uses (extra fields, additive). */
export interface EngineTelemetry extends Telemetry {
  /** RTP timestamp (90 kHz) of the video frame. */
  readonly rtpTimestamp: number;
  /** Wall clock (ms since epoch) when the frame's last RTP packet arrived. */
  readonly receivedAt: number;
  /** For each hit of this frame: last RTP packet in → first Opus packet carrying it out, ms. */
  readonly hitLatencyMs: readonly number[];
}

/** A frame the tracker answered, on its way through the plugin. */
export interface TrackedFrame {
  readonly frame: Frame;
  /** Its decoding's timing; undefined if it was forgotten (see FrameTimings). */
  readonly timing: FrameTiming | undefined;
  /** When its image was handed to the tracker, and when the hands came back (`performance.now()`). */
  readonly submittedAt: number;
  readonly trackedAt: number;
  /** The part of tracking it waited for a free worker, ms. */
  readonly waitMs: number;
}

export interface FrameTelemetryOptions {
  readonly audio: AudioOutput;
  readonly metrics: EngineMetrics;
  /** The rendered sound a play names (undefined: not declared, the play is skipped). */
  readonly sound: (name: string) => RenderedSound | undefined;
  /** Video frames this connection dropped so far (decoder, tracker, plugin). */
  readonly dropped: () => number;
  /** True once the pipeline is disposed: no telemetry after it. */
  readonly closed: () => boolean;
  readonly onTelemetry: (telemetry: EngineTelemetry) => void;
  /** A frame's plays, right as they are triggered (direct monitoring's hit channel, OSC). */
  readonly onHits?: (hits: readonly PlayEvent[], frame: { t: number; arrivalMs: number }) => void;
}

export class FrameTelemetry {
  private readonly options: FrameTelemetryOptions;

  constructor(options: FrameTelemetryOptions) {
    this.options = options;
  }

  /** Plays the frame's hits and reports the frame (now, or when its hits' packets are sent). */
  report(tracked: TrackedFrame, plays: readonly PlayEvent[]): void {
    const { audio, metrics } = this.options;
    const { frame, timing, submittedAt, trackedAt } = tracked;
    const pluginDone = performance.now();
    metrics.observeStage('plugin', pluginDone - trackedAt);
    const arrivalMs = timing?.arrivalMs ?? submittedAt;
    const hitLatencyMs: number[] = [];
    const hits: HitInfo[] = [];
    const telemetry = {
      t: frame.t,
      width: frame.width,
      height: frame.height,
      hands: frame.hands,
      hits,
      timings: {
        decode: timing?.decodeMs ?? 0,
        convert: timing?.convertMs ?? 0,
        track: trackedAt - submittedAt,
        plugin: pluginDone - trackedAt,
        total: pluginDone - arrivalMs,
        trackWait: tracked.waitMs,
      },
      dropped: this.options.dropped(),
      rtpTimestamp: timing?.rtpTimestamp ?? 0,
      receivedAt: timing?.receivedAt ?? Date.now(),
      hitLatencyMs,
    } satisfies EngineTelemetry;
    if (plays.length > 0) this.options.onHits?.(plays, { t: frame.t, arrivalMs });
    let triggered = 0;
    let sentCount = 0;
    const originFor = (index: number): HitOrigin => ({
      arrivalMs,
      onSent: (latencyMs: number) => {
        hitLatencyMs[index] = latencyMs;
        sentCount++;
        if (sentCount === triggered && !this.options.closed()) this.options.onTelemetry(telemetry);
      },
    });
    for (const play of plays) {
      const sound = this.options.sound(play.sound);
      if (!sound) continue;
      const index = hits.length;
      const input = { sound, velocity: play.velocity, pan: play.pan, origin: originFor(index) };
      if (play.at === undefined) {
        triggered++;
        hitLatencyMs.push(Number.NaN);
        audio.push(input);
        hits.push(play);
        continue;
      }
      // Placed on the frame clock; a late one plays at once and is sent like the above.
      const [placed] = audio.push({ ...input, at: play.at, t: play.t });
      if (!placed) continue; // the engine's queue is full (counted in its stats)
      if (placed.late) triggered++;
      hitLatencyMs.push(placed.sentAt === undefined ? Number.NaN : placed.sentAt - arrivalMs);
      const { sentAt: _sentAt, ...where } = placed;
      hits.push({ ...play, ...where });
    }
    if (triggered === 0) this.options.onTelemetry(telemetry);
    else audio.flush();
  }
}
