/**
 * Motion-to-sound figures from what the audible tap recorded: when each landing of the clip was
 * captured by the camera (from the presented frames' barcodes and capture times, plus the
 * landing's sub-frame truth), which heard onset belongs to it, and the offsets.
 */
import type { ProbedFrame, TapOnset } from './audible-tap.ts';
import { percentile } from './hit-analysis.ts';
import { FRAME_MS, type Landing } from './motion-clips.ts';

/** Which video clock a landing time comes from (both are the page's `performance.now()` clock). */
export type FrameClock = 'captureTime' | 'expectedDisplayTime';

/** One landing as it happened in the session (the clip loops). */
export interface LandingInstance {
  readonly hand: number;
  readonly stroke: number;
  readonly loop: number;
  /** Frame number counted from the first loop's frame 0. */
  readonly frame: number;
  /** When the camera captured the hand at its lowest point, page `performance.now()`. */
  readonly at: number;
  /** The landing frame itself was presented (else its time is interpolated from its neighbours). */
  readonly presented: boolean;
}

export interface LandingTimeline {
  readonly clock: FrameClock;
  readonly landings: LandingInstance[];
  /** Presented frames whose barcode read / did not. */
  readonly framesRead: number;
  readonly framesUnread: number;
  /** Frames whose marker squares disagree with the truth (should be none). */
  readonly markerErrors: string[];
  /** Landing frames presented with their marker seen. */
  readonly markersSeen: number;
  /** Median frame interval of the capture clock, ms. */
  readonly frameIntervalMs: number;
}

/** Places every landing of the clip on the page clock, for the loops the frames cover. */
export function landingTimeline(
  frames: readonly ProbedFrame[],
  clip: { readonly frames: number; readonly landings: readonly Landing[] },
): LandingTimeline {
  const clock: FrameClock = frames.some((f) => f.captureTime !== null)
    ? 'captureTime'
    : 'expectedDisplayTime';
  const times = new Map<number, number>();
  const markerErrors: string[] = [];
  let markersSeen = 0;
  let loop = 0;
  let last = -1;
  let unread = 0;
  for (const f of frames) {
    if (f.index === null || f.index >= clip.frames) {
      unread++;
      continue;
    }
    if (f.index < last - clip.frames / 2) loop++;
    last = f.index;
    const frame = loop * clip.frames + f.index;
    const at = clock === 'captureTime' ? f.captureTime : f.expectedDisplayTime;
    if (at === null || times.has(frame)) continue;
    times.set(frame, at);
    f.marked.forEach((marked, hand) => {
      const truth = clip.landings.some((l) => l.hand === hand && l.frame === f.index);
      if (marked !== truth)
        markerErrors.push(
          `frame ${f.index} (loop ${loop}) hand ${hand}: marker ${marked ? 'seen' : 'missing'}`,
        );
      else if (marked) markersSeen++;
    });
  }
  const known = [...times.keys()].sort((a, b) => a - b);
  const intervals: number[] = [];
  for (let i = 1; i < known.length; i++) {
    const gap = known[i]! - known[i - 1]!;
    intervals.push((times.get(known[i]!)! - times.get(known[i - 1]!)!) / gap);
  }
  const landings: LandingInstance[] = [];
  if (known.length >= 2) {
    const first = known[0]!;
    const lastFrame = known.at(-1)!;
    for (let l = Math.floor(first / clip.frames); l <= Math.floor(lastFrame / clip.frames); l++) {
      for (const landing of clip.landings) {
        const frame = l * clip.frames + landing.frame;
        if (frame < first || frame > lastFrame) continue;
        let captured = times.get(frame);
        const presented = captured !== undefined;
        if (captured === undefined) {
          // Not presented (a dropped display frame): interpolate between the nearest ones that were.
          const after = known.findIndex((k) => k > frame);
          const a = known[after - 1]!;
          const b = known[after]!;
          captured = times.get(a)! + ((times.get(b)! - times.get(a)!) * (frame - a)) / (b - a);
        }
        landings.push({
          hand: landing.hand,
          stroke: landing.stroke,
          loop: l,
          frame,
          at: captured + (landing.timeMs - landing.frame * FRAME_MS),
          presented,
        });
      }
    }
  }
  landings.sort((a, b) => a.at - b.at);
  return {
    clock,
    landings,
    framesRead: times.size,
    framesUnread: unread,
    markerErrors,
    markersSeen,
    frameIntervalMs: percentile(intervals, 50),
  };
}

/**
 * The window around a landing in which an onset is taken as its sound, ms. A session's first two
 * strokes may sound later (the detector is learning the player, the page's audio starting, a
 * busy machine warming up): up to `firstAfterMs`; they are reported apart.
 */
export const MATCH_WINDOW = { beforeMs: 150, afterMs: 300, firstAfterMs: 600 } as const;

export interface MotionFigures {
  /** Landings in the measured span. */
  readonly strokes: number;
  /** Landings heard (an onset in the window). */
  readonly matched: number;
  /** Onsets in the span that belong to no landing, or are a second onset of one. */
  readonly extra: number;
  /** Onset − landing, ms, per matched landing in time order. */
  readonly offsets: number[];
  readonly medianMs: number;
  readonly p10Ms: number;
  readonly p90Ms: number;
  /** The first two landings' offsets (NaN when not heard): a session's first strokes. */
  readonly firstOffsets: number[];
  /** Landings not heard, as `hand/stroke@loop`. */
  readonly missed: string[];
  /** Extra onsets, ms after the measured span's start. */
  readonly extraAt: number[];
}

/**
 * Pairs onsets with landings: each onset goes to the landing it is closest to among those whose
 * window (−150..+300 ms) holds it; a landing's second onset is extra. Only landings at or after
 * `fromMs` (and whose window ends by `toMs`) are measured; onsets before `fromMs` are ignored.
 */
export function motionFigures(
  landings: readonly LandingInstance[],
  onsets: readonly TapOnset[],
  span: { readonly fromMs: number; readonly toMs: number },
): MotionFigures {
  const considered = landings.filter((l) => l.at >= span.fromMs - MATCH_WINDOW.afterMs && l.at <= span.toMs);
  const measured = (l: LandingInstance) => l.at >= span.fromMs && l.at + MATCH_WINDOW.afterMs <= span.toMs;
  const heard = new Map<LandingInstance, number>();
  const extraAt: number[] = [];
  const first = new Set(considered.filter(measured).slice(0, 2));
  for (const onset of onsets) {
    if (onset.audibleAt < span.fromMs || onset.audibleAt > span.toMs) continue;
    let best: LandingInstance | undefined;
    for (const l of considered) {
      const offset = onset.audibleAt - l.at;
      const afterMs = first.has(l) ? MATCH_WINDOW.firstAfterMs : MATCH_WINDOW.afterMs;
      if (offset < -MATCH_WINDOW.beforeMs || offset > afterMs) continue;
      if (!best || Math.abs(offset) < Math.abs(onset.audibleAt - best.at)) best = l;
    }
    if (best && !heard.has(best)) heard.set(best, onset.audibleAt - best.at);
    else if (!best || measured(best)) extraAt.push(onset.audibleAt - span.fromMs);
  }
  const inSpan = considered.filter(measured);
  const offsets = inSpan.flatMap((l) => (heard.has(l) ? [heard.get(l)!] : []));
  return {
    strokes: inSpan.length,
    matched: offsets.length,
    extra: extraAt.length,
    offsets,
    medianMs: percentile(offsets, 50),
    p10Ms: percentile(offsets, 10),
    p90Ms: percentile(offsets, 90),
    firstOffsets: inSpan.slice(0, 2).map((l) => heard.get(l) ?? Number.NaN),
    missed: inSpan.filter((l) => !heard.has(l)).map((l) => `${l.hand}/${l.stroke}@${l.loop}`),
    extraAt,
  };
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '–');

/** One line of figures: `8/8 heard, 0 extra, median 95 ms (p10 70, p90 130); first two 120, 101 ms`. */
export function describeFigures(f: MotionFigures): string {
  return (
    `${f.matched}/${f.strokes} heard, ${f.extra} extra, median ${ms(f.medianMs)} ms ` +
    `(p10 ${ms(f.p10Ms)}, p90 ${ms(f.p90Ms)}); first two ${f.firstOffsets.map(ms).join(', ')} ms` +
    (f.missed.length ? `; missed ${f.missed.join(' ')}` : '') +
    (f.extraAt.length ? `; extra at ${f.extraAt.map(ms).join(', ')} ms` : '')
  );
}
