/**
 * Sign-in against a real OpenID provider in this process (panva's oidc-provider, the library
 * behind many production providers, with its development login form): the engine's registry
 * service behind a real HTTP server, a browser played by fetch with a cookie jar that posts
 * the provider's own forms.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SavedSource } from '@bambam/protocol';
import Provider from 'oidc-provider';
import { createRegistryService, type RegistryService } from '../index.ts';
import { pluginSource } from '../test-support.ts';
import { type OidcSettings, OidcSettingsError, oidcSettingsFromEnv } from './oidc-settings.ts';

const SESSION_SECRET = 'a-test-session-secret-of-enough-length-0123456789';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A browser: follows nothing by itself, keeps every cookie it is given (by name, any path). */
class Browser {
  readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (value === '' || attributes.some((a) => /^\s*max-age=0$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /**
   * Signs in as `login`: the engine's /auth/login, the provider's login and consent forms, back
   * to the engine's callback. Returns where the engine sends the browser at the end.
   */
  async signIn(engineUrl: string, login: string): Promise<string> {
    let response = await this.fetch(`${engineUrl}/auth/login?returnTo=/edit`);
    for (let step = 0; step < 20; step++) {
      if (response.status >= 300 && response.status < 400) {
        const location = new URL(response.headers.get('location')!, response.url || engineUrl).href;
        if (location.startsWith(engineUrl) && !location.startsWith(`${engineUrl}/auth/`)) return location;
        response = await this.fetch(location);
        continue;
      }
      const html = await response.text();
      assert.equal(response.status, 200, html.slice(0, 500));
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      assert.ok(action && prompt, `a form of the provider: ${html.slice(0, 300)}`);
      const body = new URLSearchParams(
        prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: prompt! },
      );
      response = await this.fetch(new URL(action!, response.url).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    }
    throw new Error('sign-in did not come back to the engine');
  }
}

describe('sign-in through a real OpenID provider (BAMBAM_OIDC_*)', () => {
  let provider: Server;
  let engine: Server;
  let engineUrl: string;
  let service: RegistryService;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bambam-oidc-'));
    // The engine's address first: the provider must know the redirect URI.
    let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
      res.writeHead(503).end();
    engine = createServer((req, res) => handler(req, res));
    engineUrl = await listen(engine);
    provider = createServer();
    const issuer = await listen(provider);
    const oidc = new Provider(issuer, {
      clients: [
        {
          client_id: 'bambam-studio',
          client_secret: 'bambam-client-secret',
          redirect_uris: [`${engineUrl}/auth/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      cookies: { keys: ['a-test-cookie-key-for-the-provider'] },
      features: { devInteractions: { enabled: true } },
      claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
      // Name and email in the ID token, as most providers send them.
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      async findAccount(_ctx, id) {
        return {
          accountId: id,
          claims: async () => ({ sub: id, name: `User ${id}`, email: `${id}@example.org` }),
        };
      },
    });
    provider.on('request', oidc.callback());
    const settings: OidcSettings = {
      issuer,
      clientId: 'bambam-studio',
      clientSecret: 'bambam-client-secret',
      publicUrl: engineUrl,
      sessionSecret: SESSION_SECRET,
      scope: 'openid profile email',
      sessionMaxAgeSeconds: 3600,
    };
    service = await createRegistryService({
      dataDir,
      npmRegistry: 'http://127.0.0.1:9/',
      signIn: settings,
      logger: { info: () => {}, warn: () => {}, error: (m) => console.error(m) },
    });
    handler = async (req, res) => {
      for (const route of service.routes) if (await route.handle(req, res)) return;
      res.writeHead(404).end();
    };
  });

  after(async () => {
    engine.closeAllConnections();
    provider.closeAllConnections();
    await new Promise((done) => engine.close(done));
    await new Promise((done) => provider.close(done));
    await service.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const put = (browser: Browser, name: string, source: string) =>
    browser.fetch(`${engineUrl}/api/sources/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source }),
    });

  test('no session: 401 sign-in-required with the login URL, nothing stored; /api/me says so', async () => {
    const stranger = new Browser();
    const list = await stranger.fetch(`${engineUrl}/api/sources`);
    assert.equal(list.status, 401);
    const body = (await list.json()) as { error: { code: string; loginUrl: string } };
    assert.equal(body.error.code, 'sign-in-required');
    assert.equal(body.error.loginUrl, '/auth/login');
    assert.equal((await put(stranger, 'sneaky', '// x')).status, 401);
    assert.equal(stranger.cookies.size, 0, 'no workspace cookie is handed out when sign-in is required');
    const me = (await (await stranger.fetch(`${engineUrl}/api/me`)).json()) as Record<string, unknown>;
    assert.deepEqual(me, {
      signInRequired: true,
      signedIn: false,
      loginUrl: '/auth/login',
      logoutUrl: '/auth/logout',
    });
    const forged = new Browser();
    forged.cookies.set('bambam_session', 'eyJpc3MiOiJ4Iiwic3ViIjoiYWxpY2UiLCJleHAiOjk5OTk5OTk5OTl9.AAAA');
    assert.equal(
      (await forged.fetch(`${engineUrl}/api/sources`)).status,
      401,
      'a forged session is no session',
    );
  });

  test('sign in → save → another user cannot see or overwrite it; the same user in another browser can', async () => {
    const alice = new Browser();
    assert.equal(
      await alice.signIn(engineUrl, 'alice'),
      `${engineUrl}/edit`,
      'back where the sign-in started',
    );
    const session = alice.cookies.get('bambam_session');
    assert.ok(session, 'a session cookie');
    const me = (await (await alice.fetch(`${engineUrl}/api/me`)).json()) as {
      signedIn: boolean;
      user: { name: string };
    };
    assert.equal(me.signedIn, true);
    assert.equal(me.user.name, 'User alice');
    const mine = pluginSource({ name: 'my-drum' });
    assert.equal((await put(alice, 'my-drum', mine)).status, 200);

    const bob = new Browser();
    await bob.signIn(engineUrl, 'bob');
    assert.equal((await bob.fetch(`${engineUrl}/api/sources/my-drum`)).status, 404);
    const bobs = (await (await bob.fetch(`${engineUrl}/api/sources`)).json()) as SavedSource[];
    assert.deepEqual(
      bobs.map((s) => s.name),
      ['bam-drum'],
    );
    assert.equal((await put(bob, 'my-drum', '// bob')).status, 200, "bob's own copy");

    const aliceElsewhere = new Browser();
    await aliceElsewhere.signIn(engineUrl, 'alice');
    const read = (await (
      await aliceElsewhere.fetch(`${engineUrl}/api/sources/my-drum`)
    ).json()) as SavedSource;
    assert.equal(read.source, mine, "alice's workspace follows her, unchanged by bob");

    const out = await alice.fetch(`${engineUrl}/auth/logout`);
    assert.equal(out.status, 303);
    assert.equal(alice.cookies.get('bambam_session'), undefined, 'logout clears the session cookie');
    assert.equal((await alice.fetch(`${engineUrl}/api/sources`)).status, 401);
  });

  test('a callback that was not started here, or with a wrong state, signs no one in', async () => {
    const browser = new Browser();
    const direct = await browser.fetch(`${engineUrl}/auth/callback?code=x&state=y`);
    assert.equal(direct.status, 400);
    assert.equal(((await direct.json()) as { error: { code: string } }).error.code, 'sign-in-expired');
    await browser.fetch(`${engineUrl}/auth/login`);
    const wrongState = await browser.fetch(`${engineUrl}/auth/callback?code=x&state=not-the-one`);
    assert.equal(wrongState.status, 400);
    assert.equal(browser.cookies.get('bambam_session'), undefined);
  });

  test('returnTo only leads back to this site', async () => {
    for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
      const browser = new Browser();
      await browser.fetch(`${engineUrl}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      const pending = browser.cookies.get('bambam_sign_in')!;
      const payload = JSON.parse(Buffer.from(pending.split('.')[0]!, 'base64url').toString()) as {
        returnTo: string;
      };
      assert.equal(payload.returnTo, '/edit', returnTo);
    }
  });
});

describe('sign-in settings from the environment', () => {
  const base = {
    BAMBAM_OIDC_ISSUER: 'https://id.example.org/realms/bambam',
    BAMBAM_OIDC_CLIENT_ID: 'studio',
    BAMBAM_PUBLIC_URL: 'https://studio.example.org/',
    BAMBAM_SESSION_SECRET: 'x'.repeat(40),
  };

  test('unset: no sign-in; set: every variable read, defaults filled in', () => {
    assert.equal(oidcSettingsFromEnv({}), undefined);
    const settings = oidcSettingsFromEnv(base)!;
    assert.equal(settings.issuer, base.BAMBAM_OIDC_ISSUER);
    assert.equal(settings.publicUrl, 'https://studio.example.org');
    assert.equal(settings.clientSecret, undefined);
    assert.equal(settings.scope, 'openid profile email');
  });

  test('a missing or bad value is an error naming its variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...base, BAMBAM_OIDC_CLIENT_ID: '' }, /BAMBAM_OIDC_CLIENT_ID is needed/],
      [{ ...base, BAMBAM_PUBLIC_URL: '' }, /BAMBAM_PUBLIC_URL is needed/],
      [{ ...base, BAMBAM_SESSION_SECRET: 'short' }, /BAMBAM_SESSION_SECRET has 5 characters/],
      [{ ...base, BAMBAM_OIDC_ISSUER: 'http://id.example.org' }, /BAMBAM_OIDC_ISSUER=.*https:\/\//],
      [{ ...base, BAMBAM_OIDC_ISSUER: 'not a url' }, /BAMBAM_OIDC_ISSUER='not a url' is not a URL/],
      [{ ...base, BAMBAM_SESSION_MAX_AGE_S: '5' }, /BAMBAM_SESSION_MAX_AGE_S=5/],
      [{ BAMBAM_OIDC_CLIENT_ID: 'studio' }, /BAMBAM_OIDC_CLIENT_ID is set but BAMBAM_OIDC_ISSUER is not/],
    ];
    for (const [env, message] of cases)
      assert.throws(
        () => oidcSettingsFromEnv(env),
        (error: Error) => error instanceof OidcSettingsError && message.test(error.message),
      );
  });

  test('an unreachable provider stops the start with a message naming BAMBAM_OIDC_ISSUER', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bambam-oidc-'));
    try {
      await assert.rejects(
        createRegistryService({
          dataDir,
          npmRegistry: 'http://127.0.0.1:9/',
          signIn: { ...oidcSettingsFromEnv(base)!, issuer: 'http://127.0.0.1:9/' },
        }),
        /BAMBAM_OIDC_ISSUER/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
