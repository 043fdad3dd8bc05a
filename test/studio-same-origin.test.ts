/**
 * The studio serves the engine under its own origin (apps/web/server.ts): pages opened by any
 * name, port or scheme reach the engine's API and socket.io through the studio, with no CORS
 * setting, while foreign pages are refused.
 *
 * - HTTP on 127.0.0.1 with an engine that does NOT list the studio's origin: /play plays (hits
 *   heard), /edit lists sources, /plugins lists plugins — all through the studio's proxy.
 *   A foreign Origin, `Origin: null` or an unknown Host is refused, on HTTP and WebSocket.
 * - HTTPS with a self-signed certificate made here (openssl CLI), opened by a name that is not
 *   localhost (`studio.test`, mapped to 127.0.0.1 in Chromium, as a LAN address would be) and
 *   listed in BAMBAM_ALLOWED_HOSTS: a secure context, so the camera works, and /play plays.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { loginToRegistry, NpmRegistry } from '@bambam/npm-registry';
import type { Page } from 'playwright-core';
import { launchChromium } from './lib/chromium.ts';
import { freePort, type RunningEngine } from './lib/engine.ts';
import { FOUR_STROKES } from './lib/fixtures.ts';
import { detectOnsets } from './lib/onsets.ts';
import {
  pageNow,
  startStudioRecorder,
  studioHits,
  studioRecording,
  trackingSummary,
  waitForLive,
} from './lib/studio-page.ts';
import { type RunningStudio, studioBuilt } from './lib/studio-server.ts';
import { StudioSuite } from './lib/studio-suite.ts';

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const COLLECT_TIMEOUT_MS = 60_000;
/** An origin the engine is told to allow, so the studio's own origin is not allowed there. */
const SOME_OTHER_ORIGIN = 'http://localhost:9';

interface RawAnswer {
  readonly status: number;
  readonly body: string;
  /** True when the server switched protocols (a WebSocket upgrade went through). */
  readonly upgraded: boolean;
}

/** One request with exactly these headers (fetch cannot set Host or Origin), TLS unverified. */
function rawRequest(
  url: string,
  headers: Record<string, string>,
  options: { method?: string; body?: string; websocket?: boolean; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const all: Record<string, string> = { ...headers };
  if (options.websocket) {
    Object.assign(all, {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    });
  }
  const request = (url.startsWith('https:') ? https : http).request;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method ?? 'GET',
      headers: all,
      rejectUnauthorized: false,
      agent: false,
    });
    const timeoutMs = options.timeoutMs ?? 10_000;
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, body: '', upgraded: true });
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, upgraded: false }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Loops of the clip a "hits heard" check listens to. */
const LOOPS_HEARD = 2;

/**
 * Records what the page receives for two loops of the clip after its first reported hit;
 * asserts hits were reported and heard (audio onsets in the received audio). The exact count and
 * timing per loop is studio-play.test.ts's; here the route matters, and a busy machine may miss a
 * stroke or two while the tracker warms up.
 */
async function assertHitsHeard(t: TestContext, p: Page): Promise<void> {
  await startStudioRecorder(p);
  const since = await pageNow(p);
  const spanMs = LOOPS_HEARD * FOUR_STROKES.durationMs;
  let hits: { at: number; sounds: string[] }[] = [];
  const deadline = Date.now() + COLLECT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    hits = await studioHits(p, since);
    if (hits.length > 0 && (await pageNow(p)) >= hits[0]!.at + spanMs + 500) break;
    await delay(500);
  }
  assert.ok(
    hits.length > 0,
    `no hit reported within ${COLLECT_TIMEOUT_MS} ms (${await trackingSummary(p, since)})`,
  );
  const start = hits[0]!.at - 300;
  const end = start + spanMs;
  const windowHits = hits.filter((h) => h.at >= start && h.at < end);
  const recording = await studioRecording(p, start - 1000);
  const from = recording.indexAt(start);
  const to = recording.indexAt(end + 300);
  const { onsets } = detectOnsets(recording.samples.subarray(from, to), recording.sampleRate);
  const strokes = LOOPS_HEARD * 4;
  const summary = `${windowHits.length} hits reported, ${onsets.length} heard in ${LOOPS_HEARD} loops of ${strokes} strokes (${await trackingSummary(p, start)})`;
  assert.ok(windowHits.length >= strokes / 2, summary);
  assert.ok(onsets.length >= strokes / 2, summary);
  t.diagnostic(summary);
}

describe('studio on one origin: the engine behind the studio (HTTP, 127.0.0.1)', { timeout: 240_000 }, () => {
  const suite = new StudioSuite();
  suite.requires(studioBuilt(), 'the studio is not built: npm run build -w @bambam/web');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bambam-e2e-same-origin-'));
  suite.onTeardown(() => rmSync(dataDir, { recursive: true, force: true }));
  let engine: RunningEngine | undefined;
  let studio: RunningStudio | undefined;
  let page: Page | undefined;
  /** The npm registry the engine publishes to and loads plugins from (real Verdaccio, offline). */
  let registry: NpmRegistry | undefined;
  /** A source saved and a plugin published through the studio, for /edit and /plugins. */
  const NAME = 'one-origin-drum';

  before(() =>
    suite.setup(async () => {
      const studioPort = await freePort();
      registry = await NpmRegistry.start({ dataDir, port: 0, uplink: null, logLevel: 'fatal' });
      suite.onTeardown(() => registry?.dispose());
      engine = await suite.startEngine(studioPort, {
        BAMBAM_ALLOWED_ORIGINS: SOME_OTHER_ORIGIN,
        BAMBAM_DATA_DIR: dataDir,
        BAMBAM_NPM_REGISTRY: registry.url,
      });
      studio = await suite.startStudio({ engineUrl: engine.url, port: studioPort });
      const chromium = await suite.launchChromium();
      page = await chromium.newPage();
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`${studio.url}/play?autostart=1`, { timeout: 30_000 });
    }),
  );

  after(() => suite.teardown());

  const ready = (t: TestContext) => suite.ready(t, page);

  it('the engine itself refuses the studio origin: only the proxy can make the studio work', async (t) => {
    if (!ready(t)) return;
    await suite.guard(async () => {
      const direct = await rawRequest(`${engine!.url}/api/sources`, { origin: studio!.url });
      assert.equal(direct.status, 403, `the engine answered ${direct.status} to the studio's origin`);
    });
  });

  it('/play connects through the studio origin and plays (hits heard)', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      await waitForLive(p);
      const engineUrl = await p.evaluate(() => (window as Any).__bambamStudio.snapshot.engineUrl);
      assert.equal(engineUrl, studio!.url, 'the page should reach the engine at its own origin');
      await assertHitsHeard(t, p);
    });
  });

  it('/edit lists the sources: one saved from the page (same Origin) shows up', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      const example = JSON.parse((await rawRequest(`${studio!.url}/api/sources/bam-drum`, {})).body);
      assert.equal(typeof example.source, 'string', 'GET /api/sources/bam-drum through the studio');
      // The page saves with its own Origin, as the editor does: the proxy lets it through.
      const status = await p.evaluate(
        async ({ name, source }) =>
          (
            await fetch(`/api/sources/${name}`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ source }),
            })
          ).status,
        { name: NAME, source: example.source as string },
      );
      assert.equal(status, 200, 'PUT /api/sources from the page');
      const workspace = (await p.context().cookies(studio!.url)).find((c) => c.name === 'bambam_workspace');
      assert.ok(workspace, "the engine's workspace cookie reached the browser through the studio");
      assert.equal(workspace.httpOnly, true);
      assert.equal(workspace.sameSite, 'Lax');
      const stranger = await rawRequest(`${studio!.url}/api/sources/${NAME}`, {});
      assert.equal(stranger.status, 404, 'another browser (no cookie) does not see it');
      const edit = await p.context().newPage();
      await edit.goto(`${studio!.url}/edit`, { timeout: 30_000 });
      const select = edit.locator('[data-testid="plugin-select"]');
      await edit.waitForFunction(
        (name) =>
          [...document.querySelectorAll('[data-testid="plugin-select"] option')].some(
            (o) => (o as HTMLOptionElement).value === name,
          ),
        NAME,
        { timeout: 30_000 },
      );
      const names = await select
        .locator('option')
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      assert.ok(names.includes('bam-drum'), `the examples are listed: ${names.join(', ')}`);
      await edit.close();
    });
  });

  it('/plugins lists the registry: a plugin published through the studio shows up', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      const token = await loginToRegistry(registry!.url, { name: 'alice', password: 'alice-drums-1' });
      const example = JSON.parse((await rawRequest(`${studio!.url}/api/sources/bam-drum`, {})).body);
      const source = (example.source as string).replace(/name: 'bam-drum'/, `name: '${NAME}'`);
      const published = await rawRequest(
        `${studio!.url}/api/plugins`,
        { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        // The engine compiles, loads and renders the plugin first: slow on a busy machine.
        { method: 'POST', body: JSON.stringify({ source }), timeoutMs: 120_000 },
      );
      assert.equal(published.status, 201, `publish through the studio: ${published.body}`);
      const plugins = await p.context().newPage();
      await plugins.goto(`${studio!.url}/plugins`, { timeout: 30_000 });
      await plugins.locator(`[data-testid="plugin-item-${NAME}"]`).waitFor({ timeout: 30_000 });
      assert.equal(await plugins.locator('.plugins-error').count(), 0, 'no error on the plugins page');
      await plugins.close();
    });
  });

  it('refuses a foreign Origin, Origin: null and an unknown Host, on HTTP and WebSocket', async (t) => {
    if (!ready(t)) return;
    await suite.guard(async () => {
      const url = studio!.url;
      const own = await rawRequest(`${url}/api/sources`, { origin: url });
      assert.equal(own.status, 200, 'the studio’s own origin passes');
      const foreign = await rawRequest(`${url}/api/sources`, { origin: 'http://evil.example' });
      assert.equal(foreign.status, 403);
      assert.equal(JSON.parse(foreign.body).error.code, 'origin-not-allowed');
      assert.equal((await rawRequest(`${url}/api/health`, { origin: 'null' })).status, 403);
      const otherPort = `http://127.0.0.1:${studio!.port + 1}`;
      assert.equal((await rawRequest(`${url}/api/health`, { origin: otherPort })).status, 403);
      const write = await rawRequest(
        `${url}/api/sources/${NAME}-evil`,
        { origin: 'http://evil.example', 'content-type': 'application/json' },
        { method: 'PUT', body: JSON.stringify({ source: 'x' }) },
      );
      assert.equal(write.status, 403, 'a foreign page cannot save');

      const socketPath = '/socket.io/?EIO=4&transport=websocket';
      const wsOwn = await rawRequest(`${url}${socketPath}`, { origin: url }, { websocket: true });
      assert.ok(wsOwn.upgraded, `the page's WebSocket is upgraded (status ${wsOwn.status})`);
      const wsForeign = await rawRequest(
        `${url}${socketPath}`,
        { origin: 'http://evil.example' },
        { websocket: true },
      );
      assert.equal(wsForeign.upgraded, false);
      assert.equal(wsForeign.status, 403);

      // DNS rebinding: a name that is not the studio's, whatever its Origin.
      const rebound = await rawRequest(`${url}/api/sources`, { host: `evil.example:${studio!.port}` });
      assert.equal(rebound.status, 421);
      assert.match(rebound.body, /BAMBAM_ALLOWED_HOSTS/);
      const reboundWs = await rawRequest(
        `${url}${socketPath}`,
        { host: `evil.example:${studio!.port}`, origin: `http://evil.example:${studio!.port}` },
        { websocket: true },
      );
      assert.equal(reboundWs.status, 421);
      assert.equal((await rawRequest(`${url}/play`, { host: 'evil.example' })).status, 421, 'pages too');
    });
  });
});

describe('studio over HTTPS, opened by a LAN-style name (self-signed certificate)', {
  timeout: 240_000,
}, () => {
  const suite = new StudioSuite();
  suite.requires(studioBuilt(), 'the studio is not built: npm run build -w @bambam/web');
  let openssl = true;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    openssl = false;
  }
  suite.requires(openssl, 'the openssl CLI is missing (apt-get install openssl)');
  const HOST_NAME = 'studio.test';
  const certDir = mkdtempSync(path.join(os.tmpdir(), 'bambam-e2e-tls-'));
  suite.onTeardown(() => rmSync(certDir, { recursive: true, force: true }));
  let studio: RunningStudio | undefined;
  let page: Page | undefined;
  let pageUrl = '';

  before(() =>
    suite.setup(async () => {
      const certPath = path.join(certDir, 'cert.pem');
      const keyPath = path.join(certDir, 'key.pem');
      // The README's one-liner, for this name.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          `/CN=${HOST_NAME}`,
          '-addext',
          `subjectAltName=DNS:${HOST_NAME},IP:127.0.0.1`,
          '-keyout',
          keyPath,
          '-out',
          certPath,
        ],
        { stdio: 'ignore' },
      );
      const studioPort = await freePort();
      const engine = await suite.startEngine(studioPort, { BAMBAM_ALLOWED_ORIGINS: SOME_OTHER_ORIGIN });
      studio = await suite.startStudio({
        engineUrl: engine.url,
        port: studioPort,
        tls: { certPath, keyPath },
        env: { BAMBAM_ALLOWED_HOSTS: HOST_NAME },
      });
      // `studio.test` resolves to 127.0.0.1 in this browser only, as a LAN address would.
      const chromium = await launchChromium({
        fakeVideo: suite.clip,
        extraArgs: ['--ignore-certificate-errors', `--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`],
      });
      suite.onTeardown(() => chromium.close());
      page = await chromium.newPage();
      pageUrl = `https://${HOST_NAME}:${studioPort}`;
      await page.goto(`${pageUrl}/play?autostart=1`, { timeout: 30_000 });
    }),
  );

  after(() => suite.teardown());

  const ready = (t: TestContext) => suite.ready(t, page);

  it('serves HTTPS: a secure context by a non-localhost name, and /play plays (hits heard)', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      assert.equal(await p.evaluate(() => window.isSecureContext), true, 'the camera needs a secure context');
      await waitForLive(p);
      const engineUrl = await p.evaluate(() => (window as Any).__bambamStudio.snapshot.engineUrl);
      assert.equal(engineUrl, pageUrl, 'signaling goes through the studio (wss://)');
      await assertHitsHeard(t, p);
    });
  });

  it('answers only to the names it serves, and refuses plain HTTP on its port', async (t) => {
    if (!ready(t)) return;
    await suite.guard(async () => {
      const url = studio!.url;
      const listed = await rawRequest(`${url}/api/health`, { host: `${HOST_NAME}:${studio!.port}` });
      assert.equal(listed.status, 200, 'a name in BAMBAM_ALLOWED_HOSTS is served');
      const other = await rawRequest(`${url}/api/health`, { host: `other.test:${studio!.port}` });
      assert.equal(other.status, 421);
      assert.match(other.body, /BAMBAM_ALLOWED_HOSTS=other\.test/);
      const own = await rawRequest(`${url}/api/health`, { origin: `https://127.0.0.1:${studio!.port}` });
      assert.equal(own.status, 200);
      // The same host and port over http:// is another origin.
      const downgraded = await rawRequest(`${url}/api/health`, {
        origin: `http://127.0.0.1:${studio!.port}`,
      });
      assert.equal(downgraded.status, 403);
    });
  });
});
