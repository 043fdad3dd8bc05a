import path from 'node:path';
import type { NpmRegistryOptions } from './registry-options.ts';

/** The subset of Verdaccio's configuration (its `config.yaml`, as an object) that we set. */
export interface VerdaccioConfig {
  self_path: string;
  storage: string;
  web: { enable: boolean; title: string };
  auth: { htpasswd: { file: string; max_users: number } };
  uplinks: Record<string, { url: string; timeout: string; max_fails: number; fail_timeout: string }>;
  packages: Record<string, { access: string; publish: string; unpublish: string; proxy?: string }>;
  server: { keepAliveTimeout: number };
  max_body_size: string;
  log: { type: 'stdout'; format: 'pretty'; level: string };
}

/** Where the registry's files live inside the data directory. */
export function npmRegistryDir(dataDir: string): string {
  return path.join(dataDir, 'npm');
}

/**
 * Verdaccio's configuration for the box: packages in `<dataDir>/npm/storage`, accounts in an
 * htpasswd file (npm adduser / npm login work as on any registry), reading open to all,
 * publishing for signed-in users. Our scope is served only from here, never proxied.
 */
export function verdaccioConfig(options: NpmRegistryOptions): VerdaccioConfig {
  const dir = npmRegistryDir(options.dataDir);
  const proxy = options.uplink ? { proxy: 'upstream' } : {};
  return {
    self_path: path.join(dir, 'config.yaml'),
    storage: path.join(dir, 'storage'),
    web: { enable: true, title: 'Bam Bam registry' },
    auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: options.maxUsers } },
    uplinks: options.uplink
      ? // npm fetches a package's dependencies many at once: a couple of slow answers must not
        // mark the uplink down (Verdaccio then answers 404 for everything it has not cached).
        { upstream: { url: options.uplink, timeout: '30s', max_fails: 20, fail_timeout: '10s' } }
      : {},
    packages: {
      '@bambam/*': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
      '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated', ...proxy },
    },
    server: { keepAliveTimeout: 60 },
    max_body_size: options.maxBodySize,
    log: { type: 'stdout', format: 'pretty', level: options.logLevel },
  };
}
