/**
 * The studio ↔ engine wire protocol over socket.io. One module both sides import, so a message
 * shape cannot drift. Client→server messages are validated with these zod schemas on the
 * engine; every request carries an ack callback answered with an {@link Ack}.
 *
 * WebRTC is non-trickle: the studio sends its offer once ICE gathering is complete and the
 * engine answers with a complete SDP.
 *
 * @packageDocumentation
 */

import type { Hand, MidiMapping, ParamSpecs, PlayEvent, ToneSound } from '@bambam/sdk';
import { z } from 'zod';

/** Largest socket.io message the engine accepts, in bytes (plugin sources included). */
export const MAX_MESSAGE_BYTES = 1_000_000;
/**
 * What the engine's socket.io reads before closing a connection: messages between
 * {@link MAX_MESSAGE_BYTES} and this get a `too-large` error reply, larger ones end the
 * connection (socket.io's own limit; nothing larger is read into memory).
 */
export const MAX_TRANSPORT_BYTES = 8_000_000;
/** Largest plugin source accepted over the wire, in characters. */
export const MAX_PLUGIN_SOURCE_CHARS = 500_000;

export {
  type Manifest,
  ManifestSchema,
  type ManifestSound,
  PLUGIN_NAME,
  parseManifest,
} from './manifest.ts';

// ---------------------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------------------

/** Client → server event names. */
export const ClientEvent = {
  /** `{ sdp }` → ack `{ sdp }`: the browser's complete offer; the answer carries the audio track. */
  Offer: 'webrtc:offer',
  /** `{ source, filename? }` → ack `{ plugin }`: compile TypeScript and hot-swap it into the session. */
  LoadPlugin: 'plugin:load',
  /** `{ name, version? }` → ack `{ plugin }`: switch to a saved or installed plugin by name. */
  UsePlugin: 'plugin:use',
  /** `{ values }` → ack `{ plugin }`: change param values of the running plugin. */
  SetParams: 'plugin:params',
  /** `{}` → ack: close the media connection (the socket stays). */
  Stop: 'session:stop',
  /**
   * `{ compensationMs }` → ack `{ compensationMs }`: the session's latency compensation from the
   * studio's calibration. Scheduled plays (`ctx.play(…, { at })`) are placed this much earlier
   * on the audio timeline (negative: later); kept across media reconnections.
   */
  SetLatency: 'session:latency',
  /**
   * `{ host, port, landmarksHz? }` → ack `{ osc }`: send this session's hits (and hands, at
   * `landmarksHz`) as OSC over UDP to host:port, if the engine's operator allows it;
   * `{ off: true }` → ack `{ osc: null }` stops it. Refused with `osc-refused` and the reason.
   */
  SetOsc: 'session:osc',
} as const;

export const SetOscRequest = z.union([
  z
    .object({
      host: z.string().min(1).max(255),
      port: z.number().int().min(1).max(65535),
      landmarksHz: z.number().min(0).max(60).optional(),
    })
    .strict(),
  z.object({ off: z.literal(true) }).strict(),
]);
export type SetOscRequest = z.infer<typeof SetOscRequest>;

/** Where a session's OSC goes (the address the engine resolved and sends to). */
export interface OscInfo {
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly landmarksHz: number;
}

export const OfferRequest = z.object({ sdp: z.string().min(10).max(100_000) }).strict();
export type OfferRequest = z.infer<typeof OfferRequest>;

export const LoadPluginRequest = z
  .object({
    source: z.string().min(1).max(MAX_PLUGIN_SOURCE_CHARS),
    /** Shown in error positions, e.g. `bam-drum.ts`. */
    filename: z.string().max(200).optional(),
  })
  .strict();
export type LoadPluginRequest = z.infer<typeof LoadPluginRequest>;

export const UsePluginRequest = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
    version: z.string().max(64).optional(),
  })
  .strict();
export type UsePluginRequest = z.infer<typeof UsePluginRequest>;

export const ParamValue = z.union([z.number().finite(), z.boolean(), z.string().max(200)]);
export const SetParamsRequest = z.object({ values: z.record(z.string().max(64), ParamValue) }).strict();
export type SetParamsRequest = z.infer<typeof SetParamsRequest>;

export const StopRequest = z.object({}).strict();

/**
 * The engine's default delay from a video frame's arrival to the audio of its time, ms
 * (`BAMBAM_SCHEDULE_DELAY_MS`): the studio counts it in the stream's delay.
 */
export const DEFAULT_SCHEDULE_DELAY_MS = 20;

/** Largest latency compensation a session accepts, ms (either way). */
export const MAX_LATENCY_COMPENSATION_MS = 1000;
export const SetLatencyRequest = z
  .object({
    compensationMs: z.number().finite().min(-MAX_LATENCY_COMPENSATION_MS).max(MAX_LATENCY_COMPENSATION_MS),
  })
  .strict();
export type SetLatencyRequest = z.infer<typeof SetLatencyRequest>;

// ---------------------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------------------

/** Server → client event names. */
export const ServerEvent = {
  /** {@link SessionReady}: sent once on connect. */
  Ready: 'session:ready',
  /** {@link Telemetry}: one per tracked video frame. */
  Telemetry: 'telemetry',
  /** {@link ConsoleEntry}: `ctx.log` output and plugin errors. */
  Console: 'console',
  /** {@link PluginInfo}: the session's plugin changed (load, use, params). */
  PluginChanged: 'plugin:changed',
  /** {@link ErrorInfo}: a session-level problem (media failed, plugin disabled…). */
  Error: 'session:error',
} as const;

/** A failure as the wire carries it. `code` is stable and machine-readable; `message` says what to do. */
export interface ErrorInfo {
  readonly code:
    | 'bad-request'
    | 'too-large'
    | 'unsupported-codec'
    | 'webrtc-failed'
    | 'plugin-compile'
    | 'plugin-load'
    | 'plugin-runtime'
    | 'plugin-not-found'
    /** The engine has no seat free (admission control); try again or another engine. */
    | 'engine-full'
    /** An OSC target the engine's operator does not allow, or OSC is off. */
    | 'osc-refused'
    /** Too many messages on this connection, or sessions opened from this address per minute. */
    | 'rate-limited'
    /** This address already holds as many sessions as the engine allows one client. */
    | 'too-many-sessions'
    /** The session had no video for the engine's idle timeout and was closed. */
    | 'idle-timeout'
    | 'internal';
  readonly message: string;
  /** Where in the plugin's own source, for plugin errors (1-based line and column). */
  readonly location?: SourceLocation;
  /** For plugin errors: the plugin's name. */
  readonly plugin?: string;
}

/** A position in a plugin's own source (before bundling), 1-based. */
export interface SourceLocation {
  readonly file?: string;
  readonly line: number;
  readonly column: number;
}

/** Every ack has this shape. */
export type Ack<T extends object = object> =
  | ({ readonly ok: true } & T)
  | { readonly ok: false; readonly error: ErrorInfo };

/** What the studio needs to know about a sound: the Tone patch to audition, or that it is a sample. */
export type SoundInfo =
  | ToneSound
  | {
      readonly kind: 'sample';
      readonly durationMs: number /** URL to fetch the rendered WAV from, if the engine serves it. */;
      readonly url?: string;
      /** The sample's MIDI note, when it declares one. */
      readonly midi?: MidiMapping;
    };

/** The running plugin as the studio shows it. */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly author?: string;
  readonly params: ParamSpecs;
  readonly paramValues: Readonly<Record<string, number | boolean | string>>;
  readonly sounds: Readonly<Record<string, SoundInfo>>;
  /** TypeScript source, when the engine has it (saved or example plugins), for the editor. */
  readonly source?: string;
}

export interface SessionReady {
  readonly sessionId: string;
  readonly plugin: PluginInfo;
  /** ICE servers the browser should use (empty on loopback). */
  readonly iceServers: readonly { urls: string | string[]; username?: string; credential?: string }[];
}

/** Per-stage timings of one frame, in milliseconds. */
export interface StageTimings {
  /** RTP of the frame's last packet received → frame depacketized and decoded. */
  readonly decode: number;
  /** Decoded frame → RGB at the tracker's size. */
  readonly convert: number;
  /** Waiting for and running the hand tracker (worker). */
  readonly track: number;
  /** The part of `track` spent waiting for a free tracker worker (the pool is shared by sessions). */
  readonly trackWait?: number;
  /** The plugin's `onFrame` round trip through the sandbox. */
  readonly plugin: number;
  /** Frame received → hit queued to the audio clock (sum of the above plus waits). */
  readonly total: number;
}

/**
 * One play of a frame as the engine placed it: the plugin's {@link PlayEvent} (with its `at`
 * when scheduled) plus where its sound went in the session's audio.
 */
export interface HitInfo extends PlayEvent {
  /**
   * Frame-clock ms the sound was placed at: `at` when it was honoured, later when its time had
   * already been sent (then `late`). Absent for plays without `at` (played at once).
   */
  readonly audioAt?: number;
  /** Where it starts in the session's audio stream: 48 kHz samples from its first frame (RTP timestamp minus the stream's base). */
  readonly audioSample?: number;
  /** Its time had passed when it reached the audio (or the audio had not started): played at once. */
  readonly late?: boolean;
}

export interface Telemetry {
  /** Frame time, ms (engine clock). */
  readonly t: number;
  readonly width: number;
  readonly height: number;
  readonly hands: readonly Hand[];
  readonly hits: readonly HitInfo[];
  readonly timings: StageTimings;
  /** Video frames dropped (latest wins) since the session started. */
  readonly dropped: number;
}

export interface ConsoleEntry {
  readonly level: 'log' | 'warn' | 'error';
  readonly message: string;
  /** Engine time in ms. */
  readonly t: number;
  readonly plugin?: string;
  readonly location?: SourceLocation;
  /**
   * What kind of entry, when it is one the studio acts on: `frame-skipped` = a frame's budget
   * was missed on a starved machine and not held against the plugin (the machine is the problem).
   */
  readonly code?: 'frame-skipped';
}

// ---------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------

/** HTTP routes served by the engine. */
export const HttpRoute = {
  /** Prometheus text format. */
  Metrics: '/metrics',
  /** `GET` health and version. */
  Health: '/api/health',
  /** Saved plugin sources of this engine (the studio's workspace): `GET` list, `GET/PUT/DELETE /:name`. */
  Sources: '/api/sources',
  /** The plugin registry (publish/install); see the README. */
  Plugins: '/api/plugins',
} as const;

/** A saved plugin source in the engine's workspace. */
export interface SavedSource {
  readonly name: string;
  readonly source: string;
  readonly updatedAt: string;
  /** True for bundled examples (bam-drum); saving one stores a copy under the same name. */
  readonly example?: boolean;
}

/** Parses a client message with `schema`, returning an {@link ErrorInfo} instead of throwing. */
export function parseMessage<T>(
  schema: z.ZodType<T>,
  message: unknown,
): { ok: true; value: T } | { ok: false; error: ErrorInfo } {
  const result = schema.safeParse(message);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? ` at '${issue.path.join('.')}'` : '';
  return {
    ok: false,
    error: { code: 'bad-request', message: `Malformed message${where}: ${issue?.message ?? 'invalid'}` },
  };
}

// ---------------------------------------------------------------------------------------
// Direct monitoring: hits on a WebRTC data channel beside the Opus track
// ---------------------------------------------------------------------------------------

/**
 * Label of the data channel the studio creates before its offer; the engine sends a
 * {@link HitMessage} on it for every hit, as soon as the plugin played it, so the page can play
 * the sound itself without waiting for the Opus stream's jitter buffer.
 */
export const HIT_CHANNEL_LABEL = 'bambam-hits';

/** One hit on the hit channel (JSON text message). The Opus stream carries the same hit. */
export interface HitMessage {
  readonly v: 1;
  /** Increasing per media connection, from 1; a gap means the engine dropped messages. */
  readonly seq: number;
  /** Frame time of the triggering frame (telemetry `t`), ms. */
  readonly frameT: number;
  /** Position among the frame's hits (telemetry `hits[index]`). */
  readonly index: number;
  readonly sound: string;
  readonly velocity: number;
  readonly pan: number;
  /** When the plugin placed the hit, in frame time (ms); absent means "now" (= frameT). */
  readonly at?: number;
  /** Engine wall clock (ms since epoch) when the message was sent. */
  readonly engineSentAt: number;
  /** Engine clock: send time − arrival of the triggering frame's last RTP packet, ms. */
  readonly lagMs: number;
}
