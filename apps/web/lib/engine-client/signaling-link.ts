import {
  type Ack,
  type ConsoleEntry,
  type ErrorInfo,
  type PluginInfo,
  ServerEvent,
  type SessionReady,
  type Telemetry,
} from '@bambam/protocol';
import { io, type Socket } from 'socket.io-client';
import {
  connectionLostProblem,
  engineFullProblem,
  engineUnreachableProblem,
  pluginDisabledProblem,
  webrtcProblem,
} from '../problems.ts';
import type { ClientState } from './client-state.ts';

/** The engine's refusal when all its seats are taken. */
export const ENGINE_FULL_CODE: ErrorInfo['code'] = 'engine-full';

/** socket.io's settings for the signaling socket: websocket only, reconnecting by itself. */
export const SIGNALING_SOCKET_OPTIONS = {
  transports: ['websocket'],
  reconnection: true,
  reconnectionDelay: 500,
  reconnectionDelayMax: 3000,
  timeout: 5000,
} as const;

/** Ack failure raised when the engine did not answer in time or is not connected. */
export function localError(message: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code: 'internal', message } };
}

/** What the signaling link asks of the rest of the client. */
export interface SignalingHooks {
  /** The engine started a session (first connection, reconnection, or after an idle close). */
  readonly onReady: (ready: SessionReady) => void;
  /** The socket went away: media over the old session is over. */
  readonly onDisconnect: () => void;
}

/**
 * The socket.io signaling channel to the engine: connection state in the snapshot, the
 * engine's telemetry, console and errors, and requests with acks. After the engine closed an
 * idle session, the next request (or Start) connects again first.
 */
export class SignalingLink {
  private readonly state: ClientState;
  private readonly engineUrl: string;
  private readonly requestTimeoutMs: number;
  private readonly hooks: SignalingHooks;
  private socket: Socket | null = null;
  private everConnected = false;
  private disposed = false;
  /** The engine closed this page's session as idle; the next Start or request reconnects. */
  private idleClosed = false;
  /** Callers waiting for the next `session:ready` (after an idle close). */
  private readyWaiters: Array<() => void> = [];

  constructor(state: ClientState, engineUrl: string, requestTimeoutMs: number, hooks: SignalingHooks) {
    this.state = state;
    this.engineUrl = engineUrl;
    this.requestTimeoutMs = requestTimeoutMs;
    this.hooks = hooks;
  }

  /** Whether the socket is connected now. */
  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Opens the signaling socket. Idempotent. */
  connect(): void {
    if (this.socket || this.disposed) return;
    // A fresh options object per socket: socket.io keeps (and may change) the one it is given.
    const socket = io(this.engineUrl, {
      ...SIGNALING_SOCKET_OPTIONS,
      transports: [...SIGNALING_SOCKET_OPTIONS.transports],
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.everConnected = true;
      this.state.update({
        link: 'connected',
        socketId: socket.id ?? null,
        problem: this.state.clearProblem('link'),
      });
    });
    socket.on('connect_error', (error) => {
      const reason = error.message === 'websocket error' ? 'connection refused' : error.message;
      if (this.everConnected) {
        this.state.update({ link: 'lost', problem: connectionLostProblem(this.engineUrl) });
      } else {
        this.state.update({ link: 'unreachable', problem: engineUnreachableProblem(this.engineUrl, reason) });
      }
    });
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.on(ServerEvent.Ready, (ready: SessionReady) => {
      this.idleClosed = false;
      for (const resolve of this.readyWaiters.splice(0)) resolve();
      this.hooks.onReady(ready);
    });
    socket.on(ServerEvent.Telemetry, (telemetry: Telemetry) => this.state.receiveTelemetry(telemetry));
    socket.on(ServerEvent.Console, (entry: ConsoleEntry) => this.state.pushConsole(entry, 'engine'));
    socket.on(ServerEvent.PluginChanged, (plugin: PluginInfo) => this.state.update({ plugin }));
    socket.on(ServerEvent.Error, (error: ErrorInfo) => this.onEngineError(error));
  }

  /**
   * Asks the engine for a seat again after it refused this page (`link: 'full'`) or closed the
   * connection.
   */
  retry(): void {
    const socket = this.socket;
    if (!socket || this.disposed || socket.connected) return;
    this.state.update({ link: 'connecting', problem: this.state.clearProblem('link') });
    socket.connect();
  }

  /** After an idle close, starts connecting again (Start pressed). */
  wakeAfterIdle(): void {
    if (this.idleClosed) void this.reconnectAfterIdle();
  }

  /** Sends `event` and waits for the engine's ack (or a local error: not connected, timed out). */
  async request<T extends object>(event: string, payload: object): Promise<Ack<T>> {
    if (this.idleClosed && !this.socket?.connected) await this.reconnectAfterIdle();
    const socket = this.socket;
    if (!socket?.connected) return localError(`Not connected to the engine at ${this.engineUrl}.`);
    try {
      return (await socket.timeout(this.requestTimeoutMs).emitWithAck(event, payload)) as Ack<T>;
    } catch {
      return localError(`The engine did not answer '${event}' within ${this.requestTimeoutMs / 1000} s.`);
    }
  }

  /** Closes the socket for good. */
  dispose(): void {
    this.disposed = true;
    this.socket?.disconnect();
    this.socket = null;
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    this.hooks.onDisconnect();
    const snapshot = this.state.snapshot;
    const closedByUs = reason === 'io client disconnect' || this.idleClosed;
    // Refused for want of a seat: the engine closed the socket right after saying so.
    const refused = snapshot.link === 'full' && !closedByUs;
    this.state.update({
      link: closedByUs ? 'closed' : refused ? 'full' : 'lost',
      sessionId: null,
      socketId: null,
      media: snapshot.wantsMedia && !closedByUs ? 'recovering' : 'off',
      problem: closedByUs || refused ? snapshot.problem : connectionLostProblem(this.engineUrl),
    });
  }

  private onEngineError(error: ErrorInfo): void {
    this.state.pushConsole(
      { level: 'error', message: error.message, t: 0, plugin: error.plugin, location: error.location },
      'engine',
    );
    if (error.code === ENGINE_FULL_CODE) {
      this.state.update({ link: 'full', problem: engineFullProblem(error.message) });
    } else if (error.code === 'idle-timeout') {
      // The engine freed this page's seat after a long quiet spell: the next Start or request
      // connects again (a new session, with the player's instrument restored).
      this.idleClosed = true;
    } else if (error.code === 'webrtc-failed' || error.code === 'unsupported-codec') {
      this.state.update({ problem: webrtcProblem(error.message, this.state.snapshot.wantsMedia) });
    } else if (error.code === 'plugin-runtime' || error.code === 'plugin-load') {
      this.state.update({ problem: pluginDisabledProblem(error.message) });
    }
  }

  /** Connects again after the engine closed an idle session; resolves once the new session is ready (or after the request timeout). */
  private reconnectAfterIdle(): Promise<void> {
    const ready = new Promise<void>((resolve) => {
      this.readyWaiters.push(resolve);
      setTimeout(resolve, this.requestTimeoutMs);
    });
    this.retry();
    return ready;
  }
}
