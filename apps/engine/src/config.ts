/**
 * Engine configuration: embedded defaults, overridable from the environment. Everything a
 * deployment needs to change (port, ICE servers, which local addresses to offer) is here.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MODEL_VARIANTS, type ModelVariant, recommendedModel } from '@bambam/hand-tracker';
import { type ClientLimits, clientLimitsFromEnv, DEFAULT_CLIENT_LIMITS } from './admission/limits.ts';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, decodeLimitsFromEnv } from './decode/decode-limits.ts';
import { DEFAULT_OSC_ALLOW, OscTargetPolicy } from './egress/osc/osc-target-policy.ts';
import { OPUS_FRAME_MS } from './encode/opus-encoder.ts';
import { normalizeHostName, normalizeOrigin, OriginPolicyError } from './http/origin-policy.ts';

export interface IceServerConfig {
  readonly urls: string | string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface EngineConfig {
  /** TCP port of the HTTP + socket.io server; 0 picks a free one. */
  readonly port: number;
  readonly host: string;
  /** ICE servers given to werift and to the browser (STUN/TURN); empty on loopback. */
  readonly iceServers: readonly IceServerConfig[];
  /** Offer only 127.0.0.1 host candidates (local use, no STUN needed). */
  readonly loopbackOnly: boolean;
  /** Extra host addresses to offer as candidates (e.g. a LAN address). */
  readonly iceAdditionalHostAddresses: readonly string[];
  /** UDP port range for ICE, `[min, max]`, or undefined for any. */
  readonly icePortRange?: readonly [number, number];
  /**
   * Origins whose pages may connect (socket.io, any transport) and call the HTTP API; a browser
   * request from any other Origin is refused, one without an Origin (curl, CLI) is not. `'*'`
   * allows any page on the web to use the engine (logged as a warning at start).
   */
  readonly allowedOrigins: readonly string[] | '*';
  /**
   * Host names (any port) the engine answers to besides localhost, 127.0.0.1, [::1] and its
   * own listen address; other `Host` headers are refused (DNS rebinding). `'*'`: no check.
   */
  readonly allowedHosts: readonly string[] | '*';
  /**
   * Where sessions may send OSC (comma-separated CIDRs / addresses), or `off`. Default: loopback
   * and private ranges (a local install); a hosted engine lists its users' networks or says off.
   */
  readonly oscAllow: string;
  /** Where saved sources and the registry keep their files. */
  readonly dataDir: string;
  /**
   * Saved sources on PostgreSQL (`BAMBAM_DATABASE_URL=postgres://user:password@host:5432/db`),
   * shared by every engine given the same URL; undefined: SQLite under `dataDir`.
   */
  readonly databaseUrl?: string;
  /**
   * On SIGTERM, how long players may go on before the engine closes (`BAMBAM_DRAIN_GRACE_MS`):
   * meanwhile `/api/health` answers 503 `draining` and new players are refused.
   */
  readonly drainGraceMs: number;
  /** A peer that has not connected this long after the answer is dropped. */
  readonly iceTimeoutMs: number;
  /** Longest side of the RGB image handed to the tracker. */
  readonly trackerMaxWidth: number;
  /**
   * Hand landmark model. By default `lite-int8` on CPUs with VNNI (tracking 3.6–4.3 ms against
   * 5–7 ms for float `lite`, landmarks within ~0.4 px of it), else `lite`; `lite` itself halved
   * tracking time and hit latency against `full` with the same hits (bench).
   */
  readonly trackerModel: ModelVariant;
  /** Tracker worker threads shared by all sessions. */
  readonly trackerWorkers: number;
  /**
   * Niceness of the tracker threads (Linux, 0–19): above 0, the event loop (network, audio
   * clock) and the plugin sandboxes run before inference when cores are short.
   */
  readonly trackerNiceness: number;
  readonly maxHands: number;
  /**
   * While fewer than `maxHands` hands are followed, look for another one every this many
   * frames (a palm detection over the whole frame, the tracker's dearest job). 10 at 30 fps:
   * a second hand is found within a third of a second, at half the cost of every 5th frame.
   */
  readonly palmSearchInterval: number;
  /**
   * Players served at once (`BAMBAM_MAX_SESSIONS`); one more is refused with `engine-full` before
   * any media work. Undefined: estimated from the machine's cores and the hand model (see
   * admission/capacity.ts; the engine prints the figure it chose at start).
   */
  readonly maxSessions?: number;
  /** Bitrate hints for the browser's video encoder (kbps), put into the answer's fmtp. */
  readonly videoBitrateKbps: { readonly min: number; readonly start: number; readonly max: number };
  /**
   * Send the audio frame carrying a new hit right away instead of at its deadline (the audio
   * timeline moves earlier with it). Off by default: the browser plays the frame at its RTP
   * timestamp either way, after the audio already sent, so nothing is heard sooner, and the
   * extra audio in its jitter buffer made capture-to-heard worse (bench: 103–123 ms p50 with
   * it, 74–96 ms without). See the README's "Hit timing".
   */
  readonly sendHitsEarly: boolean;
  /**
   * Audio frame length, ms: one Opus packet, one tick of the audio clock (5, 10 or 20). A hit
   * waits for the next frame boundary, half a frame on average.
   */
  readonly audioFrameMs: number;
  /**
   * Largest video stream decoded (either orientation; larger keyframes are refused from their
   * header before FFmpeg sees them) and which frames decode on the event loop.
   * `BAMBAM_MAX_VIDEO_SIZE=WIDTHxHEIGHT`, default 1920x1080.
   */
  readonly decodeLimits: DecodeLimits;
  /** Limits per client: sessions, messages, idle sessions (`admission/limits.ts`). */
  readonly clientLimits: ClientLimits;
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const DEFAULT_CONFIG: EngineConfig = {
  port: 3001,
  host: '127.0.0.1',
  iceServers: [],
  loopbackOnly: true,
  iceAdditionalHostAddresses: [],
  allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
  allowedHosts: [],
  oscAllow: DEFAULT_OSC_ALLOW,
  dataDir: `${REPO_ROOT}.data`,
  iceTimeoutMs: 15_000,
  trackerMaxWidth: 640,
  trackerModel: recommendedModel(),
  trackerWorkers: availableParallelism(),
  trackerNiceness: 0,
  maxHands: 2,
  palmSearchInterval: 10,
  maxSessions: undefined,
  videoBitrateKbps: { min: 300, start: 800, max: 2000 },
  sendHitsEarly: false,
  audioFrameMs: 20,
  decodeLimits: DEFAULT_DECODE_LIMITS,
  databaseUrl: undefined,
  drainGraceMs: 10_000,
  clientLimits: DEFAULT_CLIENT_LIMITS,
};

/** Thrown for a bad environment value, naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function intFrom(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer in [${min}, ${max}], got '${raw}'`);
  }
  return value;
}

function parseIceServers(raw: string): IceServerConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`BAMBAM_ICE_SERVERS must be JSON, e.g. [{"urls":"stun:stun.example.org"}]`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError('BAMBAM_ICE_SERVERS must be a JSON array');
  return parsed.map((server, i) => {
    const urls = server?.urls;
    const okUrls =
      typeof urls === 'string' || (Array.isArray(urls) && urls.every((u: unknown) => typeof u === 'string'));
    if (!okUrls) throw new ConfigError(`BAMBAM_ICE_SERVERS[${i}].urls must be a string or string array`);
    return {
      urls,
      ...(typeof server.username === 'string' ? { username: server.username } : {}),
      ...(typeof server.credential === 'string' ? { credential: server.credential } : {}),
    };
  });
}

/** A comma list from the environment, `'*'`, or undefined when unset. */
function listFrom(
  env: NodeJS.ProcessEnv,
  key: string,
  normalize: (entry: string) => string,
): readonly string[] | '*' | undefined {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (raw === '*') return '*';
  try {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(normalize);
  } catch (error) {
    if (error instanceof OriginPolicyError) throw new ConfigError(`${key}: ${error.message}`);
    throw error;
  }
}

function audioFrameMsFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.BAMBAM_AUDIO_FRAME_MS;
  if (raw === undefined || raw === '') return DEFAULT_CONFIG.audioFrameMs;
  const ms = Number(raw);
  if (!OPUS_FRAME_MS.includes(ms as never))
    throw new ConfigError(`BAMBAM_AUDIO_FRAME_MS must be one of ${OPUS_FRAME_MS.join(', ')}, got '${raw}'`);
  return ms;
}

function decodeLimitsFrom(env: NodeJS.ProcessEnv): DecodeLimits {
  try {
    return decodeLimitsFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/** Reads the configuration from the environment on top of {@link DEFAULT_CONFIG}. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const iceServers = env.BAMBAM_ICE_SERVERS
    ? parseIceServers(env.BAMBAM_ICE_SERVERS)
    : DEFAULT_CONFIG.iceServers;
  // BAMBAM_CORS_ORIGINS is the former name, still read when the new one is unset.
  const origins =
    listFrom(env, 'BAMBAM_ALLOWED_ORIGINS', normalizeOrigin) ??
    listFrom(env, 'BAMBAM_CORS_ORIGINS', normalizeOrigin);
  const model = env.BAMBAM_TRACKER_MODEL ?? DEFAULT_CONFIG.trackerModel;
  if (!MODEL_VARIANTS.includes(model as ModelVariant))
    throw new ConfigError(`BAMBAM_TRACKER_MODEL must be one of ${MODEL_VARIANTS.join(', ')}, got '${model}'`);
  const portMin = env.BAMBAM_ICE_PORT_MIN;
  const portMax = env.BAMBAM_ICE_PORT_MAX;
  return {
    ...DEFAULT_CONFIG,
    port: intFrom(env, 'ENGINE_PORT', DEFAULT_CONFIG.port, 0, 65535),
    host: env.ENGINE_HOST || env.HOST || DEFAULT_CONFIG.host,
    iceServers,
    loopbackOnly: env.BAMBAM_ICE_LOOPBACK_ONLY
      ? env.BAMBAM_ICE_LOOPBACK_ONLY !== '0'
      : iceServers.length === 0,
    iceAdditionalHostAddresses: env.BAMBAM_ICE_HOST_ADDRESSES
      ? env.BAMBAM_ICE_HOST_ADDRESSES.split(',').map((s) => s.trim())
      : [],
    icePortRange:
      portMin && portMax
        ? [
            intFrom(env, 'BAMBAM_ICE_PORT_MIN', 0, 1024, 65535),
            intFrom(env, 'BAMBAM_ICE_PORT_MAX', 0, 1024, 65535),
          ]
        : undefined,
    allowedOrigins: origins ?? DEFAULT_CONFIG.allowedOrigins,
    allowedHosts: listFrom(env, 'BAMBAM_ALLOWED_HOSTS', normalizeHostName) ?? DEFAULT_CONFIG.allowedHosts,
    oscAllow: oscAllowFrom(env),
    dataDir: env.BAMBAM_DATA_DIR || DEFAULT_CONFIG.dataDir,
    iceTimeoutMs: intFrom(env, 'BAMBAM_ICE_TIMEOUT_MS', DEFAULT_CONFIG.iceTimeoutMs, 100, 600_000),
    trackerModel: model as ModelVariant,
    trackerWorkers: intFrom(env, 'BAMBAM_TRACKER_WORKERS', DEFAULT_CONFIG.trackerWorkers, 1, 64),
    trackerNiceness: intFrom(env, 'BAMBAM_TRACKER_NICE', DEFAULT_CONFIG.trackerNiceness, 0, 19),
    maxHands: intFrom(env, 'BAMBAM_MAX_HANDS', DEFAULT_CONFIG.maxHands, 1, 4),
    palmSearchInterval: intFrom(
      env,
      'BAMBAM_PALM_SEARCH_INTERVAL',
      DEFAULT_CONFIG.palmSearchInterval,
      1,
      1000,
    ),
    maxSessions: env.BAMBAM_MAX_SESSIONS ? intFrom(env, 'BAMBAM_MAX_SESSIONS', 0, 1, 1000) : undefined,
    sendHitsEarly: env.BAMBAM_SEND_HITS_EARLY
      ? env.BAMBAM_SEND_HITS_EARLY !== '0'
      : DEFAULT_CONFIG.sendHitsEarly,
    audioFrameMs: audioFrameMsFrom(env),
    decodeLimits: decodeLimitsFrom(env),
    databaseUrl: databaseUrlFrom(env),
    drainGraceMs: intFrom(env, 'BAMBAM_DRAIN_GRACE_MS', DEFAULT_CONFIG.drainGraceMs, 0, 3_600_000),
    clientLimits: clientLimitsFromEnv(env, (message) => new ConfigError(message)),
  };
}

/** `BAMBAM_DATABASE_URL`: a postgres:// URL, checked now; errors never echo the password. */
function databaseUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.BAMBAM_DATABASE_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      'BAMBAM_DATABASE_URL must be a URL like postgres://user:password@host:5432/database (it is not a URL)',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      `BAMBAM_DATABASE_URL must start with postgres:// or postgresql://, got '${url.protocol}' (unset it for SQLite under BAMBAM_DATA_DIR)`,
    );
  }
  if (!url.hostname) throw new ConfigError('BAMBAM_DATABASE_URL has no host name');
  return raw;
}

/** `BAMBAM_OSC_ALLOW`, checked now so a typo stops the engine at start with the reason. */
function oscAllowFrom(env: NodeJS.ProcessEnv): string {
  const value = env.BAMBAM_OSC_ALLOW?.trim();
  if (!value) return DEFAULT_CONFIG.oscAllow;
  new OscTargetPolicy(value); // throws with the bad entry named
  return value;
}
