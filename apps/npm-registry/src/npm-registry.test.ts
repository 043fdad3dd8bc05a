import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runNpm } from './npm-command.ts';
import { NpmRegistry } from './npm-registry.ts';
import { loginToRegistry, npmrcAuthLine } from './registry-account.ts';
import { publishableWorkspacePackages } from './workspace-publisher.ts';

describe('the npm registry in the box (real Verdaccio, real npm)', () => {
  let dataDir: string;
  let registry: NpmRegistry;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'bambam-npm-'));
    registry = await NpmRegistry.start({ dataDir, port: 0, uplink: null, logLevel: 'fatal' });
  });
  after(async () => {
    await registry?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function makePackage(name: string, version: string): Promise<string> {
    const dir = path.join(dataDir, `src-${name}-${version}`);
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({
        name,
        version,
        keywords: ['bambam-plugin'],
        description: `${name} drums`,
        files: ['index.js'],
      }),
    );
    await writeFile(path.join(dir, 'index.js'), 'export default 1;\n');
    return dir;
  }

  async function userconfig(token: string | undefined): Promise<string> {
    const file = path.join(dataDir, `npmrc-${Math.random().toString(36).slice(2)}`);
    await writeFile(
      file,
      `registry=${registry.url}\n${token ? `${npmrcAuthLine(registry.url, token)}\n` : ''}`,
    );
    return file;
  }

  test('npm login API gives a token; a wrong password for the same account is refused', async () => {
    const token = await loginToRegistry(registry.url, { name: 'alice', password: 'alice-secret-1' });
    assert.match(token, /\S{10,}/);
    await assert.rejects(
      loginToRegistry(registry.url, { name: 'alice', password: 'not-her-password' }),
      /refused the login of "alice" \((401|409)/,
    );
  });

  test('npm publish with the token, then the packument, the tarball and a keyword search find it', async () => {
    const token = await loginToRegistry(registry.url, { name: 'bob', password: 'bob-secret-12' });
    const dir = await makePackage('bob-drum', '0.1.0');
    await runNpm(['publish'], { cwd: dir, env: { npm_config_userconfig: await userconfig(token) } });
    const packument = (await (await fetch(new URL('bob-drum', registry.url))).json()) as {
      versions: Record<string, { dist: { integrity: string; tarball: string } }>;
    };
    const dist = packument.versions['0.1.0']?.dist;
    assert.match(dist?.integrity ?? '', /^sha512-/);
    const tarball = await fetch(dist!.tarball);
    assert.equal(tarball.status, 200);
    const search = (await (
      await fetch(new URL('-/v1/search?text=keywords:bambam-plugin', registry.url))
    ).json()) as { objects: Array<{ package: { name: string } }> };
    assert.ok(search.objects.some((object) => object.package.name === 'bob-drum'));
  });

  test('publishing without a token is refused, and so is republishing a version', async () => {
    const dir = await makePackage('carol-drum', '0.1.0');
    await assert.rejects(
      runNpm(['publish'], { cwd: dir, env: { npm_config_userconfig: await userconfig(undefined) } }),
      /npm publish failed: .*(E401|ENEEDAUTH|401|need auth)/is,
    );
    const token = await loginToRegistry(registry.url, { name: 'carol', password: 'carol-secret-1' });
    const config = await userconfig(token);
    await runNpm(['publish'], { cwd: dir, env: { npm_config_userconfig: config } });
    await assert.rejects(
      runNpm(['publish'], { cwd: dir, env: { npm_config_userconfig: config } }),
      /npm publish failed: .*(E409|EPUBLISHCONFLICT|409|cannot publish over)/is,
    );
  });

  test('an unknown package is a 404 (no uplink configured: nothing comes from elsewhere)', async () => {
    const response = await fetch(new URL('left-pad', registry.url));
    assert.equal(response.status, 404);
  });
});

test("the workspace's publishable packages are public @bambam/* packages with a files list", async () => {
  const root = path.resolve(import.meta.dirname, '../../..');
  const packages = await publishableWorkspacePackages(root);
  for (const pkg of packages) {
    assert.match(pkg.name, /^@bambam\//);
    assert.match(pkg.version, /^\d+\.\d+\.\d+/);
  }
  assert.ok(!packages.some((pkg) => pkg.name === '@bambam/engine'), 'the engine is private');
});
