/**
 * The studio server's settings: embedded defaults, overridden from the environment.
 *
 * | variable | meaning |
 * |---|---|
 * | `PORT`, `HOST` | where the studio listens (default `3000`, `127.0.0.1`; `0.0.0.0` serves your network) |
 * | `BAMBAM_ENGINE_UPSTREAM` | the engine as this server reaches it, for the proxy (default `http://127.0.0.1:$ENGINE_PORT`, port 3001) |
 * | `BAMBAM_ENGINE_URL` | when set, pages talk to this engine directly instead of through the proxy (served by `/api/config`) |
 * | `BAMBAM_ALLOWED_HOSTS` | names besides localhost the studio answers to (comma-separated), e.g. a LAN address; the engine reads it too |
 * | `BAMBAM_TLS_CERT`, `BAMBAM_TLS_KEY` | PEM files: serve HTTPS (both or neither) |
 */
import { readFileSync } from 'node:fs';
import { allowedHostsFromEnv, HostPolicyError } from './host-policy.ts';

export interface StudioServerConfig {
  readonly port: number;
  readonly host: string;
  /** `next dev` instead of the built studio. */
  readonly dev: boolean;
  /** The engine the proxy forwards to. */
  readonly engineUpstream: string;
  /** `BAMBAM_ENGINE_URL`: the engine pages use directly, or null for the proxy. */
  readonly directEngineUrl: string | null;
  /** Extra host names served, or `'*'` for any. */
  readonly allowedHosts: readonly string[] | '*';
  /** The certificate and key (PEM) to serve HTTPS with, or null for HTTP. */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer; readonly certPath: string } | null;
}

export const DEFAULT_STUDIO_SERVER_CONFIG = {
  port: 3000,
  host: '127.0.0.1',
  enginePort: 3001,
} as const;

/** A setting that cannot be used; the server prints it and exits with code 2. */
export class StudioConfigError extends Error {
  override name = 'StudioConfigError';
}

function portFrom(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new StudioConfigError(`${name}=${value} is not a port number (0–65535)`);
  return port;
}

function readPem(path: string, name: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new StudioConfigError(`${name}: cannot read '${path}' (${(error as Error).message})`);
  }
}

export function studioConfigFromEnv(
  env: NodeJS.ProcessEnv,
  options: { dev?: boolean } = {},
): StudioServerConfig {
  const enginePort = portFrom(env.ENGINE_PORT, 'ENGINE_PORT', DEFAULT_STUDIO_SERVER_CONFIG.enginePort);
  const engineUpstream =
    env.BAMBAM_ENGINE_UPSTREAM?.trim() || `http://127.0.0.1:${enginePort === 0 ? 3001 : enginePort}`;
  try {
    const url = new URL(engineUpstream);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new StudioConfigError(
      `BAMBAM_ENGINE_UPSTREAM=${engineUpstream} is not an http:// or https:// URL (e.g. http://127.0.0.1:3001)`,
    );
  }
  let allowedHosts: readonly string[] | '*';
  try {
    allowedHosts = allowedHostsFromEnv(env.BAMBAM_ALLOWED_HOSTS);
  } catch (error) {
    if (error instanceof HostPolicyError)
      throw new StudioConfigError(`BAMBAM_ALLOWED_HOSTS: ${error.message}`);
    throw error;
  }
  const certPath = env.BAMBAM_TLS_CERT?.trim();
  const keyPath = env.BAMBAM_TLS_KEY?.trim();
  if (Boolean(certPath) !== Boolean(keyPath))
    throw new StudioConfigError(
      'HTTPS needs both BAMBAM_TLS_CERT and BAMBAM_TLS_KEY (PEM files); only one of them is set',
    );
  const tls =
    certPath && keyPath
      ? { cert: readPem(certPath, 'BAMBAM_TLS_CERT'), key: readPem(keyPath, 'BAMBAM_TLS_KEY'), certPath }
      : null;
  return {
    port: portFrom(env.PORT, 'PORT', DEFAULT_STUDIO_SERVER_CONFIG.port),
    host: env.HOST?.trim() || DEFAULT_STUDIO_SERVER_CONFIG.host,
    dev: options.dev ?? false,
    engineUpstream: engineUpstream.replace(/\/+$/, ''),
    directEngineUrl: env.BAMBAM_ENGINE_URL?.trim() || null,
    allowedHosts,
    tls,
  };
}
