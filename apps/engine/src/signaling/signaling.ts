/**
 * socket.io signaling on the engine's HTTP server: each connection is a session. Every
 * client message is validated with the protocol's zod schemas before anything happens; a
 * malformed one gets `{ ok: false, error }` in its ack and changes nothing. A message over
 * MAX_MESSAGE_BYTES gets a `too-large` reply; only one over MAX_TRANSPORT_BYTES makes socket.io
 * itself close the connection (`maxHttpBufferSize`).
 *
 * Only pages of allowed origins, addressing an allowed host name, get a session: socket.io's
 * `cors` option governs only HTTP long-polling responses, so the engine's {@link OriginPolicy}
 * runs in engine.io's `allowRequest`, which sees every handshake (polling or WebSocket
 * upgrade) before any socket exists; a refused one gets 403 (polling) or 400 (upgrade) and the
 * client a `connect_error`. Requests that carry a session id (later polls, the upgrade of a
 * polling session) skip `allowRequest`, so a middleware checks those too.
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import {
  type Ack,
  ClientEvent,
  LoadPluginRequest,
  MAX_MESSAGE_BYTES,
  MAX_TRANSPORT_BYTES,
  OfferRequest,
  parseMessage,
  ServerEvent,
  type SessionReady,
  SetLatencyRequest,
  SetOscRequest,
  SetParamsRequest,
  StopRequest,
  UsePluginRequest,
} from '@bambam/protocol';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import type { Admission } from '../admission/admission.ts';
import { clientAddress } from '../admission/client-address.ts';
import { ClientLimiter } from '../admission/client-limiter.ts';
import { proxyList } from '../admission/limits.ts';
import { TokenBucket } from '../admission/token-bucket.ts';
import type { EngineConfig } from '../config.ts';
import { OscTargetPolicy } from '../egress/osc/osc-target-policy.ts';
import { OriginPolicy } from '../http/origin-policy.ts';
import { RefusalLog } from '../http/refusal-log.ts';
import type { PluginCatalog } from '../instrument/catalog.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import { toErrorInfo } from '../session/errors.ts';
import { Session } from '../session/session.ts';
import type { SharedTracking } from '../track/shared-tracking.ts';

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
  /** Seats: a connection without one is refused (`engine-full`) before any session exists. */
  readonly admission: Admission;
}

type AckFn = (reply: Ack<object>) => void;

export class Signaling {
  readonly io: Server;
  readonly sessions = new Map<string, Session>();
  private readonly options: SignalingOptions;
  /** Connection setups in flight (loading the default plugin), for {@link settled}. */
  private readonly setups = new Set<Promise<void>>();
  private closing = false;
  /** Where sessions may send OSC (the operator's `BAMBAM_OSC_ALLOW`). */
  private readonly oscPolicy: OscTargetPolicy;
  /** Sessions per client address (concurrent, per minute). */
  readonly clientLimiter: ClientLimiter;
  /** Whose `X-Forwarded-For` is believed. */
  private readonly trustedProxies: ReturnType<typeof proxyList>;

  constructor(httpServer: HttpServer, options: SignalingOptions) {
    this.options = options;
    this.oscPolicy = new OscTargetPolicy(options.config.oscAllow);
    this.clientLimiter = new ClientLimiter(options.config.clientLimits);
    this.trustedProxies = proxyList(options.config.clientLimits.trustedProxies);
    const policy = OriginPolicy.fromConfig(options.config);
    const refusals = new RefusalLog('socket.io');
    /** The refusal message for a request, or undefined when it may go on. */
    const refuse = (req: IncomingMessage): string | undefined => {
      const refusal = policy.check(req.headers);
      if (refusal) refusals.note(refusal, req);
      return refusal?.message;
    };
    this.io = new Server(httpServer, {
      maxHttpBufferSize: MAX_TRANSPORT_BYTES,
      // Response headers for polling only; the decision is allowRequest's.
      cors: { origin: (origin, done) => done(null, origin !== undefined && policy.originAllowed(origin)) },
      allowRequest: (req, done) => {
        const refused = refuse(req);
        done(refused ?? null, refused === undefined);
      },
      serveClient: true,
    });
    this.io.engine.use((req: IncomingMessage, _res: unknown, next: (error?: Error) => void) => {
      const refused = new URL(req.url ?? '/', 'http://engine.invalid').searchParams.has('sid')
        ? refuse(req)
        : undefined;
      next(refused === undefined ? undefined : new Error(refused));
    });
    this.io.on('connection', (socket) => {
      const setup = this.onConnection(socket).catch((error: unknown) => {
        options.metrics.errors.inc({ kind: 'internal' });
        console.error('[engine] session setup failed:', error);
        socket.disconnect(true);
      });
      this.setups.add(setup);
      void setup.finally(() => this.setups.delete(setup));
    });
  }

  /** Resolves once every connection setup in flight (default plugin loading) has finished. */
  async settled(): Promise<void> {
    while (this.setups.size > 0) await Promise.all(this.setups);
  }

  async close(): Promise<void> {
    this.closing = true;
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    this.io.disconnectSockets(true);
    await Promise.all(sessions.map((s) => s.dispose()));
    await this.settled();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  private async onConnection(socket: Socket): Promise<void> {
    const { config, metrics, catalogs, tracking, admission } = this.options;
    if (this.closing) {
      socket.disconnect(true);
      return;
    }
    // The client's own limits, then a seat: a refused player costs no session, plugin or media work.
    const client = clientAddress(
      socket.handshake.address,
      socket.handshake.headers['x-forwarded-for'],
      this.trustedProxies,
    );
    const leased = this.clientLimiter.open(client);
    if ('refusal' in leased) {
      metrics.limited.inc({ kind: leased.refusal.kind });
      socket.emit(ServerEvent.Error, leased.refusal.info);
      socket.disconnect(true);
      return;
    }
    const admitted = admission.admit();
    if ('refusal' in admitted) {
      leased.lease.release();
      socket.emit(ServerEvent.Error, admitted.refusal);
      socket.disconnect(true);
      return;
    }
    socket.once('disconnect', () => {
      admitted.seat.release();
      leased.lease.release();
    });
    this.limitMessages(socket);
    const session = new Session({
      id: randomUUID(),
      config,
      metrics,
      catalogs,
      tracking,
      oscPolicy: this.oscPolicy,
      events: {
        telemetry: (t) => {
          admission.observeTrackMs(t.timings.track - (t.timings.trackWait ?? 0));
          socket.volatile.emit(ServerEvent.Telemetry, t);
        },
        console: (entry) => socket.emit(ServerEvent.Console, entry),
        pluginChanged: (info) => socket.emit(ServerEvent.PluginChanged, info),
        error: (error) => socket.emit(ServerEvent.Error, error),
        idle: (error) => {
          metrics.limited.inc({ kind: 'idle' });
          socket.emit(ServerEvent.Error, error);
          socket.disconnect(true);
        },
      },
    });
    this.sessions.set(session.id, session);
    // Any message is activity: an editor compiling without a camera keeps its session.
    socket.use((_packet, next) => {
      session.noteActivity();
      next();
    });
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
    this.handle(socket, ClientEvent.SetLatency, SetLatencyRequest, async ({ compensationMs }) => ({
      compensationMs: session.setLatencyCompensation(compensationMs),
    }));
    this.handle(socket, ClientEvent.SetOsc, SetOscRequest, async (request) => ({
      osc: await session.setOsc(request),
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
      // The client left while its plugin loaded: nothing failed, nobody is waiting.
      if (gone || session.closed) return;
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

  /**
   * A token bucket per connection, ahead of every handler: a message over the rate is answered
   * `rate-limited` (when it wants an ack) and goes no further.
   */
  private limitMessages(socket: Socket): void {
    const { config, metrics } = this.options;
    const { messagesPerSecond, messageBurst } = config.clientLimits;
    const bucket = new TokenBucket(messagesPerSecond, messageBurst);
    socket.use((packet, next) => {
      if (bucket.take()) {
        next();
        return;
      }
      metrics.limited.inc({ kind: 'messages' });
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function') {
        (ack as AckFn)({
          ok: false,
          error: {
            code: 'rate-limited',
            message: `Too many messages: this engine takes ${messagesPerSecond} per second (bursts of ${messageBurst}). Slow down and try again.`,
          },
        });
      }
    });
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
