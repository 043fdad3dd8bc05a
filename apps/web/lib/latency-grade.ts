/** The latency readout's grade: how the motion → sound figure should read to a player. */
/**
 * How the key figure reads, worse of its two parts: motion → sound up to 150 ms and 20 fps or
 * more play tight (good); up to 300 ms and 10 fps still play (fair); beyond, hits come late or
 * not at all (poor). Colours the figure, so it never shows green while the engine is overloaded.
 */
export function latencyGrade(
  motionToSoundMs: number | null,
  fps: number | null,
): 'good' | 'fair' | 'poor' | 'none' {
  if (motionToSoundMs === null || Number.isNaN(motionToSoundMs)) return 'none';
  const byDelay = motionToSoundMs <= 150 ? 0 : motionToSoundMs <= 300 ? 1 : 2;
  const byRate = fps === null || fps >= 20 ? 0 : fps >= 10 ? 1 : 2;
  return (['good', 'fair', 'poor'] as const)[Math.max(byDelay, byRate)]!;
}
