import { NPM_REGISTRY_SETTING } from './npm-client.ts';

/**
 * The npm registry the engine loads plugins from: `BAMBAM_NPM_REGISTRY`, else the registry in
 * the box that `npm start` runs (`http://127.0.0.1:${REGISTRY_PORT ?? 4873}/`). Any npm
 * registry works: a company's Verdaccio, GitHub Packages, the public one.
 */
export function npmRegistryFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[NPM_REGISTRY_SETTING]?.trim();
  const raw = configured || `http://127.0.0.1:${env.REGISTRY_PORT?.trim() || 4873}/`;
  let url: URL;
  try {
    url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    const from = configured ? NPM_REGISTRY_SETTING : 'REGISTRY_PORT';
    throw new Error(
      `${from} must give an http(s) npm registry URL, got "${configured ?? env.REGISTRY_PORT}".`,
    );
  }
  // npm's convention: a registry URL ends in '/', so relative package paths resolve under it.
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}
