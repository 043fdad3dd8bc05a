/**
 * Sign-in through an OpenID Connect provider, configured by environment variables. Unset
 * `BAMBAM_OIDC_ISSUER`: no sign-in, per-browser workspaces. Set: every variable below is
 * checked at start and a bad one stops the engine with a message naming it.
 */

export interface OidcSettings {
  /** The provider's issuer URL (its discovery document is `<issuer>/.well-known/openid-configuration`). */
  readonly issuer: string;
  readonly clientId: string;
  /** Absent: a public client (PKCE only). */
  readonly clientSecret?: string;
  /** The URL browsers open (the studio's); the redirect URI is `<publicUrl>/auth/callback`. */
  readonly publicUrl: string;
  /** HMAC key of the session cookie; the same on every engine behind one proxy. */
  readonly sessionSecret: string;
  readonly scope: string;
  /** How long a sign-in lasts. */
  readonly sessionMaxAgeSeconds: number;
}

export const OIDC_SETTINGS = {
  issuer: 'BAMBAM_OIDC_ISSUER',
  clientId: 'BAMBAM_OIDC_CLIENT_ID',
  clientSecret: 'BAMBAM_OIDC_CLIENT_SECRET',
  publicUrl: 'BAMBAM_PUBLIC_URL',
  sessionSecret: 'BAMBAM_SESSION_SECRET',
  scope: 'BAMBAM_OIDC_SCOPE',
  sessionMaxAgeSeconds: 'BAMBAM_SESSION_MAX_AGE_S',
} as const satisfies Record<keyof OidcSettings, string>;

export const DEFAULT_OIDC_SETTINGS = {
  scope: 'openid profile email',
  sessionMaxAgeSeconds: 7 * 24 * 3600,
} as const satisfies Partial<OidcSettings>;

/** The shortest session secret accepted (characters): an HMAC key should not be guessable. */
export const MIN_SESSION_SECRET_CHARS = 32;

export class OidcSettingsError extends Error {
  override name = 'OidcSettingsError';
}

/** http is accepted only for a provider on this machine (tests, a local Keycloak). */
function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** `text` checked as an https URL (http on loopback), returned as given. */
function httpUrl(variable: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OidcSettingsError(`${variable}='${text.slice(0, 100)}' is not a URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url)))
    throw new OidcSettingsError(
      `${variable}='${text.slice(0, 100)}' must be an https:// URL (http:// only on localhost).`,
    );
  return text;
}

/** The settings from the environment, or undefined when sign-in is not configured. */
export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OidcSettings | undefined {
  const get = (key: keyof OidcSettings) => env[OIDC_SETTINGS[key]]?.trim() || undefined;
  const issuer = get('issuer');
  if (!issuer) {
    for (const key of ['clientId', 'clientSecret'] as const) {
      if (get(key))
        throw new OidcSettingsError(
          `${OIDC_SETTINGS[key]} is set but ${OIDC_SETTINGS.issuer} is not: set both, or neither.`,
        );
    }
    return undefined;
  }
  const required = (key: keyof OidcSettings, why: string): string => {
    const value = get(key);
    if (!value)
      throw new OidcSettingsError(
        `${OIDC_SETTINGS.issuer} is set, so ${OIDC_SETTINGS[key]} is needed: ${why}.`,
      );
    return value;
  };
  const clientId = required('clientId', 'the client id registered with the provider');
  const publicUrl = httpUrl(
    OIDC_SETTINGS.publicUrl,
    required(
      'publicUrl',
      'the URL browsers open, e.g. https://studio.example.org (the redirect URI is <it>/auth/callback)',
    ),
  ).replace(/\/+$/, '');
  const sessionSecret = required(
    'sessionSecret',
    `a random key of at least ${MIN_SESSION_SECRET_CHARS} characters, the same on every engine`,
  );
  if (sessionSecret.length < MIN_SESSION_SECRET_CHARS)
    throw new OidcSettingsError(
      `${OIDC_SETTINGS.sessionSecret} has ${sessionSecret.length} characters; use at least ${MIN_SESSION_SECRET_CHARS} (e.g. \`openssl rand -base64 48\`).`,
    );
  const maxAgeText = get('sessionMaxAgeSeconds');
  const sessionMaxAgeSeconds = maxAgeText ? Number(maxAgeText) : DEFAULT_OIDC_SETTINGS.sessionMaxAgeSeconds;
  if (!Number.isInteger(sessionMaxAgeSeconds) || sessionMaxAgeSeconds < 60)
    throw new OidcSettingsError(
      `${OIDC_SETTINGS.sessionMaxAgeSeconds}=${maxAgeText}: must be a whole number of seconds, at least 60.`,
    );
  return {
    issuer: httpUrl(OIDC_SETTINGS.issuer, issuer),
    clientId,
    clientSecret: get('clientSecret'),
    publicUrl,
    sessionSecret,
    scope: get('scope') ?? DEFAULT_OIDC_SETTINGS.scope,
    sessionMaxAgeSeconds,
  };
}
