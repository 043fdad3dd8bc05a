import { readFileSync } from 'node:fs';
import { defaultParams, MAX_SCHEDULE_AHEAD_MS } from '@bambam/sdk';
import ivm from 'isolated-vm';
import type { CompiledPlugin } from './compile.ts';
import {
  applyParamValues,
  type ParamValue,
  type PluginDescription,
  validateDescription,
} from './definition.ts';
import { PluginError, type PluginErrorCode } from './errors.ts';
import { deliverLogs, type LoadResult, parseResult, type RawError } from './isolate-result.ts';
import type { SandboxLimits } from './limits.ts';
import { logSafely } from './sandbox-base.ts';
import { StackMapper } from './stack.ts';
import type { LogEntry, SandboxOptions } from './types.ts';
import { HangError, withWatchdog } from './watchdog.ts';

const RUNTIME_SOURCE = readFileSync(new URL('./isolate-runtime.js', import.meta.url), 'utf8');
const RUNTIME_FILE = 'bambam-sandbox-runtime.js';
/** The script name of every bundle inside its isolate; stack frames with it are the plugin's. */
const BUNDLE_FILE = 'bambam-plugin-bundle.js';
/** isolated-vm's message when a call ran past its `timeout`. */
export const TIMEOUT_MESSAGE = 'Script execution timed out.';

export type RuntimeRef = ivm.Reference<(...args: unknown[]) => unknown>;

/** The isolate runtime's entry points kept for the plugin's calls. */
export interface RuntimeRefs {
  frame: RuntimeRef;
  frameJson: RuntimeRef;
  reset: RuntimeRef;
}

/** A plugin loaded and set up in its isolate, ready for calls. */
export interface LoadedIsolate {
  description: PluginDescription;
  isolate: ivm.Isolate;
  context: ivm.Context;
  refs: RuntimeRefs;
  mapper: StackMapper;
  params: Record<string, ParamValue>;
}

/**
 * Creates the isolate, evaluates the bundle, reads and validates the default export, then
 * runs `state()` and `setup()`. Rejects with a PluginError (`load`, `invalid-plugin`,
 * `setup`, `timeout`, `memory`) and leaves nothing behind; bad `params` reject with a
 * TypeError or RangeError.
 */
export async function loadIsolate(
  compiled: CompiledPlugin,
  options: SandboxOptions,
  limits: SandboxLimits,
): Promise<LoadedIsolate> {
  const mapper = new StackMapper(BUNDLE_FILE, compiled.sourceMap);
  const onLog = options.onLog ?? (() => {});
  const log = (entry: LogEntry) => logSafely(onLog, entry);
  const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb });
  let plugin: string | undefined;
  const fail = (code: PluginErrorCode, detail: string, raw?: RawError | string, cause?: unknown) => {
    const mapped = mapper.mapStack(typeof raw === 'string' ? raw : raw?.s);
    return new PluginError(code, detail, {
      plugin,
      location: mapped.location,
      pluginStack: mapped.stack,
      fatal: true,
      cause,
    });
  };
  /** Runs one load step under the load budget, turning isolate failures into PluginErrors. */
  const step = async <T>(what: string, code: PluginErrorCode, run: () => Promise<T>): Promise<T> => {
    try {
      return await withWatchdog(run(), limits.loadBudgetMs + limits.hangTimeoutMs);
    } catch (error) {
      if (error instanceof PluginError) throw error;
      if (error instanceof HangError) {
        throw fail(
          'timeout',
          `${what} did not stop at its ${limits.loadBudgetMs} ms budget (${error.message})`,
        );
      }
      if (isolate.isDisposed) {
        throw fail('memory', `${what} exceeded the ${limits.memoryMb} MB memory limit`, undefined, error);
      }
      const message = (error as Error)?.message ?? String(error);
      if (message === TIMEOUT_MESSAGE) {
        throw fail(
          'timeout',
          `${what} took longer than its ${limits.loadBudgetMs} ms budget`,
          undefined,
          error,
        );
      }
      const stack = (error as Error)?.stack;
      throw fail(code, `${what} failed: ${(error as Error)?.name ?? 'Error'}: ${message}`, stack, error);
    }
  };
  try {
    const run = { timeout: limits.loadBudgetMs };
    const context = await isolate.createContext();
    const runtimeScript = await isolate.compileScript(RUNTIME_SOURCE, { filename: RUNTIME_FILE });
    await runtimeScript.run(context, run);
    const runtime = await context.global.get('__bambamRuntime', { reference: true });
    const ref = (name: string) => runtime.get(name, { reference: true }) as Promise<RuntimeRef>;
    const [configure, load, start, frame, frameJson, reset] = await Promise.all(
      ['configure', 'load', 'start', 'frame', 'frameJson', 'reset'].map(ref),
    );
    await context.global.delete('__bambamRuntime');
    await configure!.apply(
      undefined,
      [JSON.stringify({ ...limits, maxScheduleAheadMs: MAX_SCHEDULE_AHEAD_MS })],
      run,
    );

    const bundle = await step('Evaluating the plugin', 'load', () =>
      isolate.compileScript(compiled.code, { filename: BUNDLE_FILE }),
    );
    await step('Evaluating the plugin', 'load', () => bundle.run(context, run));

    const loaded = (await step('Reading the plugin definition', 'invalid-plugin', () =>
      load!.apply(undefined, [], { ...run, result: { copy: true } }),
    )) as LoadResult;
    deliverLogs(loaded, mapper, limits.maxLogsPerFrame, log);
    if (loaded.invalid) throw fail('invalid-plugin', `Invalid plugin: ${loaded.invalid}`);
    if (loaded.error)
      throw fail('load', `Reading the plugin definition threw ${loaded.error.m}`, loaded.error);
    let description: PluginDescription;
    try {
      description = validateDescription(loaded.description);
    } catch (error) {
      const name = (loaded.description as { name?: unknown } | undefined)?.name;
      plugin = typeof name === 'string' ? name : undefined;
      throw fail('invalid-plugin', `Invalid plugin: ${(error as Error).message}`);
    }
    plugin = description.name;
    const params = applyParamValues(
      description.name,
      description.params,
      defaultParams(description.params) as Record<string, ParamValue>,
      options.params ?? {},
    );

    const started = parseResult(
      await step('setup', 'setup', () => start!.apply(undefined, [JSON.stringify(params)], run)),
    );
    deliverLogs(started, mapper, limits.maxLogsPerFrame, log);
    if (!started) throw fail('setup', 'setup returned malformed output (were built-ins replaced?)');
    if (started.e) throw fail('setup', `state() or setup() threw ${started.e.m}`, started.e);

    for (const r of [runtime, configure!, load!, start!]) r.release();
    return {
      description,
      isolate,
      context,
      refs: { frame: frame!, frameJson: frameJson!, reset: reset! },
      mapper,
      params,
    };
  } catch (error) {
    if (!isolate.isDisposed) isolate.dispose();
    throw error;
  }
}
