/**
 * The parts of npm's own libraries that the engine calls (they ship no type declarations).
 * Shapes follow their READMEs: npm-registry-fetch 20, ssri 14, libnpmpublish 12.
 */
declare module 'npm-registry-fetch' {
  interface FetchOptions {
    registry?: string;
    timeout?: number;
    retry?: { retries: number };
    headers?: Record<string, string>;
    forceAuth?: { token?: string };
    query?: Record<string, string | number>;
    [option: string]: unknown;
  }
  interface FetchResponse {
    status: number;
    headers: { get(name: string): string | null };
    body: AsyncIterable<Buffer>;
  }
  function npmFetch(uri: string, options?: FetchOptions): Promise<FetchResponse>;
  namespace npmFetch {
    function json(uri: string, options?: FetchOptions): Promise<Record<string, unknown>>;
  }
  export default npmFetch;
}

declare module 'ssri' {
  const ssri: {
    checkData(data: Buffer, integrity: string): false | { algorithm: string };
    fromHex(hex: string, algorithm: string): { toString(): string };
    fromData(data: Buffer, options?: { algorithms?: string[] }): { toString(): string };
  };
  export default ssri;
}

declare module 'libnpmpublish' {
  const libnpmpublish: {
    publish(
      manifest: Record<string, unknown>,
      tarball: Buffer,
      options: Record<string, unknown>,
    ): Promise<unknown>;
  };
  export default libnpmpublish;
}
