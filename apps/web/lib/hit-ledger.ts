/**
 * Makes direct monitoring lose no hit and play none twice. A hit is known by its frame time and
 * its index among the frame's plays (`frameT:index`), which the hit channel's messages and the
 * telemetry's `hits` share.
 *
 * The engine sends a hit on the channel as soon as the plugin played it and the frame's
 * telemetry only after the hit's Opus packet left, so the channel message normally comes first.
 * A hit the telemetry reports but the channel did not bring within `graceMs` (dropped by the
 * engine's bounded send, or held back by an SCTP retransmission) is handed out to be played
 * late; if its message arrives after that, it is ignored.
 */

export const DEFAULT_HIT_LEDGER_OPTIONS = {
  /** How long after its telemetry a hit may still arrive on the channel, ms. */
  graceMs: 60,
  /** Hits remembered (oldest forgotten first): far more than arrive within `graceMs`. */
  capacity: 512,
} as const;

/** A hit as telemetry reports it. */
export interface LedgerHit {
  readonly sound: string;
  readonly velocity: number;
  readonly pan: number;
}

export interface OverdueHit extends LedgerHit {
  readonly frameT: number;
  readonly index: number;
}

interface Pending extends OverdueHit {
  readonly due: number;
}

export class HitLedger {
  readonly #graceMs: number;
  readonly #capacity: number;
  /** Hits handled (played, or deliberately left to the stream), by key. */
  readonly #handled = new Set<string>();
  readonly #pending = new Map<string, Pending>();

  constructor(options: { graceMs?: number; capacity?: number } = {}) {
    this.#graceMs = options.graceMs ?? DEFAULT_HIT_LEDGER_OPTIONS.graceMs;
    this.#capacity = options.capacity ?? DEFAULT_HIT_LEDGER_OPTIONS.capacity;
  }

  /** A message arrived on the channel: true when it is new (play it), false when already handled. */
  fromChannel(frameT: number, index: number): boolean {
    const key = keyOf(frameT, index);
    this.#pending.delete(key);
    if (this.#handled.has(key)) return false;
    this.#remember(key);
    return true;
  }

  /** A frame's telemetry: its hits not seen on the channel yet are expected within `graceMs`. */
  fromTelemetry(frameT: number, hits: readonly LedgerHit[], now: number): void {
    hits.forEach((hit, index) => {
      const key = keyOf(frameT, index);
      if (this.#handled.has(key) || this.#pending.has(key)) return;
      this.#pending.set(key, {
        frameT,
        index,
        sound: hit.sound,
        velocity: hit.velocity,
        pan: hit.pan,
        due: now + this.#graceMs,
      });
    });
  }

  /** Hits the channel did not bring in time: play them now (they count as handled from here). */
  takeOverdue(now: number): OverdueHit[] {
    const overdue: OverdueHit[] = [];
    for (const [key, pending] of this.#pending) {
      if (pending.due > now) continue;
      this.#pending.delete(key);
      this.#remember(key);
      const { due: _, ...hit } = pending;
      overdue.push(hit);
    }
    return overdue;
  }

  /** When the next pending hit falls due (page ms), or undefined. */
  get nextDue(): number | undefined {
    let next: number | undefined;
    for (const pending of this.#pending.values())
      if (next === undefined || pending.due < next) next = pending.due;
    return next;
  }

  /** Forgets what is pending (direct monitoring went off: the stream plays them). */
  clearPending(): void {
    this.#pending.clear();
  }

  #remember(key: string): void {
    this.#handled.add(key);
    if (this.#handled.size > this.#capacity) this.#handled.delete(this.#handled.values().next().value!);
  }
}

function keyOf(frameT: number, index: number): string {
  return `${frameT}:${index}`;
}
