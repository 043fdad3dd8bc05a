import type { StrokeDetectorOptions } from './stroke-options.ts';

/**
 * Before any stroke is learned, a down-stroke fired early is expected to travel this many times
 * its travel so far: with the unlearned thresholds (`earlyTravel` 0.3 hand sizes) it fires about
 * a third of the way down a typical 1–2 hand-size stroke.
 */
const UNLEARNED_TRAVEL_FACTOR = 3;

/** Median of a short list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * What a {@link StrokeDetector} learned of the player from the last `learnStrokes` strokes: their
 * travel and peak speed, and how late its early landing predictions were. Kept across the
 * detector's resets (the same player comes back).
 */
export class PlayerStrokeStats {
  private readonly learnStrokes: number;
  private learned: { travel: number; speed: number }[] = [];
  /** Bottom time − uncorrected fire-time prediction of the last early strokes (ms): the player's bias. */
  private lateness: number[] = [];

  constructor(learnStrokes: number) {
    this.learnStrokes = learnStrokes;
  }

  learnStroke(travel: number, speed: number): void {
    this.learned.push({ travel, speed });
    if (this.learned.length > this.learnStrokes) this.learned.shift();
  }

  /** Records how late (ms) a stroke's bottom came after its uncorrected early prediction. */
  learnLateness(ms: number): void {
    this.lateness.push(ms);
    if (this.lateness.length > this.learnStrokes) this.lateness.shift();
  }

  /** The player's timing bias (ms): the median lateness once three are known, else 0. */
  bias(): number {
    return this.lateness.length >= 3 ? median(this.lateness) : 0;
  }

  /** The travel (hand sizes) a down-stroke `travel` deep so far is expected to end with. */
  expectedTravel(travel: number): number {
    const expected = this.learned.length
      ? median(this.learned.map((l) => l.travel))
      : travel * UNLEARNED_TRAVEL_FACTOR;
    return Math.max(travel, expected);
  }

  /**
   * Speed and travel at which a down-stroke fires early: the options' until three strokes are
   * learned, then `earlyFraction` of the player's medians within the options' bounds; never
   * under `travelFloor`.
   */
  earlyThresholds(
    o: Readonly<Required<StrokeDetectorOptions>>,
    travelFloor: number,
  ): { speed: number; travel: number } {
    // Never under the travel floor: a jittery track needs a clearer stroke, learned or not.
    if (this.learned.length < 3) return { speed: o.earlySpeed, travel: Math.max(travelFloor, o.earlyTravel) };
    const speed = median(this.learned.map((l) => l.speed)) * o.earlyFraction;
    const travel = median(this.learned.map((l) => l.travel)) * o.earlyFraction;
    return {
      speed: Math.min(o.earlySpeed, Math.max(o.minSpeed * 2, speed)),
      travel: Math.max(travelFloor, Math.min(o.earlyTravel, Math.max(travelFloor * 1.5, travel))),
    };
  }
}
