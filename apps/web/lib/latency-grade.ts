/**
 * The latency readout's grade: how its key figure reads to a player, the worse of its two
 * parts. Motion → sound up to 150 ms at 20 fps or more plays tight (good); up to 300 ms at
 * 10 fps still plays (fair); beyond, hits come late or not at all (poor). It colours the
 * figure, so the figure never shows green while the engine is overloaded.
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
