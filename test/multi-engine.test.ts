/**
 * Several engines on loopback, as a deployment runs them: a throwaway PostgreSQL (saved
 * sources), one npm registry (Verdaccio, plugins), two engines (child processes) behind Debian's
 * HAProxy (leastconn, health checks on /api/health), the studio's server forwarding to HAProxy,
 * and two Chromium players whose fake camera plays the 4-strokes clip.
 *
 * Players land on both engines; a source saved through one engine is listed by the other and
 * played by a player there; a plugin published once is played on both; when one engine is
 * killed (SIGKILL), its player reconnects through the proxy to the other and hits again — the
 * time from the kill to its first hit is printed. Everything started is stopped afterwards.
 * Skips with the reason when PostgreSQL, HAProxy, Chromium, the fixture or the studio build is missing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loginToRegistry, NpmRegistry } from '@bambam/npm-registry';
import type { Page } from 'playwright-core';
import { type ChromiumSession, chromiumPath, launchChromium } from './lib/chromium.ts';
import { type RunningEngine, startEngine } from './lib/engine.ts';
import { FOUR_STROKES_CLIP, fixturePath } from './lib/fixtures.ts';
import { haproxyMissing, type RunningHaproxy, startHaproxy } from './lib/haproxy.ts';
import { postgresMissing, type RunningPostgres, startPostgres } from './lib/postgres.ts';
import { pageNow, startStudioRecorder, studioHits, waitForLive } from './lib/studio-page.ts';
import { type RunningStudio, startStudio, studioBuilt } from './lib/studio-server.ts';

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const clip = fixturePath(FOUR_STROKES_CLIP);
const skip =
  postgresMissing() ??
  haproxyMissing() ??
  (chromiumPath() ? undefined : 'Chromium not found: apt-get install -y chromium') ??
  (clip ? undefined : `fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`) ??
  (studioBuilt() ? undefined : 'the studio is not built: npm run build -w @bambam/web');

/** bam-drum's real source, renamed and versioned (it hits on the clip's down-strokes). */
async function bamDrumSource(name: string, version: string): Promise<string> {
  const source = await readFile(fileURLToPath(import.meta.resolve('@bambam/bam-drum')), 'utf8');
  return source
    .replace(/name: 'bam-drum'/, `name: '${name}'`)
    .replace(/version: '[^']+'/, `version: '${version}'`);
}

interface Player {
  readonly page: Page;
  /** Index into `engines` of the engine it plays on. */
  engine: number;
}

describe('two engines behind HAProxy, one PostgreSQL, one npm registry', { skip, timeout: 420_000 }, () => {
  let postgres: RunningPostgres | undefined;
  let registry: NpmRegistry | undefined;
  let registryDir: string | undefined;
  let token = '';
  const engines: RunningEngine[] = [];
  let proxy: RunningHaproxy | undefined;
  let studio: RunningStudio | undefined;
  let chromium: ChromiumSession | undefined;
  const players: Player[] = [];
  let setupError: Error | undefined;
  let failed = false;

  /** Sessions per engine, from each engine's /api/health (a dead engine counts -1). */
  const sessionsPerEngine = () =>
    Promise.all(
      engines.map(async (engine) => {
        if (!engine.alive) return -1;
        const { text } = await engine.get('/api/health');
        return (JSON.parse(text) as { sessions: number }).sessions;
      }),
    );

  async function waitForSessions(expected: number[], timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: number[] = [];
    while (Date.now() < deadline) {
      last = await sessionsPerEngine();
      if (JSON.stringify(last) === JSON.stringify(expected)) return;
      await delay(200);
    }
    assert.deepEqual(last, expected, 'sessions per engine');
  }

  /** Opens /play through the studio and finds which engine took the new session. */
  async function addPlayer(): Promise<Player> {
    const before = await sessionsPerEngine();
    // Each player is its own browser in real life: no engine cookie from an earlier player.
    await chromium!.context.clearCookies();
    const page = await chromium!.newPage();
    await page.goto(`${studio!.url}/play?autostart=1`, { timeout: 30_000 });
    await waitForLive(page, 60_000);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const now = await sessionsPerEngine();
      const grew = now.findIndex((n, i) => n > before[i]!);
      if (grew >= 0) {
        const player = { page, engine: grew };
        players.push(player);
        return player;
      }
      if (Date.now() > deadline) throw new Error(`no engine gained a session: ${before} → ${now}`);
      await delay(100);
    }
  }

  const usePlugin = (page: Page, name: string) =>
    page.evaluate((plugin) => (window as Any).__bambamStudio.usePlugin(plugin), name) as Promise<{
      ok: boolean;
      error?: { message: string };
      plugin?: { name: string };
    }>;

  /** Hits heard by the page since its clock read `since`, waiting up to `timeoutMs` for `count`. */
  async function hitsSince(page: Page, since: number, count: number, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let hits: { at: number }[] = [];
    while (Date.now() < deadline) {
      hits = await studioHits(page, since);
      if (hits.length >= count) break;
      await delay(250);
    }
    return hits;
  }

  before(async () => {
    try {
      postgres = await startPostgres();
      registryDir = await mkdtemp(path.join(os.tmpdir(), 'bambam-multi-registry-'));
      registry = await NpmRegistry.start({ dataDir: registryDir, port: 0, uplink: null, logLevel: 'fatal' });
      token = await loginToRegistry(registry.url, { name: 'multi', password: 'multi-secret-1' });
      const env = {
        BAMBAM_DATABASE_URL: postgres.url,
        BAMBAM_NPM_REGISTRY: registry.url,
        BAMBAM_MAX_SESSIONS: '4',
        BAMBAM_TRACKER_WORKERS: '1',
      };
      engines.push(...(await Promise.all([startEngine({ env }), startEngine({ env })])));
      proxy = await startHaproxy({ servers: engines.map((e) => e.url) });
      await proxy.waitForUp(2);
      studio = await startStudio({ engineUrl: proxy.url });
      chromium = await launchChromium({ fakeVideo: clip! });
    } catch (error) {
      setupError = error as Error;
    }
  });

  after(async () => {
    if (failed || setupError) {
      engines.forEach((engine, i) => {
        process.stderr.write(`\n--- engine ${i + 1} output (tail) ---\n${engine.output().slice(-3000)}\n`);
      });
      if (proxy) process.stderr.write(`--- haproxy ---\n${proxy.output().slice(-2000)}\n`);
      if (studio) process.stderr.write(`--- studio (tail) ---\n${studio.output().slice(-2000)}\n`);
    }
    await chromium?.close();
    await studio?.dispose();
    await proxy?.dispose();
    await Promise.all(engines.map((e) => e.dispose()));
    await registry?.dispose();
    if (registryDir) await rm(registryDir, { recursive: true, force: true });
    await postgres?.dispose();
  });

  /** Fails the test when setup failed; marks the suite failed on any error (outputs printed). */
  async function guard(t: TestContext, body: () => Promise<void>): Promise<void> {
    if (setupError) {
      failed = true;
      throw new Error(`setup failed: ${setupError.stack ?? setupError.message}`);
    }
    try {
      await body();
    } catch (error) {
      failed = true;
      throw error;
    }
    void t;
  }

  it('two players through the proxy land on both engines', (t) =>
    guard(t, async () => {
      const states = await proxy!.servers();
      assert.deepEqual(
        states.map((s) => s.status),
        ['UP', 'UP'],
      );
      const first = await addPlayer();
      const second = await addPlayer();
      assert.notEqual(first.engine, second.engine, 'leastconn sends the second player to the other engine');
      await waitForSessions([1, 1]);
    }));

  it("a workspace's source saved through one engine is seen through the other with the same cookie, and played there", (t) =>
    guard(t, async () => {
      const [a, b] = engines;
      const source = await bamDrumSource('shared-beat', '0.1.0');
      const saved = await fetch(`${a!.url}/api/sources/shared-beat`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source }),
      });
      assert.equal(saved.status, 200);
      const cookie = saved.headers.getSetCookie()[0]?.split(';')[0];
      assert.match(cookie ?? '', /^bambam_workspace=/, 'engine A gave this client a workspace');
      const listed = (await (
        await fetch(`${b!.url}/api/sources`, { headers: { cookie: cookie! } })
      ).json()) as {
        name: string;
        source: string;
      }[];
      assert.equal(listed.find((s) => s.name === 'shared-beat')?.source, source, 'engine B, same cookie');
      const stranger = await fetch(`${b!.url}/api/sources/shared-beat`);
      assert.equal(stranger.status, 404, 'another workspace on engine B does not see it');
      // The studio plays a saved source by sending its text (plugin:load): plugin:use names no workspace.
      const onB = players.find((p) => p.engine === 1)!;
      const ack = (await onB.page.evaluate(
        (text) => (window as Any).__bambamStudio.loadPlugin(text, 'shared-beat.ts'),
        source,
      )) as { ok: boolean; plugin?: { name: string }; error?: { message: string } };
      assert.ok(ack.ok, `plugin:load shared-beat on engine 2: ${ack.error?.message}`);
      assert.equal(ack.plugin?.name, 'shared-beat');
    }));

  it('a plugin published once is played on both engines', (t) =>
    guard(t, async () => {
      const source = await bamDrumSource('multi-drum', '1.0.0');
      const published = await fetch(`${engines[0]!.url}/api/plugins`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ source }),
      });
      assert.equal(published.status, 201, await published.clone().text());
      // Each engine verifies and caches it once (download, integrity, sandbox check, sounds), as
      // a player's first plugin:use would; on a starved box that can pass plugin:use's 10 s ack.
      for (const engine of engines) {
        const resolved = await fetch(`${engine.url}/api/plugins/multi-drum/resolve?range=^1.0.0`, {
          signal: AbortSignal.timeout(90_000),
        });
        assert.equal(resolved.status, 200, await resolved.clone().text());
      }
      for (const player of players) {
        await startStudioRecorder(player.page);
        const ack = await usePlugin(player.page, 'multi-drum');
        assert.ok(ack.ok, `plugin:use multi-drum on engine ${player.engine + 1}: ${ack.error?.message}`);
        assert.equal(ack.plugin?.name, 'multi-drum');
      }
      for (const player of players) {
        const since = await pageNow(player.page);
        const hits = await hitsSince(player.page, since, 1, 45_000);
        // The published plugin sounds on this engine (a starved box may lose some strokes).
        assert.ok(
          hits.length >= 1,
          `player on engine ${player.engine + 1} heard no hit of multi-drum in 45 s`,
        );
      }
    }));

  it('an engine killed: its player reconnects through the proxy to the other and plays again', (t) =>
    guard(t, async () => {
      const victim = players.find((p) => p.engine === 0)!;
      const killedAt = await pageNow(victim.page);
      process.kill(engines[0]!.pid, 'SIGKILL');
      // When the page's link and media came back (for the printed breakdown).
      const phases = victim.page.evaluate(async (start) => {
        const client = (window as Any).__bambamStudio;
        const seen: Record<string, number> = {};
        while (Date.now() - start < 45_000 && !seen.live) {
          const { link, media } = client.snapshot;
          if (link !== 'connected' && !seen.lost) seen.lost = Date.now() - start;
          if (seen.lost !== undefined && link === 'connected' && !seen.connected)
            seen.connected = Date.now() - start;
          if (seen.connected !== undefined && media === 'live') seen.live = Date.now() - start;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return seen;
      }, killedAt);
      const hits = await hitsSince(victim.page, killedAt, 1, 45_000);
      assert.ok(hits.length >= 1, 'the moved player hit again within 45 s');
      const seconds = (hits[0]!.at - killedAt) / 1000;
      const seen = await phases;
      const at = (ms?: number) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`);
      console.log(
        `# multi-engine: kill → first hit on the other engine: ${seconds.toFixed(2)} s ` +
          `(link lost ${at(seen.lost)}, reconnected ${at(seen.connected)}, media live ${at(seen.live)})`,
      );
      await waitForSessions([-1, 2]);
      const plugin = await victim.page.evaluate(() => (window as Any).__bambamStudio.snapshot.plugin?.name);
      assert.equal(plugin, 'multi-drum', 'the instrument came back after the move');
      const states = await proxy!.servers();
      assert.match(states[0]!.status, /DOWN/);
    }));
});
