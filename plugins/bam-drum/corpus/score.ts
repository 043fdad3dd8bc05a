/**
 * Scores a stroke detector on the corpus: hits matched to labelled stroke bottoms per hand,
 * one to one, within a tolerance; precision, recall, F1, timing (landing − labelled bottom) and
 * lead time (landing − the frame it fired on: positive = the sound can be scheduled ahead).
 */
import type { CorpusRecording } from './generate.ts';

/** A hit some detector reported. */
export interface Hit {
  /** Time of the frame it fired on (ms). */
  readonly t: number;
  /** When it says the hand lands (ms); `t` when it doesn't say. */
  readonly landingT: number;
  /** Where the hand's knuckles were (x, frame units): says which hand played. */
  readonly x: number;
}

export interface Score {
  labels: number;
  hits: number;
  /** True positives at ±100 and ±200 ms. */
  tp100: number;
  tp200: number;
  /** landingT − bottom of the ±200 ms matches, ms. */
  errors: number[];
  /** landingT − t of every hit, ms. */
  leads: number[];
}

export function emptyScore(): Score {
  return { labels: 0, hits: 0, tp100: 0, tp200: 0, errors: [], leads: [] };
}

/** The corpus hand a hit came from: the one whose knuckles were nearest in x at that time. */
function handOf(recording: CorpusRecording, hit: Hit): number {
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  recording.hands.forEach((x, h) => {
    const at = x(hit.t);
    if (at === undefined) return;
    const distance = Math.abs(at - hit.x);
    if (distance < bestDistance) {
      best = h;
      bestDistance = distance;
    }
  });
  return best;
}

/** Greedy one-to-one matching, closest pairs first. */
function match(bottoms: number[], hits: Hit[], tolerance: number): [number, Hit][] {
  const pairs: { b: number; h: number; d: number }[] = [];
  bottoms.forEach((bottom, b) => {
    hits.forEach((hit, h) => {
      const d = Math.abs(hit.landingT - bottom);
      if (d <= tolerance) pairs.push({ b, h, d });
    });
  });
  pairs.sort((a, z) => a.d - z.d);
  const usedB = new Set<number>();
  const usedH = new Set<number>();
  const out: [number, Hit][] = [];
  for (const { b, h } of pairs) {
    if (usedB.has(b) || usedH.has(h)) continue;
    usedB.add(b);
    usedH.add(h);
    out.push([bottoms[b]!, hits[h]!]);
  }
  return out;
}

/** Adds one recording's hits to `score`. */
export function scoreRecording(recording: CorpusRecording, hits: readonly Hit[], score: Score): Score {
  score.labels += recording.labels.length;
  score.hits += hits.length;
  for (const hit of hits) score.leads.push(hit.landingT - hit.t);
  recording.hands.forEach((_, hand) => {
    const bottoms = recording.labels.filter((l) => l.hand === hand).map((l) => l.bottom);
    const mine = hits.filter((hit) => handOf(recording, hit) === hand);
    score.tp100 += match(bottoms, mine, 100).length;
    const matched = match(bottoms, mine, 200);
    score.tp200 += matched.length;
    for (const [bottom, hit] of matched) score.errors.push(hit.landingT - bottom);
  });
  return score;
}

/**
 * Lead (ms) a hit needs for its sound to land on time, measured in Chromium: capture → engine
 * 9 ms, engine 8 ms, the page's audio output 35 ms. The tables give the share of hits with it.
 */
export const ON_TIME_LEAD_MS = 55;

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Precision, recall and F1 at a tolerance. A pattern without strokes has precision 1 only with no hits. */
export function rates(score: Score, tolerance: 100 | 200): { precision: number; recall: number; f1: number } {
  const tp = tolerance === 100 ? score.tp100 : score.tp200;
  const precision = score.hits === 0 ? (score.labels === 0 ? 1 : 0) : tp / score.hits;
  const recall = score.labels === 0 ? 1 : tp / score.labels;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** A table: one row per pattern and the total. */
export function formatTable(title: string, scores: Map<string, Score>): string {
  const total = emptyScore();
  for (const s of scores.values()) {
    total.labels += s.labels;
    total.hits += s.hits;
    total.tp100 += s.tp100;
    total.tp200 += s.tp200;
    total.errors.push(...s.errors);
    total.leads.push(...s.leads);
  }
  const f = (v: number) => (Number.isNaN(v) ? '   -' : v.toFixed(2));
  const ms = (v: number) => (Number.isNaN(v) ? '    -' : `${v >= 0 ? '+' : ''}${Math.round(v)}`.padStart(5));
  const header = `${'pattern'.padEnd(15)} strokes  hits |  P@100  R@100 F1@100 |  P@200  R@200 F1@200 | timing med   p10   p90 | lead med   p10   p90  ≥55ms`;
  const lines = [title, header, '-'.repeat(header.length)];
  const row = (name: string, s: Score) => {
    const a = rates(s, 100);
    const b = rates(s, 200);
    lines.push(
      `${name.padEnd(15)} ${String(s.labels).padStart(7)} ${String(s.hits).padStart(5)} |  ${f(a.precision)}   ${f(a.recall)}   ${f(a.f1)} |  ${f(b.precision)}   ${f(b.recall)}   ${f(b.f1)} |      ${ms(quantile(s.errors, 0.5))} ${ms(quantile(s.errors, 0.1))} ${ms(quantile(s.errors, 0.9))} |    ${ms(quantile(s.leads, 0.5))} ${ms(quantile(s.leads, 0.1))} ${ms(quantile(s.leads, 0.9))}  ${s.leads.length ? f(s.leads.filter((l) => l >= ON_TIME_LEAD_MS).length / s.leads.length) : '   -'}`,
    );
  };
  for (const [name, s] of scores) row(name, s);
  lines.push('-'.repeat(header.length));
  row('all', total);
  return lines.join('\n');
}
