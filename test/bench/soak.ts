/**
 * Soak (issue 18): players join and leave a real engine for a long while; what the engine holds
 * must come back to its baseline each time everyone has left (test/lib/soak.ts). Prints the
 * slopes after warm-up (RSS in MB per 10 minutes) and what did not come back.
 *
 * `node --no-node-snapshot bench/soak.ts` — SOAK_MINUTES (default 30; 3 for a short run),
 * SOAK_MAX_PLAYERS (at once, default 3), SOAK_SEED; SOAK_FULL_GC=1 runs a full garbage collection in
 * the engine before each idle sample (a diagnosis: what is still alive, not what V8 keeps).
 */
import { FOUR_STROKES_CLIP, fixturePath } from '../lib/fixtures.ts';
import { DEFAULT_SOAK_OPTIONS, describeSoak, runSoak } from '../lib/soak.ts';

const minutes = Number(process.env.SOAK_MINUTES ?? 30);
const maxPlayers = Number(process.env.SOAK_MAX_PLAYERS ?? DEFAULT_SOAK_OPTIONS.maxPlayers);
const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);

const clipPath = fixturePath(FOUR_STROKES_CLIP);
if (!clipPath) {
  console.log(`bench soak: skipped, fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`);
} else {
  console.log(`bench soak: ${minutes} min, up to ${maxPlayers} players at once, seed ${seed}`);
  const result = await runSoak({
    clipPath,
    minutes,
    maxPlayers,
    seed,
    fullGcAtIdle: process.env.SOAK_FULL_GC === '1',
    log: (line) => console.log(line),
  });
  for (const line of describeSoak(result, minutes)) console.log(`bench ${line}`);
  console.log(
    `  idle points (min rss heap handles children workers sessions): ${result.samples
      .map(
        (s) =>
          `${s.minute.toFixed(1)} ${s.rssMb.toFixed(0)} ${s.heapUsedMb.toFixed(0)} ${s.handles} ${s.children} ${s.workers} ${s.sessions}`,
      )
      .join(' | ')}`,
  );
  const kinds = Object.keys(result.baseline.rssByKind) as (keyof typeof result.baseline.rssByKind)[];
  console.log(
    `  rss by kind, MB (${kinds.join(' ')}): ${result.samples
      .map((s) => `${s.minute.toFixed(1)} ${kinds.map((k) => s.rssByKind[k].toFixed(0)).join(' ')}`)
      .join(' | ')}`,
  );
}
