/** The starting point for a new instrument in the editor. */

/** Names the engine accepts for saved sources and plugins (`plugin:use`). */
export const PLUGIN_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Why `name` is not a valid plugin name, or null when it is. */
export function pluginNameProblem(name: string): string | null {
  if (!name) return 'Give it a name.';
  if (!PLUGIN_NAME.test(name))
    return 'Use lower-case letters, digits and dashes (e.g. my-bells), at most 64.';
  return null;
}

/** A small, working instrument that shows the SDK's main pieces: sounds, params, state, gestures, log. */
export function pluginTemplate(name: string): string {
  return `import { DEFAULT_STROKE_OPTIONS, definePlugin, HandIdentity, handScale, palmCenter, StrokeDetector } from '@bambam/sdk';

/**
 * ${name}: a bell when a hand moves down — low on the left half of the picture, high on the right.
 * Save (Ctrl/Cmd+S) to hear your changes while you play.
 */
export default definePlugin({
  name: '${name}',
  version: '0.1.0',
  description: 'A bell on each down-stroke: low on the left, high on the right.',
  sounds: {
    low: {
      kind: 'tone',
      instrument: 'FMSynth',
      note: 'C3',
      duration: 0.25,
      options: { modulationIndex: 8, envelope: { attack: 0.002, decay: 0.6, sustain: 0, release: 0.4 } },
    },
    high: {
      kind: 'tone',
      instrument: 'FMSynth',
      note: 'G4',
      duration: 0.25,
      options: { modulationIndex: 12, envelope: { attack: 0.002, decay: 0.5, sustain: 0, release: 0.3 } },
    },
  },
  params: {
    sensitivity: { type: 'number', label: 'Sensitivity', default: 1, min: 0.3, max: 3, step: 0.1 },
    mirror: { type: 'boolean', label: 'Swap sides', default: false },
  },
  state: () => ({ ids: new HandIdentity(), strokes: new Map<number, StrokeDetector>() }),
  onFrame(frame, ctx) {
    for (const hand of ctx.state.ids.assign(frame)) {
      const palm = palmCenter(hand);
      if (!palm) continue;
      let detector = ctx.state.strokes.get(hand.id);
      if (!detector) {
        detector = new StrokeDetector({ minSpeed: DEFAULT_STROKE_OPTIONS.minSpeed / ctx.params.sensitivity });
        ctx.state.strokes.set(hand.id, detector);
      }
      // Distances in hand sizes: a far hand's small strokes count as much as a near one's.
      const stroke = detector.update(frame.t, palm.y, { scale: handScale(hand, frame) });
      if (!stroke) continue;
      // The picture is mirrored in the studio: x < 0.5 is the player's right-hand side.
      const left = palm.x < 0.5 !== ctx.params.mirror;
      // at: when the hand lands (predicted), so the bell sounds on the beat.
      ctx.play(left ? 'low' : 'high', { velocity: stroke.strength, pan: left ? -0.5 : 0.5, at: stroke.landingT });
      ctx.log(\`\${left ? 'low' : 'high'} bell, strength \${stroke.strength.toFixed(2)}\`);
    }
  },
});
`;
}
