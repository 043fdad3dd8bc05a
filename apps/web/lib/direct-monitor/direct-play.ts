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
   * at with compensation 0 (`targetHeardAt`). For late plays: when it was played.
   */
  readonly landingAt: number;
  /** Page time it was scheduled for: `landingAt + compensationMs` (before the "not before now" floor). */
  readonly targetAt: number;
  /** The compensation it was scheduled with, ms. */
  readonly compensationMs: number;
  /** The earliest page time it could be heard when it was scheduled (now + output latency), ms. */
  readonly earliestAt: number;
  /** The transit estimate used, ms (`transitMs`). */
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
