import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runNpm } from './npm-command.ts';
import { loginToRegistry, npmrcAuthLine } from './registry-account.ts';
import { npmRegistryDir } from './verdaccio-config.ts';

/** A workspace package that goes to the registry: public, in our scope, made to be packed (`files`). */
export interface PublishablePackage {
  name: string;
  version: string;
  dir: string;
}

export type PublishOutcome = 'published' | 'republished' | 'unchanged';

export interface WorkspacePublishReport {
  name: string;
  version: string;
  outcome: PublishOutcome;
  /** The tarball's `sha512-…` integrity, as npm computed it. */
  integrity: string;
}

export interface WorkspacePublisherOptions {
  /** The monorepo's root (its package.json lists the workspaces). */
  root: string;
  registryUrl: string;
  /** The registry's data directory (the publisher's account lives there). */
  dataDir: string;
  onProgress?: (line: string) => void;
}

/** The account that publishes the workspace's packages; its password is made once and kept. */
const PUBLISHER_NAME = 'bambam-workspace';

/** The root's workspaces that are public `@bambam/*` packages with a `files` list, in the root's order. */
export async function publishableWorkspacePackages(root: string): Promise<PublishablePackage[]> {
  const rootManifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
    workspaces?: string[];
  };
  const found: PublishablePackage[] = [];
  for (const pattern of rootManifest.workspaces ?? []) {
    const dirs = pattern.endsWith('/*')
      ? await listDirs(path.join(root, pattern.slice(0, -2)))
      : [path.join(root, pattern)];
    for (const dir of dirs) {
      const manifest = await readJson(path.join(dir, 'package.json'));
      if (!manifest || manifest.private === true) continue;
      if (typeof manifest.name !== 'string' || !manifest.name.startsWith('@bambam/')) continue;
      if (!Array.isArray(manifest.files)) continue;
      found.push({ name: manifest.name, version: String(manifest.version), dir });
    }
  }
  return found;
}

/**
 * Publishes the workspace's built `@bambam/*` packages to the registry in the box when they
 * changed: each is packed with `npm pack`; a version the registry already holds with the same
 * shasum is left alone; the same version with other bytes (a rebuilt SDK) replaces it there, so
 * a local author always installs what this checkout builds. Only for the box's own registry:
 * releasing to the public registry is `npm publish` per package (see the README).
 */
export async function publishWorkspacePackages(
  options: WorkspacePublisherOptions,
): Promise<WorkspacePublishReport[]> {
  const packages = await publishableWorkspacePackages(options.root);
  if (packages.length === 0) return [];
  const work = await mkdtemp(path.join(tmpdir(), 'bambam-publish-'));
  try {
    const token = await loginToRegistry(options.registryUrl, await publisherAccount(options.dataDir));
    const userconfig = path.join(work, '.npmrc');
    await writeFile(
      userconfig,
      `registry=${options.registryUrl}\n${npmrcAuthLine(options.registryUrl, token)}\n`,
      { mode: 0o600 },
    );
    const npmEnv = { npm_config_userconfig: userconfig, npm_config_registry: options.registryUrl };
    const reports: WorkspacePublishReport[] = [];
    for (const pkg of packages) {
      const { stdout } = await runNpm(['pack', '--json', '--pack-destination', work, pkg.dir], {
        cwd: work,
        env: npmEnv,
      });
      const [packed] = JSON.parse(stdout) as Array<{ filename: string; shasum: string; integrity: string }>;
      if (!packed) throw new Error(`npm pack of ${pkg.name} printed nothing`);
      const existing = await publishedShasum(options.registryUrl, pkg.name, pkg.version);
      let outcome: PublishOutcome = 'published';
      if (existing === packed.shasum) outcome = 'unchanged';
      else {
        if (existing !== undefined) {
          await runNpm(['unpublish', `${pkg.name}@${pkg.version}`, '--force'], { cwd: work, env: npmEnv });
          outcome = 'republished';
        }
        await runNpm(['publish', path.join(work, packed.filename), '--tag', 'latest', '--access', 'public'], {
          cwd: work,
          env: npmEnv,
        });
      }
      options.onProgress?.(`${pkg.name}@${pkg.version} ${outcome}`);
      reports.push({ name: pkg.name, version: pkg.version, outcome, integrity: packed.integrity });
    }
    return reports;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function publishedShasum(
  registryUrl: string,
  name: string,
  version: string,
): Promise<string | undefined> {
  const url = new URL(name.replace('/', '%2f'), registryUrl);
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`The npm registry answered ${response.status} for ${name}`);
  const packument = (await response.json()) as { versions?: Record<string, { dist?: { shasum?: string } }> };
  return packument.versions?.[version]?.dist?.shasum;
}

async function publisherAccount(dataDir: string): Promise<{ name: string; password: string }> {
  const file = path.join(npmRegistryDir(dataDir), 'workspace-publisher.json');
  const saved = await readJson(file);
  if (saved && typeof saved.password === 'string') return { name: PUBLISHER_NAME, password: saved.password };
  const password = randomBytes(24).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ name: PUBLISHER_NAME, password })}\n`, { mode: 0o600 });
  return { name: PUBLISHER_NAME, password };
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(dir, entry.name));
  } catch {
    return [];
  }
}
