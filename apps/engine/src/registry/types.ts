/**
 * The engine-facing shapes the registry implements. They mirror the engine's own
 * `RouteModule` and `PluginCatalog` structurally, so this folder does not import engine
 * internals (the engine passes them to `createEngine` as they are).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One slice of the engine's HTTP API: answers the requests it owns and returns true, else false. */
export interface RouteModule {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** A plugin bundle ready for the sandbox: the shape of the SDK's `CompiledPlugin`. */
export interface CompiledBundle {
  code: string;
  sourceMap: string;
  filename: string;
}

/** Where the engine's `plugin:use` looks a plugin up by name. */
export interface PluginCatalog {
  resolve(name: string, version?: string): Promise<{ compiled: CompiledBundle; source?: string } | undefined>;
}

/** Where the registry reports what an operator should see (corrupt bundles, failed uploads). */
export interface RegistryLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: RegistryLogger = {
  info: (message) => console.log(`[registry] ${message}`),
  warn: (message) => console.warn(`[registry] ${message}`),
  error: (message) => console.error(`[registry] ${message}`),
};
