/**
 * Sign-in through an OpenID Connect provider (openid-client): authorization code flow with PKCE
 * and state. When configured, saved sources need a signed-in user and a user's workspace is
 * the hash of (issuer, subject), the same on every engine.
 *
 * - `GET /auth/login?returnTo=/edit` → the provider's login; the state, PKCE verifier and
 *   return path wait in a signed short-lived cookie (`bambam_sign_in`, Path=/auth).
 * - `GET /auth/callback` → code exchanged and the ID token checked by openid-client; a signed
 *   session cookie (`bambam_session`, HttpOnly, SameSite=Lax) is set; back to `returnTo`.
 * - `GET /auth/logout` → the session cookie cleared; back to `/`.
 * - `GET /api/me` → {@link SignInStatus}.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { answer, HttpError, segmentsUnder, sendJson } from '../http-answers.ts';
import type { RegistryLogger, RouteModule } from '../types.ts';
import { appendSetCookie, readCookie, requestIsHttps, setCookieValue, workspaceKey } from './cookies.ts';
import { OIDC_SETTINGS, type OidcSettings } from './oidc-settings.ts';
import { signValue, verifyValue } from './signed-value.ts';
import type { SignInStatus, WorkspaceIdentity } from './workspace-identity.ts';

export const SESSION_COOKIE = 'bambam_session';
const SIGN_IN_COOKIE = 'bambam_sign_in';
/** How long a started sign-in may take at the provider. */
const SIGN_IN_MAX_AGE_S = 600;
export const AUTH_PREFIX = '/auth';
export const ME_ROUTE = '/api/me';
const LOGIN_URL = `${AUTH_PREFIX}/login`;
const LOGOUT_URL = `${AUTH_PREFIX}/logout`;

interface Session {
  readonly iss: string;
  readonly sub: string;
  readonly name?: string;
  readonly email?: string;
}

interface PendingSignIn {
  readonly state: string;
  readonly verifier: string;
  readonly returnTo: string;
}

/** A path on this site to come back to; anything else (another site, `//host`) is `/edit`. */
function safeReturnPath(value: string | null): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.includes('\\')) return '/edit';
  return value.slice(0, 500);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' }).end();
}

export class OidcSignIn implements WorkspaceIdentity {
  readonly routes: RouteModule;
  private readonly settings: OidcSettings;
  private readonly config: oidc.Configuration;
  private readonly logger: RegistryLogger;

  private constructor(settings: OidcSettings, config: oidc.Configuration, logger: RegistryLogger) {
    this.settings = settings;
    this.config = config;
    this.logger = logger;
    this.routes = {
      handle: async (req, res) => {
        const auth = segmentsUnder(req.url, AUTH_PREFIX);
        const me = segmentsUnder(req.url, ME_ROUTE);
        if (!auth && !(me && me.segments.length === 0)) return false;
        await answer(
          res,
          (error) => this.logger.error(`${req.method} ${req.url} failed: ${(error as Error).stack ?? error}`),
          () => (auth ? this.route(req, res, auth.segments, auth.query) : this.me(req, res)),
        );
        return true;
      },
    };
  }

  /**
   * Reads the provider's discovery document. An unreachable or wrong issuer rejects with a
   * message naming `BAMBAM_OIDC_ISSUER`.
   */
  static async start(settings: OidcSettings, logger: RegistryLogger): Promise<OidcSignIn> {
    const issuer = new URL(settings.issuer);
    let config: oidc.Configuration;
    try {
      config = await oidc.discovery(
        issuer,
        settings.clientId,
        undefined,
        settings.clientSecret ? oidc.ClientSecretPost(settings.clientSecret) : oidc.None(),
        // http only for a provider on this machine (checked in oidc-settings.ts).
        issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    } catch (error) {
      throw new Error(
        `Cannot read the OpenID provider's configuration at ${settings.issuer} (${OIDC_SETTINGS.issuer}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new OidcSignIn(settings, config, logger);
  }

  get redirectUri(): string {
    return `${this.settings.publicUrl}${AUTH_PREFIX}/callback`;
  }

  async workspaceOf(req: IncomingMessage): Promise<string> {
    const session = this.session(req);
    if (!session) {
      throw new HttpError(401, 'sign-in-required', 'Sign in to see and save your sources on this engine.', {
        loginUrl: LOGIN_URL,
      });
    }
    return workspaceKey('oidc', session.iss, session.sub);
  }

  status(req: IncomingMessage): SignInStatus {
    const session = this.session(req);
    return {
      signInRequired: true,
      signedIn: session !== undefined,
      ...(session ? { user: { name: session.name, email: session.email } } : {}),
      loginUrl: LOGIN_URL,
      logoutUrl: LOGOUT_URL,
    };
  }

  private session(req: IncomingMessage): Session | undefined {
    const session = verifyValue<Session>(readCookie(req, SESSION_COOKIE), this.settings.sessionSecret);
    return session && typeof session.iss === 'string' && typeof session.sub === 'string'
      ? session
      : undefined;
  }

  private async me(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET')
      throw new HttpError(405, 'method-not-allowed', `${req.method} is not allowed on ${ME_ROUTE}.`);
    sendJson(res, 200, this.status(req));
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    segments: string[],
    query: URLSearchParams,
  ): Promise<void> {
    const secure = requestIsHttps(req);
    const step = segments.join('/');
    if (req.method !== 'GET')
      throw new HttpError(405, 'method-not-allowed', `${req.method} is not allowed here.`);
    if (step === 'login') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const pending: PendingSignIn = { state, verifier, returnTo: safeReturnPath(query.get('returnTo')) };
      appendSetCookie(
        res,
        setCookieValue(SIGN_IN_COOKIE, signValue(pending, this.settings.sessionSecret, SIGN_IN_MAX_AGE_S), {
          path: AUTH_PREFIX,
          secure,
          maxAgeSeconds: SIGN_IN_MAX_AGE_S,
        }),
      );
      const url = oidc.buildAuthorizationUrl(this.config, {
        redirect_uri: this.redirectUri,
        scope: this.settings.scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      return redirect(res, url.href);
    }
    if (step === 'callback') {
      const pending = verifyValue<PendingSignIn>(
        readCookie(req, SIGN_IN_COOKIE),
        this.settings.sessionSecret,
      );
      if (!pending) {
        throw new HttpError(
          400,
          'sign-in-expired',
          `This sign-in was not started here or took too long; start again at ${LOGIN_URL}.`,
        );
      }
      let claims: oidc.IDToken | undefined;
      try {
        const tokens = await oidc.authorizationCodeGrant(
          this.config,
          new URL(req.url ?? '/', this.settings.publicUrl),
          { pkceCodeVerifier: pending.verifier, expectedState: pending.state },
        );
        claims = tokens.claims();
      } catch (error) {
        this.logger.warn(`sign-in refused: ${(error as Error).message}`);
        throw new HttpError(400, 'sign-in-failed', `Sign-in failed: ${(error as Error).message}`);
      }
      if (!claims)
        throw new HttpError(400, 'sign-in-failed', 'Sign-in failed: the provider sent no ID token.');
      const session: Session = {
        iss: claims.iss,
        sub: claims.sub,
        ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
        ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
      };
      appendSetCookie(
        res,
        setCookieValue(SIGN_IN_COOKIE, '', { path: AUTH_PREFIX, secure, maxAgeSeconds: 0 }),
      );
      appendSetCookie(
        res,
        setCookieValue(
          SESSION_COOKIE,
          signValue(session, this.settings.sessionSecret, this.settings.sessionMaxAgeSeconds),
          {
            secure,
            maxAgeSeconds: this.settings.sessionMaxAgeSeconds,
          },
        ),
      );
      return redirect(res, pending.returnTo);
    }
    if (step === 'logout') {
      appendSetCookie(res, setCookieValue(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }));
      return redirect(res, '/');
    }
    throw new HttpError(404, 'not-found', `No route ${AUTH_PREFIX}/${step.slice(0, 80)}.`);
  }
}

/** `GET /api/me` when sign-in is not configured: nothing to sign in to. */
export function signInStatusRoute(identity: WorkspaceIdentity): RouteModule {
  return {
    async handle(req, res) {
      const me = segmentsUnder(req.url, ME_ROUTE);
      if (!me || me.segments.length > 0 || req.method !== 'GET') return false;
      sendJson(res, 200, identity.status(req));
      return true;
    },
  };
}
