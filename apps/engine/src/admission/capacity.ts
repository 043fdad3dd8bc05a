/**
 * How many players an engine can serve at quality (30 fps, per-frame p99 ≤ 33 ms, no stroke
 * lost), estimated from the machine when `BAMBAM_MAX_SESSIONS` is not set:
 *
 *   capacity = max(1, floor(cores × usableShare × 1000 / (fps × (trackMs + otherMs))))
 *
 * - `cores`: `os.availableParallelism()`;
 * - `usableShare`: the part of each core a player's frames may count on (the event loop, the
 *   audio clock, Opus, garbage collection and whatever else runs on the box need the rest);
 * - `fps`: the camera rate a player sends (30);
 * - `trackMs`: hand tracking per frame, measured when given, else the model's typical cost
 *   (following a hand plus the share of palm searches; README "Known limits");
 * - `otherMs`: decoding, conversion to RGB, the plugin's sandbox round trip and RTP per frame.
 *
 * Calibrated on the 2-core bench machine: lite-int8 gives 2 × 0.5 × 1000 / (30 × 8) = 4.2 → 4
 * players, where the capacity bench held 4–5 with the load generator on the same box.
 */
import type { ModelVariant } from '@bambam/hand-tracker';

export interface CapacityModel {
  /** Share of each core the players' frames may use, 0–1. */
  readonly usableShare: number;
  /** Camera frames per second per player. */
  readonly fps: number;
  /** Per-frame cost outside hand tracking (decode, convert, plugin, RTP), ms. */
  readonly otherMs: number;
  /** Typical hand-tracking cost per frame of each model when none was measured, ms. */
  readonly typicalTrackMs: Readonly<Record<ModelVariant, number>>;
}

export const DEFAULT_CAPACITY_MODEL: CapacityModel = {
  usableShare: 0.5,
  fps: 30,
  otherMs: 3.5,
  typicalTrackMs: { 'lite-int8': 4.5, lite: 6, 'full-int8': 9, full: 13 },
};

export interface CapacityInput {
  readonly cores: number;
  readonly model: ModelVariant;
  /** A measured hand-tracking cost per frame, ms (used instead of the model's typical one). */
  readonly measuredTrackMs?: number;
}

export interface CapacityEstimate {
  readonly capacity: number;
  readonly trackMs: number;
  /** Where `trackMs` came from. */
  readonly trackMsSource: 'measured' | 'typical';
  /** The formula with its figures, for the start-up line. */
  readonly explanation: string;
}

/** The estimate, with how it was reached. */
export function estimateCapacity(
  input: CapacityInput,
  model: CapacityModel = DEFAULT_CAPACITY_MODEL,
): CapacityEstimate {
  const measured = input.measuredTrackMs;
  const useMeasured = measured !== undefined && Number.isFinite(measured) && measured > 0;
  const trackMs = useMeasured ? measured : model.typicalTrackMs[input.model];
  const cores = Math.max(1, input.cores);
  const perPlayerMsPerS = model.fps * (trackMs + model.otherMs);
  const capacity = Math.max(1, Math.floor((cores * model.usableShare * 1000) / perPlayerMsPerS));
  const explanation =
    `${cores} core${cores === 1 ? '' : 's'} × ${model.usableShare} × 1000 / (${model.fps} fps × ` +
    `(${trackMs.toFixed(1)} ms tracking [${input.model}, ${useMeasured ? 'measured' : 'typical'}] + ` +
    `${model.otherMs} ms other per frame))`;
  return { capacity, trackMs, trackMsSource: useMeasured ? 'measured' : 'typical', explanation };
}
