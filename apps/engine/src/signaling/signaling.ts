/**
 * socket.io signaling on the engine's HTTP server: each connection is a session. Every
 * client message is validated with the protocol's zod schemas before anything happens; a
 * malformed one gets `{ ok: false, error }` in its ack and changes nothing. A message over
 * MAX_MESSAGE_BYTES gets a `too-large` reply; only one over MAX_TRANSPORT_BYTES makes socket.io
 * itself close the connection (`maxHttpBufferSize`).
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import {
  type Ack,
  ClientEvent,
  type ErrorInfo,
  LoadPluginRequest,
  MAX_MESSAGE_BYTES,
  MAX_TRANSPORT_BYTES,
  OfferRequest,
  parseMessage,
  ServerEvent,
  type SessionReady,
  SetParamsRequest,
  StopRequest,
  UsePluginRequest,
} from '@bambam/sdk/protocol';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import type { EngineConfig } from '../config.ts';
import type { PluginCatalog } from '../instrument/catalog.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import { toErrorInfo } from '../session/errors.ts';
import { Session } from '../session/session.ts';
import type { SharedTracking } from '../track/tracking-stage.ts';

/** A message's size as it came over the wire, near enough: its JSON length (UTF-16 units ≤ bytes×1). */
function messageBytes(payload: unknown[]): number {
  let bytes = 0;
  for (const part of payload) {
    if (typeof part === 'string') bytes += part.length;
    else if (part instanceof Uint8Array) bytes += part.byteLength;
    else if (part !== null && typeof part === 'object') bytes += JSON.stringify(part)?.length ?? 0;
  }
  return bytes;
}

export interface SignalingOptions {
  readonly config: EngineConfig;
  readonly metrics: EngineMetrics;
  readonly catalogs: readonly PluginCatalog[];
  readonly tracking: SharedTracking;
}

type AckFn = (reply: Ack<object>) => void;

export class Signaling {
  readonly io: Server;
  readonly sessions = new Map<string, Session>();
  private readonly options: SignalingOptions;
  private closing = false;

  constructor(httpServer: HttpServer, options: SignalingOptions) {
    this.options = options;
    const { corsOrigins } = options.config;
    this.io = new Server(httpServer, {
      maxHttpBufferSize: MAX_TRANSPORT_BYTES,
      cors: { origin: corsOrigins === '*' ? true : [...corsOrigins], credentials: true },
      serveClient: true,
    });
    this.io.on('connection', (socket) => {
      this.onConnection(socket).catch((error: unknown) => {
        options.metrics.errors.inc({ kind: 'internal' });
        console.error('[engine] session setup failed:', error);
        socket.disconnect(true);
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    this.io.disconnectSockets(true);
    await Promise.all(sessions.map((s) => s.dispose()));
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  private async onConnection(socket: Socket): Promise<void> {
    const { config, metrics, catalogs, tracking } = this.options;
    if (this.closing) {
      socket.disconnect(true);
      return;
    }
    if (this.sessions.size >= config.maxSessions) {
      socket.emit(ServerEvent.Error, {
        code: 'internal',
        message: `The engine is full (${config.maxSessions} sessions). Try again later.`,
      } satisfies ErrorInfo);
      socket.disconnect(true);
      return;
    }
    const session = new Session({
      id: randomUUID(),
      config,
      metrics,
      catalogs,
      tracking,
      events: {
        telemetry: (t) => socket.volatile.emit(ServerEvent.Telemetry, t),
        console: (entry) => socket.emit(ServerEvent.Console, entry),
        pluginChanged: (info) => socket.emit(ServerEvent.PluginChanged, info),
        error: (error) => socket.emit(ServerEvent.Error, error),
      },
    });
    this.sessions.set(session.id, session);
    metrics.sessions.set(this.sessions.size);
    metrics.sessionsTotal.inc();
    let gone = false;
    socket.on('disconnect', () => {
      gone = true;
      this.sessions.delete(session.id);
      metrics.sessions.set(this.sessions.size);
      session.dispose().catch((error: unknown) => console.error('[engine] session dispose failed:', error));
    });

    this.handle(socket, ClientEvent.Offer, OfferRequest, async ({ sdp }) => ({
      sdp: await session.offer(sdp),
    }));
    this.handle(socket, ClientEvent.LoadPlugin, LoadPluginRequest, async ({ source, filename }) => ({
      plugin: await session.loadSource(source, filename),
    }));
    this.handle(socket, ClientEvent.UsePlugin, UsePluginRequest, async ({ name, version }) => ({
      plugin: await session.usePlugin(name, version),
    }));
    this.handle(socket, ClientEvent.SetParams, SetParamsRequest, async ({ values }) => ({
      plugin: session.setParams(values),
    }));
    this.handle(socket, ClientEvent.Stop, StopRequest, async () => {
      await session.stop();
      return {};
    });
    socket.onAny((event: string, ...args: unknown[]) => {
      if (Object.values(ClientEvent).includes(event as never)) return;
      metrics.errors.inc({ kind: 'signaling' });
      const ack = args[args.length - 1];
      if (typeof ack === 'function') {
        (ack as AckFn)({ ok: false, error: { code: 'bad-request', message: `Unknown event '${event}'.` } });
      }
    });

    let plugin: ReturnType<Session['instrument']['info']>;
    try {
      plugin = await session.init();
    } catch (error) {
      const { info } = toErrorInfo(error);
      metrics.errors.inc({ kind: 'plugin' });
      console.error('[engine] default plugin failed to load:', info.message);
      socket.emit(ServerEvent.Error, {
        ...info,
        message: `The default plugin did not load: ${info.message}`,
      });
    }
    if (gone) return;
    plugin = session.instrument.info();
    const ready = {
      sessionId: session.id,
      plugin: plugin ?? { name: '', version: '', description: '', params: {}, paramValues: {}, sounds: {} },
      iceServers: config.iceServers.map((s) => ({ ...s })),
    } satisfies SessionReady;
    socket.emit(ServerEvent.Ready, ready);
  }

  /** Registers a request handler: validate → run → ack, never throwing into socket.io. */
  private handle<T>(
    socket: Socket,
    event: string,
    schema: z.ZodType<T>,
    run: (message: T) => Promise<object>,
  ): void {
    const { metrics } = this.options;
    socket.on(event, (...args: unknown[]) => {
      const ack: AckFn =
        typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as AckFn) : () => {};
      const payload = typeof args[args.length - 1] === 'function' ? args.slice(0, -1) : args;
      const bytes = messageBytes(payload);
      if (bytes > MAX_MESSAGE_BYTES) {
        metrics.errors.inc({ kind: 'signaling' });
        ack({
          ok: false,
          error: {
            code: 'too-large',
            message: `Message is ${bytes} bytes; the limit is ${MAX_MESSAGE_BYTES}.`,
          },
        });
        return;
      }
      const parsed = parseMessage(schema, payload.length === 1 ? payload[0] : payload);
      if (!parsed.ok) {
        metrics.errors.inc({ kind: 'signaling' });
        const tooBig = /too big|too_big|at most|<=/i.test(parsed.error.message);
        ack({ ok: false, error: tooBig ? { ...parsed.error, code: 'too-large' } : parsed.error });
        return;
      }
      run(parsed.value).then(
        (result) => ack({ ok: true, ...result }),
        (error: unknown) => {
          const { info, expected } = toErrorInfo(error);
          if (!expected) {
            metrics.errors.inc({ kind: 'internal' });
            console.error(`[engine] ${event} failed:`, error);
          }
          ack({ ok: false, error: info });
        },
      );
    });
  }
}
