/**
 * bam-drum: the reference instrument. Bring a hand down and it plays a drum; the faster the
 * stroke, the louder the hit. Each hand is its own drummer.
 *
 * How it decides: it follows each hand's knuckles (steadier than the wrist, which trackers let
 * drift while a hand is still) with the SDK's StrokeDetector, measured in the hand's own size
 * (so a far hand's small strokes count), learning the player's strokes as they play: a short,
 * sharp down-stroke is a hit, once, re-armed on the upswing (rolls count each stroke). Slow
 * drift, reaching, lowering a hand to rest, jitter, tracking glitches and hands appearing don't
 * play. Each stroke also carries `landingT`, when the hand lands (for scheduling the sound).
 */
import {
  centroid,
  DEFAULT_STROKE_OPTIONS,
  definePlugin,
  HandIdentity,
  handScale,
  KNUCKLES,
  StrokeDetector,
  type StrokeDetectorOptions,
} from '@bambam/sdk';

/** The drum kit, as Tone.js patches (rendered once when the plugin loads). */
const sounds = {
  bam: {
    kind: 'tone',
    midi: { note: 35 }, // General MIDI drums
    instrument: 'MembraneSynth',
    note: 'A1',
    duration: 0.35,
    length: 0.8,
    options: {
      pitchDecay: 0.035,
      octaves: 5,
      oscillator: { type: 'sine' },
      envelope: { attack: 0.001, decay: 0.35, sustain: 0, release: 0.1 },
    },
  },
  kick: {
    kind: 'tone',
    midi: { note: 36 }, // General MIDI drums
    instrument: 'MembraneSynth',
    note: 'C1',
    duration: 0.4,
    length: 0.9,
    options: {
      pitchDecay: 0.05,
      octaves: 8,
      envelope: { attack: 0.001, decay: 0.4, sustain: 0, release: 0.2 },
    },
  },
  snare: {
    kind: 'tone',
    midi: { note: 38 }, // General MIDI drums
    instrument: 'NoiseSynth',
    duration: 0.15,
    length: 0.4,
    options: {
      noise: { type: 'white' },
      envelope: { attack: 0.001, decay: 0.18, sustain: 0, release: 0.05 },
    },
  },
  tom: {
    kind: 'tone',
    midi: { note: 45 }, // General MIDI drums
    instrument: 'MembraneSynth',
    note: 'G2',
    duration: 0.45,
    length: 0.9,
    options: {
      pitchDecay: 0.08,
      octaves: 3,
      envelope: { attack: 0.001, decay: 0.45, sustain: 0, release: 0.1 },
    },
  },
  clap: {
    kind: 'tone',
    midi: { note: 39 }, // General MIDI drums
    instrument: 'NoiseSynth',
    duration: 0.1,
    length: 0.3,
    gain: 3, // pink noise renders quietly: bring it level with the other drums
    options: { noise: { type: 'pink' }, envelope: { attack: 0.004, decay: 0.12, sustain: 0, release: 0.05 } },
  },
  hat: {
    kind: 'tone',
    midi: { note: 42 }, // General MIDI drums
    instrument: 'MetalSynth',
    note: 300,
    duration: 0.05,
    length: 0.3,
    gain: 0.5,
    options: {
      harmonicity: 5.1,
      modulationIndex: 32,
      resonance: 4000,
      octaves: 1.5,
      envelope: { attack: 0.001, decay: 0.08, release: 0.02 },
    },
  },
} as const;

/** Names of the drums, for the `sound` param. */
export const DRUMS = ['bam', 'kick', 'snare', 'tom', 'clap', 'hat'] as const;

/**
 * Stroke thresholds for a sensitivity in 0..1: more sensitive = smaller, slower strokes count.
 * 0.5 is the detector's defaults (right for most players). Towards 1 the smallest travel of a
 * stroke (in hand sizes) shrinks to ~0.44×, towards 0 it grows to ~2.3×; the smallest speed
 * moves less (0.76×..1.3×; the early-fire speed 0.9×..1.3×), so that even at 1 a jittery,
 * drifting or resting hand stays silent.
 */
export function strokeThresholds(sensitivity: number): StrokeDetectorOptions {
  const s = Math.min(1, Math.max(0, Number.isFinite(sensitivity) ? sensitivity : 0.5));
  const travel = 2 ** ((0.5 - s) * 2.4);
  const speed = 2 ** ((0.5 - s) * 0.8);
  const d = DEFAULT_STROKE_OPTIONS;
  return {
    minTravel: d.minTravel * travel,
    minSpeed: d.minSpeed * speed,
    // The early speed sits just above a hand lowered to rest: more sensitive may not go far under it.
    earlySpeed: d.earlySpeed * Math.max(0.9, speed),
    earlyTravel: d.earlyTravel * travel,
  };
}

/** A hand not seen for this long is forgotten. */
const FORGET_MS = 1000;

interface Drummer {
  detector: StrokeDetector;
  sensitivity: number;
  lastSeen: number;
}

export default definePlugin({
  name: 'bam-drum',
  version: '1.0.0',
  description:
    'A drum hit when a hand moves down; each hand plays on its own, louder the faster it comes down.',
  author: 'Bam Bam',
  sounds,
  params: {
    sound: {
      type: 'choice',
      choices: DRUMS,
      default: 'bam',
      label: 'Drum',
      description: 'Which drum the hands play.',
    },
    sensitivity: {
      type: 'number',
      min: 0,
      max: 1,
      step: 0.01,
      default: 0.5,
      label: 'Sensitivity',
      description: 'Higher: slower and shorter strokes play too.',
    },
    stereo: {
      type: 'number',
      min: 0,
      max: 1,
      step: 0.01,
      default: 0.5,
      label: 'Stereo width',
      description: 'How far hits are panned towards the side of the hand that played them.',
    },
  },
  state: () => ({ identity: new HandIdentity(), drummers: new Map<number, Drummer>() }),
  onFrame(frame, ctx) {
    const { identity, drummers } = ctx.state;
    const { sensitivity, sound, stereo } = ctx.params;
    for (const hand of identity.assign(frame)) {
      const knuckles = centroid(hand, KNUCKLES);
      if (!knuckles) continue;
      let drummer = drummers.get(hand.id);
      if (!drummer || drummer.sensitivity !== sensitivity) {
        drummer = {
          detector: new StrokeDetector(strokeThresholds(sensitivity)),
          sensitivity,
          lastSeen: frame.t,
        };
        drummers.set(hand.id, drummer);
      }
      drummer.lastSeen = frame.t;
      const stroke = drummer.detector.update(frame.t, knuckles.y, {
        scale: handScale(hand, frame),
        x: (knuckles.x * frame.width) / frame.height,
      });
      if (stroke) {
        // The player sees a mirrored view: the image's left (x = 0) is their right.
        const pan = Math.min(1, Math.max(-1, (0.5 - knuckles.x) * 2 * stereo));
        // Scheduled at the predicted landing: the drum sounds when the hand lands, however early
        // in the stroke the detector was sure (a landing already past plays at once).
        ctx.play(sound, { velocity: stroke.strength, pan, at: stroke.landingT });
      }
    }
    for (const [id, drummer] of drummers) {
      if (frame.t - drummer.lastSeen > FORGET_MS || frame.t < drummer.lastSeen) drummers.delete(id);
    }
  },
});
