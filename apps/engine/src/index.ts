/**
 * @bambam/engine: the Bam Bam media engine. `createEngine(config)` starts the HTTP server,
 * socket.io signaling and the media pipeline per session.
 *
 * @packageDocumentation
 */
export {
  ConfigError,
  configFromEnv,
  DEFAULT_CONFIG,
  type EngineConfig,
  type IceServerConfig,
} from './config.ts';
export { createEngine, type Engine, type EngineOptions } from './engine.ts';
export type { RouteModule } from './http/router.ts';
export {
  DEFAULT_PLUGIN,
  ExampleCatalog,
  type PluginCatalog,
  type ResolvedPlugin,
} from './instrument/catalog.ts';
export { EngineMetrics, type TimedStage } from './metrics/engine-metrics.ts';
export type { Counted, Stage, StageStats } from './pipeline/stage.ts';
export type { EngineTelemetry } from './session/frame-telemetry.ts';
