/**
 * The one shape of the engine's media stages (werift's processor: input → outputs, plus
 * counters). The media pipeline only wires stages; `/metrics` reads every stage's `stats()` at
 * scrape time (prom-client `collect()`, see `metrics/stage-totals.ts`), so no stage knows
 * about Prometheus and no counter is copied by hand.
 *
 * Every stage says in its file's comment what it does when it falls behind: video is dropped
 * and counted (beyond a short backlog from the tracker on), audio never drops.
 */

/** A stage's counters: numbers that only grow while the stage lives (gauges say so in their doc). */
export type StageStats<S = Record<string, number>> = { readonly [K in keyof S]: number };

/** Something whose counters `/metrics` and the session status read (stages, the peer connection). */
export interface Counted<S extends StageStats<S> = StageStats> {
  /** A snapshot of the counters (a new object: the caller may keep it). */
  stats(): S;
}

export interface Stage<I, O, S extends StageStats<S> = StageStats> extends Counted<S> {
  /**
   * Hands one input to the stage and returns the outputs it produced at once (usually 0 or 1).
   * A stage whose work finishes later — on libuv's pool (decoder), a worker thread (tracker),
   * the plugin sandbox, or the audio clock's next deadline — returns nothing and delivers its
   * outputs to the callback it was constructed with.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a stage that delivers later returns nothing at all
  push(input: I): O[] | void;
  /** Releases what the stage holds (native memory, workers, timers); pushes after it are ignored. */
  dispose(): void | Promise<void>;
}
