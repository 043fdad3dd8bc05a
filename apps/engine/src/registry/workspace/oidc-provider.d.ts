/**
 * The little of oidc-provider (a devDependency: the tests' real OpenID provider) the tests
 * use; the package ships no types and `@types/oidc-provider` lags its major versions.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ProviderAccount {
    accountId: string;
    claims(): Promise<Record<string, unknown>>;
  }

  export interface ProviderConfiguration {
    clients?: Record<string, unknown>[];
    cookies?: { keys?: string[] };
    features?: Record<string, { enabled: boolean }>;
    claims?: Record<string, string[]>;
    conformIdTokenClaims?: boolean;
    pkce?: { required?: () => boolean };
    findAccount?(ctx: unknown, id: string): Promise<ProviderAccount | undefined>;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: ProviderConfiguration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
