/**
 * Node-side driver of the test client page (test/lib/client/): opens it in a Chromium tab,
 * starts a session against an engine, and reads back what the page collected: telemetry,
 * events, getStats() summaries, the encoded camera frames' capture times, and the received audio.
 *
 * ```ts
 * const server = await serveClientPage();
 * const client = await openClient(await chromium.newPage(), { pageUrl: server.url });
 * await client.start({ engineUrl: engine.url });
 * const audio = await client.recording();
 * ```
 */

import type { Telemetry } from '@bambam/protocol';
import type { Page } from 'playwright-core';
import { type Dropout, detectOnsets, type Onset, type OnsetAnalysis } from './onsets.ts';

export interface StartOptions {
  /** Engine base URL, e.g. `http://127.0.0.1:3001`. */
  readonly engineUrl: string;
  /** Preferred video codec. Default `video/VP8`. */
  readonly codec?: string;
  /** `RTCRtpReceiver.jitterBufferTarget` for the engine's audio, ms (null: browser default). Default 20. */
  readonly jitterBufferTargetMs?: number | null;
  /** Timeout for each connection step (socket, ICE, answer, audio track), ms. Default 10 000. */
  readonly iceTimeoutMs?: number;
  /** Record each encoded camera frame's RTP timestamp and capture time. Default true. */
  readonly captureTimes?: boolean;
}

export interface StartResult {
  readonly sessionId: string;
  readonly plugin?: string;
  readonly answer: string;
}

/**
 * A telemetry message as a client received it: the protocol's {@link Telemetry}, the engine's
 * additive timing fields (see apps/engine/src/session/media-pipeline.ts `EngineTelemetry`,
 * optional here so the harness still works with an engine that omits them), and
 * `pageReceivedAt` (client wall clock, ms).
 */
export type ReceivedTelemetry = Telemetry & {
  /** RTP timestamp (90 kHz) of the video frame. */
  readonly rtpTimestamp?: number;
  /** Engine wall clock (ms since epoch) when the frame's last RTP packet arrived. */
  readonly receivedAt?: number;
  /** Per hit of this frame: last RTP packet in → first Opus packet carrying it out, ms. */
  readonly hitLatencyMs?: readonly number[];
  readonly pageReceivedAt: number;
};

/** An engine → page event other than telemetry. */
export interface ReceivedEvent {
  readonly name: string;
  readonly data: unknown;
  readonly at: number;
}

/** One encoded camera frame as it left Chromium's encoder (wall clock ms). */
export interface SentFrame {
  readonly rtpTimestamp: number;
  readonly encodedAt: number;
  readonly keyframe: boolean;
  readonly bytes: number;
}

/** A camera frame the page's preview presented: capture time (wall clock ms) and media time (s). */
export interface CapturedFrame {
  readonly capturedAt: number;
  readonly mediaTime: number;
}

/** The page's getStats() summary (fields are undefined when the browser does not report them). */
export interface PageStats {
  readonly at: number;
  readonly rttMs?: number;
  readonly audio?: {
    readonly packetsReceived: number;
    readonly packetsLost: number;
    readonly totalSamplesReceived: number;
    readonly concealedSamples: number;
    readonly silentConcealedSamples: number;
    readonly concealmentEvents: number;
    readonly insertedSamplesForDeceleration: number;
    readonly removedSamplesForAcceleration: number;
    readonly jitterBufferDelay: number;
    readonly jitterBufferTargetDelay?: number;
    readonly jitterBufferMinimumDelay?: number;
    readonly jitterBufferEmittedCount: number;
    readonly totalAudioEnergy: number;
    readonly audioLevel: number;
    readonly jitter: number;
  };
  readonly video?: {
    readonly framesEncoded: number;
    readonly framesSent: number;
    readonly frameWidth: number;
    readonly frameHeight: number;
    readonly framesPerSecond?: number;
    readonly packetsSent: number;
    readonly bytesSent: number;
    readonly totalEncodeTime: number;
    readonly qualityLimitationReason: string;
    readonly keyFramesEncoded: number;
    readonly pliCount: number;
    readonly nackCount: number;
    readonly encoderImplementation?: string;
  };
}

/** Received audio, mono, with the wall-clock time at which the page's audio graph processed each block. */
export interface Recording {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly blockSize: number;
  /** Wall-clock ms at which block `i` (samples `i*blockSize ..`) was processed in the page. */
  readonly blockTimes: Float64Array;
  /** Wall-clock ms at which sample `index` reached the page's audio graph. */
  timeOf(index: number): number;
  /** The index of the first sample processed at or after wall-clock `ms` (or `samples.length`). */
  indexAt(ms: number): number;
}

/**
 * The onsets (`detectOnsets`) of a recording between two wall-clock times, each with its `at`.
 * Analysed from a second before `startMs`: a sound that began earlier and still rings at the
 * start is no onset of the span (cut at the edge, it looked like one). Dropouts (sounds cut and
 * resumed) of the span come with the wall-clock times `from` and `to`.
 */
export function recordedOnsets(
  recording: Recording,
  startMs: number,
  endMs: number,
): Omit<OnsetAnalysis, 'onsets' | 'dropouts'> & {
  readonly onsets: (Onset & { readonly at: number })[];
  readonly dropouts: (Dropout & { readonly from: number; readonly to: number })[];
} {
  const lead = recording.indexAt(startMs - 1000);
  const from = recording.indexAt(startMs);
  const analysis = detectOnsets(
    recording.samples.subarray(lead, recording.indexAt(endMs)),
    recording.sampleRate,
  );
  const sampleAt = (ms: number) => lead + Math.round((ms * recording.sampleRate) / 1000);
  return {
    ...analysis,
    onsets: analysis.onsets
      .filter((o) => lead + o.sample >= from)
      .map((o) => ({ ...o, at: recording.timeOf(lead + o.sample) })),
    dropouts: analysis.dropouts
      .filter((d) => sampleAt(d.toMs) >= from)
      .map((d) => ({
        ...d,
        from: recording.timeOf(sampleAt(d.fromMs)),
        to: recording.timeOf(sampleAt(d.toMs)),
      })),
  };
}

interface RawRecording {
  sampleRate: number;
  startFrame: number;
  blockSize: number;
  pcm: string;
  blockTimes: number[];
}

/** Turns the page's base64 16-bit PCM and block times into a {@link Recording}. */
export function decodeRecording(raw: RawRecording): Recording {
  const bytes = Buffer.from(raw.pcm, 'base64');
  const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  const samples = Float32Array.from(pcm, (v) => v / 32767);
  const blockTimes = Float64Array.from(raw.blockTimes);
  const { blockSize } = raw;
  return {
    samples,
    sampleRate: raw.sampleRate,
    blockSize,
    blockTimes,
    timeOf: (index) =>
      blockTimes[Math.min(blockTimes.length - 1, Math.max(0, Math.floor(index / blockSize)))],
    indexAt(ms) {
      const block = blockTimes.findIndex((t) => t >= ms);
      return block < 0 ? samples.length : block * blockSize;
    },
  };
}

export interface ClientPage {
  readonly page: Page;
  start(options: StartOptions): Promise<StartResult>;
  /** Sends a socket.io request from the page and returns the engine's ack (or throws on timeout). */
  request<T = unknown>(event: string, payload: unknown, timeoutMs?: number): Promise<T>;
  telemetry(from?: number): Promise<ReceivedTelemetry[]>;
  events(): Promise<ReceivedEvent[]>;
  sentFrames(): Promise<SentFrame[]>;
  capturedFrames(): Promise<CapturedFrame[]>;
  stats(): Promise<PageStats | undefined>;
  /** Errors the page noted (socket disconnects, failed connection, audio play). */
  errors(): Promise<string[]>;
  /** Received audio since wall-clock `sinceMs`. */
  recording(sinceMs?: number): Promise<Recording>;
  clearRecording(): Promise<void>;
  /** Waits until the page has at least `count` telemetry messages; rejects after `timeoutMs`. */
  waitForTelemetry(count: number, timeoutMs: number): Promise<void>;
  /** Stops media and disconnects; the tab stays open. */
  stop(): Promise<void>;
}

/** Loads the client page (served by `serveClientPage`) in `page`. */
export async function openClient(
  page: Page,
  options: { pageUrl: string; timeoutMs?: number },
): Promise<ClientPage> {
  await page.goto(options.pageUrl, { timeout: options.timeoutMs ?? 15_000 });
  await page.waitForFunction(() => 'window' in globalThis && '__bambam' in window, undefined, {
    timeout: options.timeoutMs ?? 15_000,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the page's API is plain JS
  type PageApi = any;
  return {
    page,
    async start(opts) {
      // Each step in the page has its own timeout; this bounds the whole in case the page itself hangs.
      const limitMs = 5 * (opts.iceTimeoutMs ?? 10_000);
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          page.evaluate(
            (o) => (window as unknown as { __bambam: PageApi }).__bambam.start(o),
            opts as StartOptions,
          ),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`client start: not streaming after ${limitMs} ms`)),
              limitMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    request: (event, payload, timeoutMs = 10_000) =>
      page.evaluate(([e, p, t]) => (window as unknown as { __bambam: PageApi }).__bambam.request(e, p, t), [
        event,
        payload,
        timeoutMs,
      ] as const),
    telemetry: (from = 0) =>
      page.evaluate((f) => (window as unknown as { __bambam: PageApi }).__bambam.telemetrySince(f), from),
    events: () => page.evaluate(() => (window as unknown as { __bambam: PageApi }).__bambam.state.events),
    sentFrames: () =>
      page.evaluate(() => (window as unknown as { __bambam: PageApi }).__bambam.state.sentFrames),
    capturedFrames: () =>
      page.evaluate(() => (window as unknown as { __bambam: PageApi }).__bambam.state.captured),
    stats: () => page.evaluate(() => (window as unknown as { __bambam: PageApi }).__bambam.stats()),
    errors: () => page.evaluate(() => (window as unknown as { __bambam: PageApi }).__bambam.state.errors),
    recording: async (sinceMs = 0) =>
      decodeRecording(
        await page.evaluate(
          (s) => (window as unknown as { __bambam: PageApi }).__bambam.takeRecording(s),
          sinceMs,
        ),
      ),
    clearRecording: () =>
      page.evaluate(() => (window as unknown as { __bambam: PageApi }).__bambam.clearRecording()),
    async waitForTelemetry(count, timeoutMs) {
      try {
        await page.waitForFunction(
          (n) => (window as unknown as { __bambam: PageApi }).__bambam.state.telemetry.length >= n,
          count,
          { timeout: timeoutMs, polling: 100 },
        );
      } catch {
        const got = await page.evaluate(
          () => (window as unknown as { __bambam: PageApi }).__bambam.state.telemetry.length,
        );
        throw new Error(`waited ${timeoutMs} ms for ${count} telemetry messages, got ${got}`);
      }
    },
    stop: () => page.evaluate(() => (window as unknown as { __bambam: PageApi }).__bambam.stop()),
  };
}
