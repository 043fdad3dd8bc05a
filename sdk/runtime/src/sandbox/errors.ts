import type { ErrorInfo, SourceLocation } from '@bambam/protocol';

/** What went wrong with a plugin, machine-readable. */
export type PluginErrorCode =
  /** The source did not bundle (syntax or type-stripping error, unresolved import). */
  | 'compile'
  /** The bundle threw while it was evaluated. */
  | 'load'
  /** The default export is not a valid plugin definition. */
  | 'invalid-plugin'
  /** `state()` or `setup()` threw. */
  | 'setup'
  /** `onFrame` threw. */
  | 'frame'
  /** A call ran over its time budget and was stopped. */
  | 'timeout'
  /** The isolate ran out of its memory limit; it is gone. */
  | 'memory'
  /** The plugin used more CPU over time than its budget. */
  | 'cpu-budget'
  /** `ctx.play` was called more often in one frame than allowed. */
  | 'too-many-plays'
  /** The plugin sent something malformed (unknown sound, non-numeric velocity…). */
  | 'invalid-output'
  /** The sandbox's process died (a V8 fatal error such as a huge allocation, or it was killed). */
  | 'crashed'
  /** The sandbox was disposed or disabled; the call did not run. */
  | 'disposed';

export interface PluginErrorOptions {
  plugin?: string;
  location?: SourceLocation;
  fatal?: boolean;
  /** The plugin's stack with positions mapped to its own sources. */
  pluginStack?: string;
  cause?: unknown;
}

/**
 * A plugin failed. `message` says which plugin and what happened; `location` says where in its
 * own source (see {@link PluginError.format} for both on one line). `code`, `plugin` and
 * `location` are there for machines. `fatal` errors disabled the sandbox.
 */
export class PluginError extends Error {
  readonly code: PluginErrorCode;
  readonly plugin?: string;
  readonly location?: SourceLocation;
  readonly fatal: boolean;
  readonly pluginStack?: string;

  constructor(code: PluginErrorCode, detail: string, options: PluginErrorOptions = {}) {
    super(formatMessage(detail, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginError';
    this.code = code;
    this.plugin = options.plugin;
    this.location = options.location;
    this.fatal = options.fatal ?? false;
    this.pluginStack = options.pluginStack;
  }

  /** The message followed by the location, e.g. `Plugin 'x': onFrame threw … (at src/index.ts:12:5)`. */
  format(): string {
    return this.location ? `${this.message} (at ${formatLocation(this.location)})` : this.message;
  }

  /** The error as the wire protocol carries it. */
  toInfo(): ErrorInfo {
    return {
      code: WIRE_CODES[this.code],
      message: this.message,
      ...(this.location ? { location: this.location } : {}),
      ...(this.plugin ? { plugin: this.plugin } : {}),
    };
  }
}

const WIRE_CODES: Record<PluginErrorCode, ErrorInfo['code']> = {
  compile: 'plugin-compile',
  load: 'plugin-load',
  'invalid-plugin': 'plugin-load',
  setup: 'plugin-load',
  frame: 'plugin-runtime',
  timeout: 'plugin-runtime',
  memory: 'plugin-runtime',
  'cpu-budget': 'plugin-runtime',
  'too-many-plays': 'plugin-runtime',
  'invalid-output': 'plugin-runtime',
  crashed: 'plugin-runtime',
  disposed: 'plugin-runtime',
};

/** A PluginError as plain data, to cross a process boundary. */
export interface PluginErrorData {
  code: PluginErrorCode;
  message: string;
  plugin?: string;
  location?: SourceLocation;
  fatal: boolean;
  pluginStack?: string;
}

export function pluginErrorData(error: PluginError): PluginErrorData {
  return {
    code: error.code,
    message: error.message,
    fatal: error.fatal,
    ...(error.plugin !== undefined ? { plugin: error.plugin } : {}),
    ...(error.location !== undefined ? { location: error.location } : {}),
    ...(error.pluginStack !== undefined ? { pluginStack: error.pluginStack } : {}),
  };
}

/** The PluginError `data` describes, with its message exactly as it was. */
export function revivePluginError(data: PluginErrorData): PluginError {
  const error = new PluginError(data.code, '', {
    plugin: data.plugin,
    location: data.location,
    fatal: data.fatal,
    pluginStack: data.pluginStack,
  });
  error.message = data.message;
  return error;
}

/** `file:line:column`, or `line:column` without a file. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file ? `${location.file}:` : ''}${location.line}:${location.column}`;
}

function formatMessage(detail: string, options: PluginErrorOptions): string {
  const who = options.plugin ? `Plugin '${options.plugin}': ` : '';
  const fatal = options.fatal ? '; the plugin is disabled.' : '';
  return `${who}${detail}${fatal}`;
}
