export interface EngineClientOptions {
  readonly engineUrl: string;
  /** Jitter buffer the browser is asked to keep for the instrument's audio, ms. */
  readonly jitterBufferTargetMs?: number;
  /** How long to wait for ICE gathering before sending the offer anyway, ms. */
  readonly iceGatheringTimeoutMs?: number;
  /** Ack timeout for signaling requests, ms. */
  readonly requestTimeoutMs?: number;
  /** How long a `disconnected` peer connection may stay so before it is renegotiated, ms. */
  readonly peerRecoveryMs?: number;
  /** Camera capture constraints. */
  readonly video?: MediaTrackConstraints;
  /** Console lines kept for views that mount later. */
  readonly consoleHistory?: number;
}

export type ResolvedEngineClientOptions = Required<EngineClientOptions>;

export const DEFAULT_ENGINE_CLIENT_OPTIONS = {
  jitterBufferTargetMs: 10,
  iceGatheringTimeoutMs: 2000,
  requestTimeoutMs: 10_000,
  peerRecoveryMs: 3000,
  consoleHistory: 500,
  video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
} as const satisfies Omit<ResolvedEngineClientOptions, 'engineUrl'>;

/** The options with every default filled in (an explicit `video: undefined` gets the default too). */
export function resolveEngineClientOptions(options: EngineClientOptions): ResolvedEngineClientOptions {
  return {
    ...DEFAULT_ENGINE_CLIENT_OPTIONS,
    ...options,
    video: options.video ?? DEFAULT_ENGINE_CLIENT_OPTIONS.video,
  };
}
