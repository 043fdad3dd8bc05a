/**
 * Two ways to get a detector's hits on a corpus recording: the plugin itself through the real
 * sandbox runtime (what `bambam run` does), or a bare {@link StrokeDetector} per hand, in
 * process, for fast iteration on the detector.
 */

import type { CompiledPlugin, PluginSandbox } from '@bambam/runtime';
import {
  centroid,
  type Frame,
  HandIdentity,
  handScale,
  KNUCKLES,
  StrokeDetector,
  type StrokeDetectorOptions,
} from '@bambam/sdk';
import type { CorpusRecording } from './generate.ts';
import type { Hit } from './score.ts';

/** Bare detectors, one per hand, fed the knuckles' height and the hand's size, as bam-drum does. */
export function detectorHits(recording: CorpusRecording, options: StrokeDetectorOptions = {}): Hit[] {
  const identity = new HandIdentity();
  const detectors = new Map<number, StrokeDetector>();
  const hits: Hit[] = [];
  for (const frame of recording.frames) {
    for (const hand of identity.assign(frame)) {
      const knuckles = centroid(hand, KNUCKLES);
      if (!knuckles) continue;
      let detector = detectors.get(hand.id);
      if (!detector) {
        detector = new StrokeDetector(options);
        detectors.set(hand.id, detector);
      }
      const stroke = detector.update(frame.t, knuckles.y, {
        scale: handScale(hand, frame),
        x: (knuckles.x * frame.width) / frame.height,
      });
      if (stroke) hits.push({ t: stroke.t, landingT: stroke.landingT, x: knuckles.x });
    }
  }
  return hits;
}

/** Loads a compiled plugin once, with full stereo so that a hit's pan says where its hand was. */
export async function loadSandbox(
  compiled: CompiledPlugin,
  params: Record<string, unknown> = {},
): Promise<PluginSandbox> {
  const { PluginSandbox, DEFAULT_SANDBOX_LIMITS } = await import('@bambam/runtime');
  const limits = {
    // Offline: a frame must never be lost to a starved machine (a 50 ms budget was, at load 10).
    frameBudgetMs: 1000,
    cpuBudget: {
      windowMs: DEFAULT_SANDBOX_LIMITS.cpuBudget.windowMs,
      maxMs: DEFAULT_SANDBOX_LIMITS.cpuBudget.windowMs,
    },
  };
  return PluginSandbox.load(compiled, { limits, params: { stereo: 1, ...params } });
}

/** The plugin's hits on a recording, through the sandbox (its state reset first). */
export async function sandboxHits(sandbox: PluginSandbox, frames: readonly Frame[]): Promise<Hit[]> {
  await sandbox.reset();
  const hits: Hit[] = [];
  for (const frame of frames) {
    for (const event of await sandbox.onFrame(frame)) {
      // `at` (when the sound lands) once the runtime carries it; the frame's time until then.
      const at = (event as { at?: number }).at;
      hits.push({ t: event.t, landingT: at ?? event.t, x: 0.5 - event.pan / 2 });
    }
  }
  return hits;
}
