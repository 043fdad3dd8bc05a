/** A throwaway PostgreSQL server for a test; it lives beside the engine's store tests. */
export {
  postgresBinDir,
  postgresMissing,
  type RunningPostgres,
  startPostgres,
} from '../../apps/engine/src/testing/postgres.ts';
