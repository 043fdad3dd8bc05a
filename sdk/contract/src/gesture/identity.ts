/** Stable hand identities across frames, for recordings and trackers that don't provide `id`. */
import type { Frame, Hand, Handedness } from '../frame.ts';
import { distance2d, type Point, palmCenter } from './geometry.ts';

/** A hand with an identity. */
export type IdentifiedHand = Hand & { readonly id: number };

/** Options of {@link HandIdentity}. */
export interface HandIdentityOptions {
  /** Farthest a palm may move between frames and still be the same hand (normalised units). Default 0.25. */
  maxDistance?: number;
  /** How long a hand may go unseen and keep its id. Default 300 ms. */
  maxGapMs?: number;
  /** Distance added when handedness differs (the tracker sometimes flips it). Default 0.1. */
  handednessPenalty?: number;
}

interface Track {
  id: number;
  center: Point;
  handedness: Handedness;
  lastSeen: number;
}

/**
 * Gives each hand an `id` that stays the same from frame to frame while the hand stays in view,
 * by matching palm positions to the previous frames' (nearest first, handedness as a tie-breaker).
 * Hands that already carry an `id` (from the live tracker) keep it.
 *
 * @example
 * ```ts
 * state: () => ({ identity: new HandIdentity(), strokes: {} }),
 * onFrame(frame, ctx) {
 *   for (const hand of ctx.state.identity.assign(frame)) {
 *     // hand.id is stable: keep per-hand state under it
 *   }
 * }
 * ```
 */
export class HandIdentity {
  private readonly maxDistance: number;
  private readonly maxGapMs: number;
  private readonly penalty: number;
  private tracks: Track[] = [];
  private nextId = 1;

  constructor(options: HandIdentityOptions = {}) {
    const { maxDistance = 0.25, maxGapMs = 300, handednessPenalty = 0.1 } = options;
    this.maxDistance = maxDistance;
    this.maxGapMs = maxGapMs;
    this.penalty = handednessPenalty;
  }

  /** Ids of the hands seen recently (including ones briefly out of view). */
  get activeIds(): number[] {
    return this.tracks.map((track) => track.id);
  }

  /**
   * Returns the frame's hands, in the same order, each with an `id`. Hands are copied, never
   * mutated. Hands with no usable landmarks get a fresh id every frame.
   */
  assign(frame: Frame): IdentifiedHand[] {
    const t = frame.t;
    this.tracks = this.tracks.filter((track) => t - track.lastSeen <= this.maxGapMs && t >= track.lastSeen);
    const hands = frame.hands ?? [];
    const centers = hands.map((hand) => palmCenter(hand));
    const ids: (number | undefined)[] = hands.map((hand) =>
      Number.isInteger(hand.id) ? hand.id : undefined,
    );
    const taken = new Set<Track>();
    // Tracker-given ids first: they claim their tracks.
    for (const id of ids) {
      const track = this.tracks.find((candidate) => candidate.id === id);
      if (track) taken.add(track);
      if (id !== undefined && id >= this.nextId) this.nextId = id + 1;
    }
    // Then the rest, cheapest pairs first.
    const pairs: { hand: number; track: Track; cost: number }[] = [];
    hands.forEach((hand, i) => {
      const center = centers[i];
      if (ids[i] !== undefined || !center) return;
      for (const track of this.tracks) {
        if (taken.has(track)) continue;
        const cost =
          distance2d(center, track.center) + (track.handedness === hand.handedness ? 0 : this.penalty);
        if (cost <= this.maxDistance) pairs.push({ hand: i, track, cost });
      }
    });
    pairs.sort((a, b) => a.cost - b.cost);
    for (const { hand, track } of pairs) {
      if (ids[hand] !== undefined || taken.has(track)) continue;
      ids[hand] = track.id;
      taken.add(track);
    }
    return hands.map((hand, i) => {
      const id = ids[i] ?? this.nextId++;
      const center = centers[i];
      if (center) {
        const track = this.tracks.find((candidate) => candidate.id === id);
        if (track) Object.assign(track, { center, handedness: hand.handedness, lastSeen: t });
        else this.tracks.push({ id, center, handedness: hand.handedness, lastSeen: t });
      }
      return { ...hand, id };
    });
  }

  /** Forgets all hands; ids restart from 1. */
  reset(): void {
    this.tracks = [];
    this.nextId = 1;
  }
}
