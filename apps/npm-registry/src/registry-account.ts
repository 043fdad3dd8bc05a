/**
 * Accounts on an npm registry through npm's own login API (what `npm adduser` / `npm login
 * --auth-type=legacy` call): `PUT /-/user/org.couchdb.user:<name>` answers a bearer token.
 * Verdaccio creates the account on first use and checks the password after that.
 */
export interface RegistryAccount {
  name: string;
  password: string;
  email?: string;
}

/** Signs in (creating the account if the registry allows) and returns the token. */
export async function loginToRegistry(registryUrl: string, account: RegistryAccount): Promise<string> {
  const url = new URL(`-/user/org.couchdb.user:${encodeURIComponent(account.name)}`, registryUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        _id: `org.couchdb.user:${account.name}`,
        name: account.name,
        password: account.password,
        email: account.email ?? `${account.name}@localhost`,
        type: 'user',
        roles: [],
        date: new Date().toISOString(),
      }),
    });
  } catch (error) {
    throw new Error(`The npm registry at ${registryUrl} is unreachable: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
  if (!response.ok || typeof body.token !== 'string') {
    throw new Error(
      `The npm registry at ${registryUrl} refused the login of "${account.name}" (${response.status}${body.error ? `: ${body.error}` : ''}).`,
    );
  }
  return body.token;
}

/** The line an `.npmrc` needs to use `token` on `registryUrl` (npm's nerf-dart form). */
export function npmrcAuthLine(registryUrl: string, token: string): string {
  const url = new URL(registryUrl);
  const pathname = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `//${url.host}${pathname}:_authToken=${token}`;
}
