/**
 * Is the machine or the network the problem? Turns the telemetry the studio already receives
 * (frames the engine tracked and dropped, its per-frame time, the browser's audio jitter buffer)
 * into plain warnings with what to do. Thresholds have separate enter and leave levels, and a
 * condition must hold for a few assessments in a row to appear or go away, so a warning does not
 * flicker on a noisy second. Pure: the caller keeps the {@link HealthState} between calls.
 */

export type HealthIssueKind = 'engine-overloaded' | 'video-starved' | 'audio-buffer';

/** What one assessment (about once a second) sees, over the last `windowMs`. */
export interface HealthMeasures {
  /** How long media has been live, ms (0 when it is not). */
  readonly liveMs: number;
  /** The span the counts below cover, ms. */
  readonly windowMs: number;
  /** Frames the engine tracked in the window (telemetry messages). */
  readonly framesTracked: number;
  /** Frames the engine dropped in the window (beyond its backlog: it was busy with older ones). */
  readonly framesDropped: number;
  /** Median engine time per frame in the window (`timings.total`), ms. */
  readonly engineMs: number | null;
  /** The browser's audio jitter buffer over the last second (`getStats`), ms. */
  readonly jitterBufferMs: number | null;
}

/** An enter and a leave level: above `enter` the condition starts, below `leave` it ends. */
export interface Hysteresis {
  readonly enter: number;
  readonly leave: number;
}

export interface HealthThresholds {
  /** Media must have been live this long before anything is judged (start-up is slow), ms. */
  readonly warmupMs: number;
  /** Fewer frames (tracked + dropped) than this in the window say nothing about the engine. */
  readonly minFrames: number;
  /** Share of camera frames the engine dropped. */
  readonly dropRatio: Hysteresis;
  /** Median engine time per frame, ms. */
  readonly engineMs: Hysteresis;
  /** Tracked frames per second: below `enter` the video is starved, from `leave` up it is fine. */
  readonly fps: Hysteresis;
  /** Audio jitter buffer, ms. */
  readonly jitterBufferMs: Hysteresis;
  /** Assessments in a row a condition must hold to be shown. */
  readonly enterAfter: number;
  /** Assessments in a row a condition must be gone to be cleared. */
  readonly leaveAfter: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  warmupMs: 3000,
  minFrames: 10,
  dropRatio: { enter: 0.3, leave: 0.1 },
  engineMs: { enter: 150, leave: 80 },
  fps: { enter: 10, leave: 15 },
  jitterBufferMs: { enter: 400, leave: 150 },
  enterAfter: 2,
  leaveAfter: 3,
};

export interface HealthIssue {
  readonly kind: HealthIssueKind;
  readonly title: string;
  /** What is wrong, with the figure, and what to do about it. */
  readonly detail: string;
  /** 'reload-page' when reloading fixes it (a grown jitter buffer only shrinks with a new connection). */
  readonly action?: 'reload-page';
}

interface ConditionState {
  readonly active: boolean;
  /** Assessments in a row that disagreed with `active`. */
  readonly streak: number;
}

/** What the assessment remembers between calls. */
export type HealthState = Readonly<Record<HealthIssueKind, ConditionState>>;

export const INITIAL_HEALTH: HealthState = {
  'engine-overloaded': { active: false, streak: 0 },
  'video-starved': { active: false, streak: 0 },
  'audio-buffer': { active: false, streak: 0 },
};

export interface HealthAssessment {
  readonly state: HealthState;
  /** The conditions shown now, worst first. */
  readonly issues: readonly HealthIssue[];
}

/** true = condition seen, false = clearly gone, null = in between or nothing to judge (keep). */
type Verdict = boolean | null;

/** A measure against its levels; no measure counts as "not seen". */
function above(value: number | null, h: Hysteresis, active: boolean): Verdict {
  if (value === null || !Number.isFinite(value)) return false;
  if (value >= h.enter) return true;
  if (value < h.leave) return false;
  return active ? null : false;
}

function step(previous: ConditionState, verdict: Verdict, t: HealthThresholds): ConditionState {
  if (verdict === null || verdict === previous.active) return { active: previous.active, streak: 0 };
  const streak = previous.streak + 1;
  const needed = verdict ? t.enterAfter : t.leaveAfter;
  return streak >= needed ? { active: verdict, streak: 0 } : { active: previous.active, streak };
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** One assessment: the new state and the warnings to show. */
export function assessHealth(
  previous: HealthState,
  m: HealthMeasures,
  t: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
): HealthAssessment {
  if (m.liveMs <= 0) return { state: INITIAL_HEALTH, issues: [] };
  const warm = m.liveMs >= t.warmupMs;
  const frames = m.framesTracked + m.framesDropped;
  const dropRatio = frames > 0 ? m.framesDropped / frames : 0;
  const fps = m.windowMs > 0 ? (m.framesTracked * 1000) / m.windowMs : 0;
  const windowS = Math.round(m.windowMs / 1000);

  // The engine: drops frames or takes too long on each. Needs enough frames to judge.
  let overloaded: Verdict = null;
  if (warm && frames >= t.minFrames) {
    const wasActive = previous['engine-overloaded'].active;
    const byDrops = above(dropRatio, t.dropRatio, wasActive);
    const bySlowness = above(m.engineMs, t.engineMs, wasActive);
    overloaded = byDrops || bySlowness ? true : byDrops === false && bySlowness === false ? false : null;
  }
  // The video: few frames reach the engine while it keeps up (the sender or the network). An
  // overloaded engine explains a low rate by itself.
  let starved: Verdict = null;
  const engineBusy = overloaded === true || previous['engine-overloaded'].active;
  if (engineBusy) starved = false;
  else if (m.liveMs >= t.warmupMs + m.windowMs) {
    if (fps < t.fps.enter) starved = true;
    else if (fps >= t.fps.leave) starved = false;
    else starved = previous['video-starved'].active ? null : false;
  }
  const buffer = warm ? above(m.jitterBufferMs, t.jitterBufferMs, previous['audio-buffer'].active) : null;

  const state: HealthState = {
    'engine-overloaded': step(previous['engine-overloaded'], overloaded, t),
    'video-starved': step(previous['video-starved'], starved, t),
    'audio-buffer': step(previous['audio-buffer'], buffer, t),
  };

  const issues: HealthIssue[] = [];
  if (state['engine-overloaded'].active) {
    const what: string[] = [];
    if (frames > 0 && dropRatio >= t.dropRatio.leave)
      what.push(`it dropped ${percent(dropRatio)} of the camera frames in the last ${windowS} s`);
    if (m.engineMs !== null && m.engineMs >= t.engineMs.leave)
      what.push(`each frame takes it ${Math.round(m.engineMs)} ms`);
    issues.push({
      kind: 'engine-overloaded',
      title: 'The engine is overloaded',
      detail:
        `${what.length > 0 ? `${capitalize(what.join(' and '))} ` : 'It is falling behind '}` +
        '(the computer it runs on is busy), so hits come late or not at all. Close other sessions or programs on that computer, ' +
        'or start the engine with the lighter hand model (BAMBAM_TRACKER_MODEL=lite).',
    });
  }
  if (state['video-starved'].active) {
    issues.push({
      kind: 'video-starved',
      title: 'Few camera frames reach the engine',
      detail:
        (fps < 1
          ? `No tracked frame came back in the last ${windowS} s: the network, this computer or the engine is struggling. `
          : `Only ${fps.toFixed(0)} frames per second reached the engine in the last ${windowS} s: the network or this computer is struggling to send the video. `) +
        'Close other tabs and programs using the CPU or the network, or move closer to the Wi-Fi.',
    });
  }
  if (state['audio-buffer'].active && m.jitterBufferMs !== null) {
    issues.push({
      kind: 'audio-buffer',
      title: 'The sound lags behind',
      detail:
        `Your audio buffer grew to ${seconds(m.jitterBufferMs)}: the network or this computer is struggling. ` +
        'Reload the page to reset it.',
      action: 'reload-page',
    });
  }
  return { state, issues };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
