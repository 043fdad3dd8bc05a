/**
 * The media stages' counters as Prometheus reads them: at each scrape, the sum over the live
 * pipelines' stages plus what pipelines already gone had counted, so totals never go down when
 * a player leaves. The stages keep their own counters (`stats()`); nothing is copied by hand.
 */
import type { Counter, LabelValues } from 'prom-client';

/** One pipeline's stages' `stats()`, by stage name (a stage not started yet is absent). */
export type StageReadings = Readonly<Record<string, object | undefined>>;

/** A reading's counters, by name. */
type Counters = Readonly<Record<string, number>>;

/** Where a metric sample comes from: stage name and counter name in its `stats()`. */
export interface StageSource {
  readonly stage: string;
  readonly counter: string;
}

export class StageTotals {
  private readonly live = new Set<() => StageReadings>();
  private readonly retired = new Map<string, number>();
  /** What each counter sample was raised to at the last scrape. */
  private readonly exported = new Map<string, number>();

  /** Reads a pipeline's stages at each scrape until the returned `remove()` keeps its last counts. */
  watch(read: () => StageReadings): () => void {
    this.live.add(read);
    return () => {
      if (!this.live.delete(read)) return;
      for (const [stage, stats] of Object.entries(read())) {
        for (const [counter, value] of Object.entries((stats ?? {}) as Counters)) {
          const key = `${stage}.${counter}`;
          this.retired.set(key, (this.retired.get(key) ?? 0) + value);
        }
      }
    };
  }

  /** The engine-wide total of one stage counter. */
  total({ stage, counter }: StageSource): number {
    let sum = this.retired.get(`${stage}.${counter}`) ?? 0;
    for (const read of this.live) sum += (read()[stage] as Counters | undefined)?.[counter] ?? 0;
    return sum;
  }

  /**
   * Raises a counter sample to its stages' total (prom-client counters only go up; events the
   * engine counts itself on the same sample add on top). A sample still at 0 stays absent.
   */
  feed<T extends string>(counter: Counter<T>, labels: LabelValues<T>, source: StageSource): void {
    const key = `${(counter as unknown as { name: string }).name}${JSON.stringify(labels)}`;
    const total = this.total(source);
    const delta = total - (this.exported.get(key) ?? 0);
    if (delta <= 0) return;
    this.exported.set(key, total);
    counter.inc(labels, delta);
  }
}
