/**
 * When direct monitoring plays a hit: the scheduling math, kept pure so it is unit tested.
 *
 * Goal: every hit sounds a constant delay (`compensationMs`) after the moment the hand reached
 * the landing position in the camera capture. Page and engine share no clock, so the page
 * estimates that capture moment from durations only:
 *
 *   capture ≈ receivedAt − lagMs − transitMs
 *     lagMs      engine: hit sent − triggering frame's last RTP packet arrived (engine clock)
 *     transitMs  page: the two network legs and the encoder, {@link transitMs}: capture → engine
 *                (encode + RTT/2) plus the hit message's way back (RTT/2)
 *   landing = capture + (at − frameT)          (0 when the plugin placed no `at`)
 *   heard   = landing + compensationMs, never earlier than "as soon as possible"
 *
 * With compensation 0 (the default) the target is already past when the message arrives, so
 * each hit plays as soon as the output allows: the lowest latency. A calibration flow can set
 * the compensation to the measured latency plus a margin; then every hit lands the same delay
 * after the gesture, whatever the jitter of tracking.
 */
import { DEFAULT_SCHEDULE_DELAY_MS } from '@bambam/protocol';

/** Chromium's capture → encode → packetize time for a 640×480 VP8 frame, ms (measured: 5–10). */
export const ENCODE_ESTIMATE_MS = 8;

/**
 * Estimated time outside the engine's clock, ms: camera capture → frame at the engine (encode +
 * RTT/2) plus hit message → page (RTT/2). `roundTripSeconds` is the ICE candidate pair's
 * `currentRoundTripTime` from `getStats()` (undefined before the first STUN response: 0 then).
 */
export function transitMs(roundTripSeconds: number | undefined): number {
  const rtt = roundTripSeconds !== undefined && Number.isFinite(roundTripSeconds) ? roundTripSeconds : 0;
  return ENCODE_ESTIMATE_MS + Math.max(0, rtt * 1000);
}

/** The engine's default schedule delay (`BAMBAM_SCHEDULE_DELAY_MS`): frame arrival → its audio. */
export const ENGINE_SCHEDULE_DELAY_MS = DEFAULT_SCHEDULE_DELAY_MS;
/** Output latency assumed for the `<audio>` element's path when nothing measures it, ms. */
export const STREAM_OUTPUT_ESTIMATE_MS = 20;

export interface StreamDelayInput {
  /** ICE candidate pair's `currentRoundTripTime`, s. */
  readonly roundTripSeconds: number | undefined;
  /** The audio jitter buffer's recent average delay (inbound-rtp `jitterBufferDelay` deltas), ms. */
  readonly jitterBufferMs: number | undefined;
  /** The page's audio output latency, ms, when known. */
  readonly outputLatencyMs?: number;
}

/**
 * How much earlier the engine must place a scheduled hit in its Opus stream for a listener of
 * the stream to hear it at the landing, ms: capture → engine ({@link transitMs} without the
 * way back), the engine's schedule delay, the way back, the browser's jitter buffer and its
 * output. Sent as the session's latency compensation while the page listens to the stream
 * (direct monitoring off or not ready); a hit with less lead than this then plays at once.
 */
export function streamCompensationMs(input: StreamDelayInput): number {
  const jitterBuffer =
    input.jitterBufferMs !== undefined && Number.isFinite(input.jitterBufferMs)
      ? Math.max(0, input.jitterBufferMs)
      : 0;
  const output =
    input.outputLatencyMs !== undefined && Number.isFinite(input.outputLatencyMs)
      ? Math.max(0, input.outputLatencyMs)
      : STREAM_OUTPUT_ESTIMATE_MS;
  return transitMs(input.roundTripSeconds) + ENGINE_SCHEDULE_DELAY_MS + jitterBuffer + output;
}

export interface HitTimingInput {
  /** `performance.now()` when the message reached the page, ms. */
  readonly receivedAt: number;
  /** From the message: engine send time − frame arrival, ms. */
  readonly lagMs: number;
  readonly frameT: number;
  readonly at?: number;
  /** {@link transitMs}. */
  readonly transitMs: number;
  readonly compensationMs: number;
}

/** Page time (`performance.now()` ms) at which the hit should be heard. */
export function targetHeardAt(input: HitTimingInput): number {
  const lead = input.at !== undefined && Number.isFinite(input.at) ? input.at - input.frameT : 0;
  const lag = Number.isFinite(input.lagMs) ? Math.max(0, input.lagMs) : 0;
  return input.receivedAt + lead - lag - input.transitMs + input.compensationMs;
}

/** What the audio context says about its clock right now. */
export interface OutputClock {
  /** `performance.now()`, ms. */
  readonly now: number;
  /** `AudioContext.currentTime`, s. */
  readonly currentTime: number;
  /** `getOutputTimestamp()`, when it gives a usable pair (both > 0). */
  readonly outputTimestamp?: { readonly contextTime: number; readonly performanceTime: number };
  /** `baseLatency + outputLatency`, s (the fallback when there is no output timestamp). */
  readonly latencySeconds: number;
}

/**
 * The context time to `start()` a source so that it is heard at page time `heardAt` (ms),
 * never earlier than `currentTime` (then it plays as soon as possible).
 *
 * `getOutputTimestamp()` pairs the context time of the sample leaving the speakers with the
 * `performance.now()` of that moment, so it maps page time to context time output latency
 * included. Without it: `currentTime` is what is being rendered now, heard `latencySeconds` later.
 */
export function contextStartTime(heardAt: number, clock: OutputClock): number {
  const stamp = clock.outputTimestamp;
  const start =
    stamp && stamp.contextTime > 0 && stamp.performanceTime > 0
      ? stamp.contextTime + (heardAt - stamp.performanceTime) / 1000
      : clock.currentTime + (heardAt - clock.now) / 1000 - clock.latencySeconds;
  return Math.max(clock.currentTime, start);
}

/** Page time at which a source started at context time `start` is heard (inverse of the above). */
export function heardAtOf(start: number, clock: OutputClock): number {
  const stamp = clock.outputTimestamp;
  if (stamp && stamp.contextTime > 0 && stamp.performanceTime > 0) {
    return stamp.performanceTime + (start - stamp.contextTime) * 1000;
  }
  return clock.now + (start - clock.currentTime + clock.latencySeconds) * 1000;
}
