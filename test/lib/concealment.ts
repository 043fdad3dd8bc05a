/**
 * Concealment judged as a listener hears it (issue 14 item 8). The browser conceals (plays
 * made-up audio) whenever a packet is not there in time. On a busy machine that comes in
 * bursts: the engine's event loop or the page is descheduled for 100–200 ms and one window
 * conceals 10–25% while the rest conceal nothing (measured: 3–4.7% over a run with one core
 * kept busy, every stroke still heard). A fault of the stream shows differently: concealment in
 * most windows (a wrong pace, a broken clock), a long gap, or a large total. So a run fails when
 * - the median window conceals more than `maxMedianPercent` (the stream is not clean most of the
 *   time), leaving out the windows in which the machine starved the engine: its audio clock
 *   skipped frames after a stall (over 60 ms late) and its main thread waited for a CPU at
 *   least that long (the kernel's run-queue accounting; the engine's own work, a blocking bug
 *   included, counts as time on CPU, not as waiting, so a stall of its own making is not
 *   excused). Many short waits (each wake-up waits a little on a busy machine) excuse nothing;
 * - one window conceals more than `maxGapMs` of audio (a gap a listener hears as a dropout), or
 * - the whole steady state conceals more than `maxTotalPercent`, not counting, in a starved
 *   window, what the engine's skipped frames explain: the frames it never sent, plus
 *   `catchUpMs` (the receiver runs dry while the clock is late, before it skips). Measured:
 *   starved windows conceal within a frame of what the clock skipped; more than that is
 *   counted.
 */
import { percentile } from './hit-analysis.ts';

/** The inbound audio counters of one getStats() snapshot. */
export interface AudioCounters {
  readonly at: number;
  readonly totalSamplesReceived: number;
  readonly concealedSamples: number;
  /** Cumulative ms the engine's main thread waited for a CPU at this snapshot (lib/run-delay.ts), if known. */
  readonly engineRunDelayMs?: number;
  /** Cumulative audio frames the engine's clock skipped after stalls (its /metrics), if known. */
  readonly engineSkippedFrames?: number;
}

export const DEFAULT_CONCEALMENT_LIMITS = Object.freeze({
  maxMedianPercent: 2,
  maxGapMs: 300,
  maxTotalPercent: 8,
  catchUpMs: 60,
  frameMs: 20,
  sampleRate: 48_000,
});

export interface ConcealmentLimits {
  readonly maxMedianPercent: number;
  readonly maxGapMs: number;
  readonly maxTotalPercent: number;
  /** What the receiver may run dry per starved window besides the skipped frames, ms (the clock's catch-up). */
  readonly catchUpMs: number;
  /** The engine's audio frame, ms (what one skipped frame stands for). */
  readonly frameMs: number;
  readonly sampleRate: number;
}

/** One interval between two snapshots. */
export interface ConcealmentWindow {
  /** Its end, ms after the first snapshot. */
  readonly endMs: number;
  readonly percent: number;
  readonly concealedMs: number;
  /** Ms the engine's main thread waited for a CPU in this window, if known. */
  readonly engineWaitMs?: number;
  /** Audio frames the engine's clock skipped after stalls in this window, if known. */
  readonly engineSkipped?: number;
  /** The machine starved the engine in this window (left out of the median). */
  readonly starved: boolean;
  /** Concealed ms a starved window's skipped frames explain (left out of the total). */
  readonly explainedMs: number;
}

export interface ConcealmentVerdict {
  readonly windows: readonly ConcealmentWindow[];
  readonly totalPercent: number;
  /** What is left of `totalPercent` without what starved windows' skipped frames explain. */
  readonly unexplainedPercent: number;
  /** Over the windows the engine was not starved in (0 when it was starved in all). */
  readonly medianPercent: number;
  /** The most concealed in one window, ms of audio. */
  readonly worstMs: number;
  /** What a listener would call a fault; empty when none. */
  readonly faults: readonly string[];
  /** One line: the figures and the windows, for a diagnostic or a failure. */
  readonly summary: string;
}

/** Judges the intervals between consecutive `snapshots` (at least two, oldest first). */
export function judgeConcealment(
  snapshots: readonly AudioCounters[],
  limits: Partial<ConcealmentLimits> = {},
): ConcealmentVerdict {
  const l = { ...DEFAULT_CONCEALMENT_LIMITS, ...limits };
  if (snapshots.length < 2) throw new RangeError('judgeConcealment needs two snapshots or more');
  const first = snapshots[0]!;
  const last = snapshots.at(-1)!;
  const windows = snapshots.slice(1).flatMap((s, i): ConcealmentWindow[] => {
    const before = snapshots[i]!;
    const got = s.totalSamplesReceived - before.totalSamplesReceived;
    if (got <= 0) return [];
    const concealed = s.concealedSamples - before.concealedSamples;
    const engineWaitMs =
      s.engineRunDelayMs !== undefined && before.engineRunDelayMs !== undefined
        ? s.engineRunDelayMs - before.engineRunDelayMs
        : undefined;
    const engineSkipped =
      s.engineSkippedFrames !== undefined && before.engineSkippedFrames !== undefined
        ? s.engineSkippedFrames - before.engineSkippedFrames
        : undefined;
    const starved =
      engineWaitMs !== undefined &&
      engineSkipped !== undefined &&
      engineSkipped > 0 &&
      engineWaitMs >= engineSkipped * l.frameMs;
    const concealedMs = (1000 * concealed) / l.sampleRate;
    return [
      {
        endMs: s.at - first.at,
        percent: (100 * concealed) / got,
        concealedMs,
        ...(engineWaitMs !== undefined ? { engineWaitMs } : {}),
        ...(engineSkipped !== undefined ? { engineSkipped } : {}),
        starved,
        explainedMs: starved ? Math.min(concealedMs, engineSkipped! * l.frameMs + l.catchUpMs) : 0,
      },
    ];
  });
  const received = last.totalSamplesReceived - first.totalSamplesReceived;
  const totalPercent = received > 0 ? (100 * (last.concealedSamples - first.concealedSamples)) / received : 0;
  const explainedMs = windows.reduce((sum, w) => sum + w.explainedMs, 0);
  const unexplainedPercent =
    received > 0 ? Math.max(0, totalPercent - (100 * explainedMs * l.sampleRate) / 1000 / received) : 0;
  const fed = windows.filter((w) => !w.starved);
  const medianPercent = fed.length
    ? percentile(
        fed.map((w) => w.percent),
        50,
      )
    : 0;
  const worstMs = Math.max(0, ...windows.map((w) => w.concealedMs));
  const faults: string[] = [];
  if (windows.length === 0) faults.push('no audio received between the snapshots');
  if (medianPercent > l.maxMedianPercent)
    faults.push(
      `the median window the engine was not starved in concealed ${medianPercent.toFixed(1)}% (limit ${l.maxMedianPercent}%)`,
    );
  if (worstMs > l.maxGapMs)
    faults.push(`one window concealed ${worstMs.toFixed(0)} ms of audio (limit ${l.maxGapMs} ms)`);
  if (unexplainedPercent > l.maxTotalPercent)
    faults.push(
      `${unexplainedPercent.toFixed(1)}% concealed in all${explainedMs > 0 ? ' besides what the starved engine skipped' : ''} (limit ${l.maxTotalPercent}%)`,
    );
  const summary =
    `concealed ${totalPercent.toFixed(2)}% over ${((last.at - first.at) / 1000).toFixed(1)} s` +
    (explainedMs > 0
      ? ` (${unexplainedPercent.toFixed(2)}% besides ${explainedMs.toFixed(0)} ms the starved engine's skipped frames explain)`
      : '') +
    ', median window ' +
    `${medianPercent.toFixed(1)}%${fed.length < windows.length ? ` (over the ${fed.length} of ${windows.length} windows the engine was not starved in)` : ''}, worst ${worstMs.toFixed(0)} ms; windows: ` +
    windows
      .map(
        (w) =>
          `${(w.endMs / 1000).toFixed(1)}s:${w.percent.toFixed(0)}%` +
          (w.engineWaitMs !== undefined
            ? `(engine waited ${w.engineWaitMs.toFixed(0)} ms, skipped ${w.engineSkipped ?? '?'}${w.starved ? ': starved' : ''})`
            : ''),
      )
      .join(' ');
  return { windows, totalPercent, unexplainedPercent, medianPercent, worstMs, faults, summary };
}
