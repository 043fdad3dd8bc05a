/**
 * The plugin sandbox: bundles a plugin with esbuild and runs it in its own isolated-vm
 * isolate with a memory limit, per-call time budgets and a CPU budget over time. By default
 * the isolate lives in a child process of its own (`isolation: 'process'`), so that even a V8
 * fatal error only ends that process. The engine and the `bambam` CLI both run plugins
 * through it.
 *
 * ```ts
 * const compiled = await compilePlugin({ entry: 'plugins/bam-drum' });
 * const sandbox = await PluginSandbox.load(compiled, { onLog: (line) => console.log(line.message) });
 * const plays = await sandbox.onFrame(frame); // PlayEvent[]; throws PluginError
 * sandbox.dispose();
 * ```
 *
 * @packageDocumentation
 */
export { BUNDLE_GLOBAL, type CompiledPlugin, type CompileInput, compilePlugin } from './compile.ts';
export {
  applyParamValues,
  type ParamValue,
  type PluginDescription,
  validateDescription,
} from './definition.ts';
export {
  formatLocation,
  PluginError,
  type PluginErrorCode,
  type PluginErrorData,
  type PluginErrorOptions,
} from './errors.ts';
export { DEFAULT_SANDBOX_LIMITS, resolveLimits, type SandboxLimits } from './limits.ts';
export {
  type FrameTransport,
  type LogEntry,
  PluginSandbox,
  type SandboxBackend,
  type SandboxCallMode,
  type SandboxIsolation,
  type SandboxOptions,
  type SandboxStats,
} from './sandbox.ts';
