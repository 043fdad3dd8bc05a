/** Messages between a {@link ProcessSandbox} and its child, sandbox-host.ts (host-channel.ts: V8 serialization over a Unix socket). */
import type { Frame } from '@bambam/sdk';
import type { CompiledPlugin } from './compile.ts';
import type { ParamValue, PluginDescription } from './definition.ts';
import type { PluginErrorData } from './errors.ts';
import type { SandboxLimits } from './limits.ts';
import type { LogEntry, SandboxOptions, SandboxStats } from './types.ts';

export type HostRequest =
  | {
      op: 'load';
      compiled: CompiledPlugin;
      /** Checked by the parent's PluginSandbox.load; the limits resolved. */
      options: Omit<SandboxOptions, 'onLog' | 'isolation' | 'limits'>;
      limits: SandboxLimits;
    }
  | { op: 'frame'; id: number; frame: Frame }
  | { op: 'reset'; id: number }
  | { op: 'params'; values: Record<string, ParamValue> }
  | { op: 'dispose' };

export type SerializedError =
  | { kind: 'plugin'; data: PluginErrorData }
  | { kind: 'TypeError' | 'RangeError' | 'Error'; message: string };

export type HostReply =
  | { type: 'ready' }
  | { type: 'log'; entry: LogEntry }
  | { type: 'loaded'; description: PluginDescription; params: Readonly<Record<string, ParamValue>> }
  | { type: 'load-failed'; error: SerializedError }
  | { type: 'result'; id: number; value: unknown; stats: SandboxStats }
  | { type: 'error'; id: number; error: SerializedError; stats: SandboxStats };
