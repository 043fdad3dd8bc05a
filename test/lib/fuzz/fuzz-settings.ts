/**
 * Seeds and run counts for the fuzz suite: bounded in `npm test`, longer with `FUZZ_RUNS`
 * (property runs per property) and `FUZZ_SECONDS` (the RTP fuzzing window); `FUZZ_SEED` replays
 * a printed seed.
 */
export interface FuzzSettings {
  readonly seed: number;
  readonly runs: number;
  readonly rtpSeconds: number;
}

export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const seed = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  const settings = {
    seed,
    runs: env.FUZZ_RUNS ? Number(env.FUZZ_RUNS) : 60,
    rtpSeconds: env.FUZZ_SECONDS ? Number(env.FUZZ_SECONDS) : 12,
  };
  console.log(
    `fuzz: seed ${settings.seed} (FUZZ_SEED=${settings.seed} replays), ${settings.runs} runs per property, RTP for ${settings.rtpSeconds} s`,
  );
  return settings;
}

/** A small deterministic PRNG (mulberry32) for the RTP fuzzer, seeded from the run's seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
