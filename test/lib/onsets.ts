/**
 * Finds hits (onsets) in received PCM: a peak-follower envelope (fast attack, slow release, so
 * a low drum's zero crossings do not read as silence), a trigger threshold over
 * the signal's noise floor, hysteresis plus a refractory period so one hit counts once, and a
 * refinement step that puts the onset at the hit's attack rather than at the first energy.
 *
 * Opus smears a little energy just before each transient (pre-echo). The trigger may fire on
 * it, but the onset is then placed where the signal first reaches `attackFraction` of the hit's
 * peak, so the smear (far below the peak) does not pull the onset earlier.
 *
 * A sound cut by a dropout (the receiver had no packets and faded it out, then played the rest)
 * comes back at about the level it was cut at: that is a dropout, reported apart, not a hit. The
 * cut shows either as silence or as a fall faster than any sound here decays (`cutDb` within
 * 30 ms: the receiver's fade-out; a drum's tail falls 3–7 dB in 30 ms); the fade may stop short
 * of silence before the rest comes back. A new hit comes back far louder than the tail it follows.
 */

export interface OnsetOptions {
  /** Envelope window (and hop), ms. Default 2.5. */
  readonly windowMs?: number;
  /** Release time constant of the peak follower, ms: longer than half the lowest period. Default 30. */
  readonly releaseMs?: number;
  /** Trigger level above the noise floor, dB. Default 18. */
  readonly thresholdDb?: number;
  /** Never trigger below this absolute level, dBFS (envelope peak). Default -40. */
  readonly minLevelDb?: number;
  /** Percentile of envelope windows taken as the noise floor, 0..1. Default 0.1. */
  readonly floorPercentile?: number;
  /** After an onset, no other onset for this long, ms. Default 150. */
  readonly refractoryMs?: number;
  /** Once armed, the envelope must have fallen below threshold minus this much to re-trigger, dB. Default 6. */
  readonly hysteresisDb?: number;
  /**
   * A hit that lands on the decay of the previous one (the envelope never fell below threshold)
   * is still detected when the envelope jumps by this much within 10 ms, dB. Default 12.
   */
  readonly riseDb?: number;
  /** The hit's peak is searched this long after the trigger, ms. Default 40. */
  readonly peakWindowMs?: number;
  /** The onset is the first sample reaching this fraction of the hit's peak amplitude. Default 0.25. */
  readonly attackFraction?: number;
  /**
   * Sound coming back within this long after it fell silent, no louder than it was just before
   * (see `resumeRiseDb`), is the rest of a sound cut by a dropout, not a hit, ms. Default 300.
   */
  readonly resumeWithinMs?: number;
  /**
   * How much louder than its level in the 60 ms before it fell silent a sound coming back may be
   * and still be a dropout's rest, dB (levels as sample peaks over 10 ms). Default 6.
   */
  readonly resumeRiseDb?: number;
  /**
   * A fall of at least this much within 30 ms (levels as sample peaks over 10 ms) is a cut, like
   * a fall into silence: sound coming back within `resumeWithinMs` no louder than before the fall
   * (see `resumeRiseDb`) is a dropout's rest, dB. Default 12.
   */
  readonly cutDb?: number;
}

export interface Onset {
  /** Index of the onset's first sample. */
  readonly sample: number;
  /** `sample` in ms from the start of the signal. */
  readonly timeMs: number;
  /** Peak absolute sample value of the hit. */
  readonly peak: number;
  /** Envelope level of the hit's loudest window, dBFS. */
  readonly levelDb: number;
}

/** A sound that was cut (fell silent, or faded fast) and came back at the level it was cut at (see `resumeWithinMs`). */
export interface Dropout {
  /** When the sound fell below the re-arm level, or (a fast fall) the start of the 30 ms it fell in, ms from the start of the signal. */
  readonly fromMs: number;
  /** When the sound came back, ms. */
  readonly toMs: number;
  /** Loudest sample peak in the 60 ms before the silence or the fall, dBFS. */
  readonly beforeDb: number;
  /** Loudest sample peak of the sound that came back (over `peakWindowMs`), dBFS. */
  readonly afterDb: number;
}

export interface OnsetAnalysis {
  readonly onsets: Onset[];
  /** Sounds cut and resumed: not counted as onsets. */
  readonly dropouts: Dropout[];
  /** The noise floor the threshold was set from, dBFS. */
  readonly floorDb: number;
  /** The trigger level used, dBFS. */
  readonly thresholdDb: number;
}

const DEFAULTS = {
  windowMs: 2.5,
  releaseMs: 30,
  thresholdDb: 18,
  minLevelDb: -40,
  floorPercentile: 0.1,
  refractoryMs: 150,
  hysteresisDb: 6,
  riseDb: 12,
  peakWindowMs: 40,
  attackFraction: 0.25,
  resumeWithinMs: 300,
  resumeRiseDb: 6,
  cutDb: 12,
} satisfies Required<OnsetOptions>;

const toDb = (amplitude: number) => 20 * Math.log10(Math.max(amplitude, 1e-9));
const fromDb = (db: number) => 10 ** (db / 20);

/**
 * Envelope of consecutive windows of `size` samples: the maximum, over each window, of a peak
 * follower that jumps to |x| and decays with time constant `releaseSamples` (0: no release, each
 * window's own sample peak).
 */
export function peakEnvelope(samples: ArrayLike<number>, size: number, releaseSamples: number): Float64Array {
  const count = Math.ceil(samples.length / size);
  const envelope = new Float64Array(count);
  const decay = releaseSamples > 0 ? Math.exp(-1 / Math.max(1, releaseSamples)) : 0;
  let follower = 0;
  for (let w = 0; w < count; w++) {
    const end = Math.min((w + 1) * size, samples.length);
    let max = 0;
    for (let i = w * size; i < end; i++) {
      follower = Math.max(Math.abs(samples[i]), follower * decay);
      if (follower > max) max = follower;
    }
    envelope[w] = max;
  }
  return envelope;
}

/** Detects onsets in mono PCM (floats in -1..1). Throws on a bad sample rate or option. */
export function detectOnsets(
  samples: ArrayLike<number>,
  sampleRate: number,
  options: OnsetOptions = {},
): OnsetAnalysis {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new RangeError(`detectOnsets: sample rate must be a positive number, got ${sampleRate}`);
  }
  const o = { ...DEFAULTS, ...options };
  if (!(o.attackFraction > 0 && o.attackFraction <= 1)) {
    throw new RangeError(`detectOnsets: attackFraction must be in (0, 1], got ${o.attackFraction}`);
  }
  const size = Math.max(1, Math.round((o.windowMs * sampleRate) / 1000));
  const envelope = peakEnvelope(samples, size, (o.releaseMs * sampleRate) / 1000);
  if (envelope.length === 0) return { onsets: [], dropouts: [], floorDb: -180, thresholdDb: o.minLevelDb };

  const sorted = Float64Array.from(envelope).sort();
  const floor = sorted[Math.min(sorted.length - 1, Math.floor(o.floorPercentile * sorted.length))];
  const floorDb = toDb(floor);
  const thresholdDb = Math.max(floorDb + o.thresholdDb, o.minLevelDb);
  const threshold = fromDb(thresholdDb);
  const rearm = fromDb(thresholdDb - o.hysteresisDb);
  const rise = fromDb(o.riseDb);
  const riseWindows = Math.max(1, Math.round(10 / o.windowMs));
  const refractory = Math.round((o.refractoryMs * sampleRate) / 1000);
  const peakWindows = Math.max(1, Math.round(o.peakWindowMs / o.windowMs));
  const beforeWindows = Math.max(1, Math.round(60 / o.windowMs));
  // The sound's level without the follower's release, so a cut shows where it happened: each
  // window's sample peak, and the loudest over the last 10 ms (a low drum's zero crossings do
  // not dip in that).
  const rawPeak = peakEnvelope(samples, size, 0);
  const level10ms = rawPeak.map((_, w) =>
    Math.max(...rawPeak.subarray(Math.max(0, w - riseWindows + 1), w + 1)),
  );
  const resumeWindows = o.resumeWithinMs / o.windowMs;
  const resumeRise = fromDb(o.resumeRiseDb);
  const cut = fromDb(o.cutDb);
  const fallWindows = Math.max(1, Math.round(30 / o.windowMs));
  const msOf = (window: number) => window * o.windowMs;

  const onsets: Onset[] = [];
  const dropouts: Dropout[] = [];
  let armed = true;
  let lastOnset = Number.NEGATIVE_INFINITY;
  /** Where the last sound fell silent (below the re-arm level), and how loud it was just before. */
  let silentFrom = Number.NEGATIVE_INFINITY;
  let levelBeforeSilence = 0;
  /** Where the last fast fall began, and how loud the sound was in the 60 ms before it. */
  let fallFrom = Number.NEGATIVE_INFINITY;
  let levelBeforeFall = 0;
  for (let w = 0; w < envelope.length; w++) {
    const level = envelope[w];
    const fallStart = w - fallWindows;
    if (
      fallStart > fallFrom + fallWindows &&
      level10ms[fallStart]! >= threshold &&
      level10ms[w]! * cut <= level10ms[fallStart]!
    ) {
      fallFrom = fallStart;
      levelBeforeFall = Math.max(
        ...level10ms.subarray(Math.max(0, fallStart - beforeWindows), fallStart + 1),
      );
    }
    if (!armed && level < rearm) {
      armed = true;
      // The sound itself went quiet before its envelope did (the follower releases slowly).
      let quiet = w;
      while (quiet > 0 && level10ms[quiet - 1]! < rearm) quiet--;
      silentFrom = quiet;
      levelBeforeSilence = Math.max(0, ...level10ms.subarray(Math.max(0, quiet - beforeWindows), quiet));
    }
    if (level < threshold) continue;
    let recentMin = Number.POSITIVE_INFINITY;
    for (let k = Math.max(0, w - riseWindows); k < w; k++) recentMin = Math.min(recentMin, envelope[k]);
    const jumped = level >= recentMin * rise;
    if (!armed && !jumped) continue;
    if (w * size - lastOnset < refractory) continue;

    // The hit's loudest window shortly after the trigger, then back to where its attack begins.
    let peakWindow = w;
    for (let k = w; k < Math.min(envelope.length, w + peakWindows); k++) {
      if (envelope[k] > envelope[peakWindow]) peakWindow = k;
    }
    const cameBack = Math.max(...rawPeak.subarray(w, peakWindow + 1));
    const afterSilence =
      armed && w - silentFrom <= resumeWindows && cameBack <= levelBeforeSilence * resumeRise;
    const afterFall = w - fallFrom <= resumeWindows && cameBack <= levelBeforeFall * resumeRise;
    if (afterSilence || afterFall) {
      const [from, before] = afterSilence ? [silentFrom, levelBeforeSilence] : [fallFrom, levelBeforeFall];
      dropouts.push({ fromMs: msOf(from), toMs: msOf(w), beforeDb: toDb(before), afterDb: toDb(cameBack) });
      // That cut is explained: a later hit is not measured against it.
      silentFrom = fallFrom = Number.NEGATIVE_INFINITY;
      armed = false;
      // Past its rise too, so that coming back out of silence does not read as a jump.
      w = Math.max(peakWindow, w + riseWindows);
      continue;
    }
    const peakEnd = Math.min(samples.length, (peakWindow + 1) * size);
    let peak = 0;
    for (let i = w * size; i < peakEnd; i++) peak = Math.max(peak, Math.abs(samples[i]));
    // The trigger is window-coarse: the attack may have begun in the window before it.
    const attack = o.attackFraction * peak;
    let sample = Math.max(0, (w - 1) * size, Math.ceil(lastOnset + refractory));
    while (sample < peakEnd - 1 && Math.abs(samples[sample]) < attack) sample++;

    onsets.push({ sample, timeMs: (sample * 1000) / sampleRate, peak, levelDb: toDb(envelope[peakWindow]) });
    lastOnset = sample;
    armed = false;
    // Skip the rest of this hit's rise so its own peak does not count as a jump.
    w = Math.max(w, peakWindow);
  }
  return { onsets, dropouts, floorDb, thresholdDb };
}
