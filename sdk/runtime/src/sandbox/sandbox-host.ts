/**
 * The child process of a process-isolated sandbox (see process-sandbox.ts): it runs one plugin
 * in an {@link IsolateSandbox} and answers its parent over the Unix socket host-launcher.ts
 * named. Whatever the plugin does to this process
 * (a V8 fatal error, work that cannot be interrupted) stays in this process.
 */
import { connect } from 'node:net';
import type { Frame } from '@bambam/sdk';
import type { CompiledPlugin } from './compile.ts';
import { PluginError, pluginErrorData } from './errors.ts';
import {
  HOST_ID_ENV,
  HOST_SOCKET_ENV,
  type HostHello,
  readHostMessages,
  writeHostMessage,
} from './host-channel.ts';
import { IsolateSandbox } from './isolate-sandbox.ts';
import type { SandboxLimits } from './limits.ts';
import type { HostReply, HostRequest, SerializedError } from './process-protocol.ts';
import type { SandboxOptions } from './types.ts';

let sandbox: IsolateSandbox | undefined;

const socketPath = process.env[HOST_SOCKET_ENV];
if (!socketPath)
  throw new Error(`sandbox-host.ts is started by host-launcher.ts, which sets ${HOST_SOCKET_ENV}`);
const socket = connect(socketPath);

function send(message: HostReply): void {
  writeHostMessage(socket, message);
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof PluginError) return { kind: 'plugin', data: pluginErrorData(error) };
  const e = error as Error;
  const kind = e?.name === 'TypeError' || e?.name === 'RangeError' ? e.name : 'Error';
  return { kind, message: String(e?.message ?? error) };
}

async function load(compiled: CompiledPlugin, options: SandboxOptions, limits: SandboxLimits): Promise<void> {
  try {
    sandbox = await IsolateSandbox.load(
      compiled,
      { ...options, onLog: (entry) => send({ type: 'log', entry }) },
      limits,
    );
    send({ type: 'loaded', description: sandbox.description, params: sandbox.params });
  } catch (error) {
    send({ type: 'load-failed', error: serializeError(error) });
  }
}

async function call(id: number, run: (s: IsolateSandbox) => Promise<unknown>): Promise<void> {
  try {
    const value = await run(sandbox!);
    send({ type: 'result', id, value, stats: sandbox!.stats });
  } catch (error) {
    send({ type: 'error', id, error: serializeError(error), stats: sandbox!.stats });
  }
}

function receive(message: HostRequest): void {
  switch (message.op) {
    case 'load':
      void load(message.compiled, message.options, message.limits);
      break;
    case 'frame':
      void call(message.id, (s) => s.onFrame(message.frame as Frame));
      break;
    case 'reset':
      void call(message.id, (s) => s.reset());
      break;
    case 'params':
      sandbox?.setParams(message.values);
      break;
    case 'dispose':
      // The parent may give this process to another plugin: nothing of this one stays.
      sandbox?.dispose();
      sandbox = undefined;
      break;
  }
}

socket.on('error', () => {});
readHostMessages(socket, (message) => receive(message as HostRequest));
// The parent went away: nothing to serve.
socket.on('close', () => process.exit(0));
writeHostMessage(socket, { hello: process.env[HOST_ID_ENV] ?? '' } satisfies HostHello);
send({ type: 'ready' });
