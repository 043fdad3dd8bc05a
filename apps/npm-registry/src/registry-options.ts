import path from 'node:path';

/** How the registry in the box runs. Every field has a default in `DEFAULT_NPM_REGISTRY_OPTIONS`. */
export interface NpmRegistryOptions {
  /** Where packages, users and the registry's own state live (`<dataDir>/npm`). */
  dataDir: string;
  /** TCP port; 0 picks a free one (tests). Env `REGISTRY_PORT`. */
  port: number;
  /** Interface to listen on. Env `HOST` (as the engine and studio). */
  host: string;
  /**
   * The registry that packages this one does not hold are fetched from (and cached), e.g.
   * `https://registry.npmjs.org/`; `null` = none (fully offline: only what was published here).
   * Env `BAMBAM_REGISTRY_UPLINK` (`off` for none). `@bambam/*` is never fetched from it, so an
   * uplink can never answer for our own scope.
   */
  uplink: string | null;
  /** How many accounts `npm adduser` may create (0 closes sign-up). Env `BAMBAM_REGISTRY_MAX_USERS`. */
  maxUsers: number;
  /** Largest upload (a publish), in Verdaccio's notation. */
  maxBodySize: string;
  /** Verdaccio's own log level (`warn` keeps `npm start` readable). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'http' | 'debug' | 'trace';
}

export const DEFAULT_NPM_REGISTRY_OPTIONS: NpmRegistryOptions = {
  dataDir: path.resolve(import.meta.dirname, '../../../.data'),
  port: 4873,
  host: '127.0.0.1',
  uplink: 'https://registry.npmjs.org/',
  maxUsers: 1000,
  maxBodySize: '20mb',
  logLevel: 'warn',
};

/** Options from the environment (what `npm start` passes), over the defaults. */
export function npmRegistryOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): NpmRegistryOptions {
  const options = { ...DEFAULT_NPM_REGISTRY_OPTIONS };
  if (env.BAMBAM_DATA_DIR?.trim()) options.dataDir = path.resolve(env.BAMBAM_DATA_DIR.trim());
  if (env.REGISTRY_PORT?.trim()) {
    const port = Number(env.REGISTRY_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`REGISTRY_PORT must be a port number (0–65535), got "${env.REGISTRY_PORT}".`);
    }
    options.port = port;
  }
  if (env.HOST?.trim()) options.host = env.HOST.trim();
  const uplink = env.BAMBAM_REGISTRY_UPLINK?.trim() ?? env.npm_config_registry?.trim();
  if (uplink !== undefined && uplink !== '') {
    if (uplink === 'off' || uplink === 'none') options.uplink = null;
    else {
      try {
        const url = new URL(uplink);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
        options.uplink = url.href;
      } catch {
        throw new Error(`BAMBAM_REGISTRY_UPLINK must be an http(s) URL or "off", got "${uplink}".`);
      }
    }
  }
  if (env.BAMBAM_REGISTRY_MAX_USERS?.trim()) {
    const max = Number(env.BAMBAM_REGISTRY_MAX_USERS);
    if (!Number.isInteger(max) || max < 0) {
      throw new Error(
        `BAMBAM_REGISTRY_MAX_USERS must be a whole number ≥ 0, got "${env.BAMBAM_REGISTRY_MAX_USERS}".`,
      );
    }
    options.maxUsers = max;
  }
  return options;
}
