import path from 'node:path';
import type { NextConfig } from 'next';

const config: NextConfig = {
  // The SDK ships TypeScript sources with `.ts` import specifiers: compile them like our own.
  transpilePackages: ['@bambam/sdk'],
  reactStrictMode: true,
  // npm workspaces hoist dependencies to the repository root.
  turbopack: { root: path.resolve(process.cwd(), '../..') },
  outputFileTracingRoot: path.resolve(process.cwd(), '../..'),
};

export default config;
