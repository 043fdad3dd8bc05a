export const DEFAULT_DIRECT_MONITOR_OPTIONS = {
  /** The engine's mixer headroom (`headroomDb` 3). */
  masterGain: 10 ** (-3 / 20),
  /** How long after a hit heard on the stream the stream may be muted, ms (its jitter buffer + margin). */
  muteHoldMs: 250,
  /** How often the peer connection's round trip is read, ms. */
  statsIntervalMs: 2000,
  /** Plays kept in `DirectMonitor.log`. */
  logSize: 256,
  /** Largest compensation accepted, ms. */
  maxCompensationMs: 1000,
  /** Smallest change of the engine's compensation worth sending, ms (no churn for noise). */
  engineCompensationStepMs: 3,
} as const;
