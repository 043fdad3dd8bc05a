/**
 * Reads the engine's /metrics (Prometheus text format): samples by name and labels, and
 * quantiles from histogram buckets (linear within a bucket, as Prometheus' histogram_quantile).
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format; comment and malformed lines are skipped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3]);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

function matches(sample: Sample, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(labels).every(([k, v]) => sample.labels[k] === v);
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function metricValue(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return samples.filter((s) => s.name === name && matches(s, labels)).reduce((sum, s) => sum + s.value, 0);
}

export interface Histogram {
  /** Cumulative counts by upper bound, ascending, ending with +Inf. */
  readonly buckets: readonly { le: number; count: number }[];
  readonly count: number;
  readonly sum: number;
}

/** The histogram `name` (without `_bucket`), summed over series matching `labels`. */
export function histogram(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): Histogram {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !matches(s, labels)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
  return {
    buckets,
    count: metricValue(samples, `${name}_count`, labels),
    sum: metricValue(samples, `${name}_sum`, labels),
  };
}

/** Observations that happened between two readings of the same histogram. */
export function histogramDelta(later: Histogram, earlier: Histogram): Histogram {
  // Cumulative counts: a bound the earlier reading lacks had the count of its next lower bound.
  const before = (le: number) => earlier.buckets.findLast((b) => b.le <= le)?.count ?? 0;
  return {
    buckets: later.buckets.map((b) => ({ le: b.le, count: b.count - before(b.le) })),
    count: later.count - earlier.count,
    sum: later.sum - earlier.sum,
  };
}

/**
 * The q-quantile (0..1) of a histogram, interpolated linearly within the bucket it falls in;
 * NaN when empty. A quantile in the +Inf bucket returns the highest finite bound.
 */
export function histogramQuantile(h: Histogram, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const total = h.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const { le, count } of h.buckets) {
    if (count >= rank) {
      if (le === Infinity) return lowerLe;
      if (count === lowerCount) return le;
      return lowerLe + ((le - lowerLe) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe;
}
