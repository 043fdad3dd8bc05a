/**
 * The studio's one connection to the engine: the socket.io signaling channel, the WebRTC peer
 * connection (camera out, instrument audio in), automatic reconnection, and the telemetry and
 * console streams. Views subscribe to it; nothing else in the studio talks to the engine over
 * socket.io.
 *
 * Lifecycle: `connect()` opens the socket (the engine starts a session and sends
 * `session:ready` with the running plugin); `start()` opens the camera and negotiates media;
 * `stop()` ends media but keeps the session (the editor keeps working); `dispose()` ends all.
 * If the socket drops, socket.io reconnects; the new session gets the instrument the player
 * had (last `plugin:load`/`plugin:use` and params) and media is renegotiated when it was on.
 */
import {
  type Ack,
  ClientEvent,
  type ConsoleEntry,
  type ErrorInfo,
  HIT_CHANNEL_LABEL,
  type HitMessage,
  MAX_LATENCY_COMPENSATION_MS,
  type OscInfo,
  type PluginInfo,
  ServerEvent,
  type SessionReady,
  type Telemetry,
} from '@bambam/protocol';
import { io, type Socket } from 'socket.io-client';
import { Emitter } from './emitter.ts';
import { parseHitMessage } from './hit-message.ts';
import {
  cameraProblem,
  connectionLostProblem,
  engineFullProblem,
  engineUnreachableProblem,
  noCameraApiProblem,
  type Problem,
  pluginDisabledProblem,
  webrtcProblem,
} from './problems.ts';

/**
 * The signaling link to the engine. `full`: the engine refused this page because all its seats
 * are taken (`engine-full`); nothing retries by itself until {@link EngineClient.retry}.
 */
export type LinkState = 'connecting' | 'connected' | 'unreachable' | 'lost' | 'full' | 'closed';

/** The engine's refusal when all its seats are taken. */
export const ENGINE_FULL_CODE: ErrorInfo['code'] = 'engine-full';
/** The media path: off, opening the camera, negotiating, live, or recovering after a failure. */
export type MediaState = 'off' | 'camera' | 'negotiating' | 'live' | 'recovering';

/** Everything a view renders about the connection; replaced (never mutated) on each change. */
export interface EngineSnapshot {
  readonly engineUrl: string;
  readonly link: LinkState;
  readonly media: MediaState;
  /** The engine's session id (changes after a reconnect). */
  readonly sessionId: string | null;
  /** The socket's id (changes after a reconnect). */
  readonly socketId: string | null;
  readonly plugin: PluginInfo | null;
  readonly problem: Problem | null;
  /** The camera in use (deviceId), or null for the browser's default. */
  readonly cameraId: string | null;
  /** Whether the player asked for media (start pressed and not stopped). */
  readonly wantsMedia: boolean;
}

/** A console line as the studio shows it: the engine's entries plus the studio's own. */
export interface ConsoleLine extends ConsoleEntry {
  /** Increasing id, for React keys. */
  readonly id: number;
  /** Wall-clock time it reached the page (ms since epoch). */
  readonly receivedAt: number;
  /** 'engine' for `ctx.log`/sandbox errors, 'studio' for the studio's own notes (load results…). */
  readonly origin: 'engine' | 'studio';
}

export interface EngineClientEvents extends Record<string, unknown> {
  change: EngineSnapshot;
  telemetry: Telemetry;
  console: ConsoleLine;
  /** The remote audio stream (the instrument), whenever a new one arrives. */
  audio: MediaStream;
  /** The local camera stream, whenever it changes (null when stopped). */
  camera: MediaStream | null;
  /** The hit channel opened (true) or closed / went away (false). */
  hitChannel: boolean;
  /** A hit from the hit channel, with `performance.now()` at its arrival. */
  hit: ReceivedHit;
}

/** A {@link HitMessage} as it reached the page. */
export interface ReceivedHit {
  readonly message: HitMessage;
  /** `performance.now()` when it arrived, ms. */
  readonly receivedAt: number;
}

export interface EngineClientOptions {
  readonly engineUrl: string;
  /** Jitter buffer the browser is asked to keep for the instrument's audio, ms. Default 10. */
  readonly jitterBufferTargetMs?: number;
  /** How long to wait for ICE gathering before sending the offer anyway, ms. Default 2000. */
  readonly iceGatheringTimeoutMs?: number;
  /** Ack timeout for signaling requests, ms. Default 10000. */
  readonly requestTimeoutMs?: number;
  /** How long a `disconnected` peer connection may stay so before it is renegotiated, ms. Default 3000. */
  readonly peerRecoveryMs?: number;
  /** Camera capture constraints. Default 640x480 at 30 fps. */
  readonly video?: MediaTrackConstraints;
  /** Console lines kept for views that mount later. Default 500. */
  readonly consoleHistory?: number;
}

type PluginRestore =
  | { readonly kind: 'source'; readonly source: string; readonly filename?: string }
  | { readonly kind: 'use'; readonly name: string; readonly version?: string };

/** Ack failure raised when the engine did not answer in time or is not connected. */
function localError(message: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code: 'internal', message } };
}

export class EngineClient {
  readonly #options: Required<Omit<EngineClientOptions, 'video'>> & { video: MediaTrackConstraints };
  readonly #events = new Emitter<EngineClientEvents>();
  #snapshot: EngineSnapshot;
  #socket: Socket | null = null;
  #everConnected = false;
  #pc: RTCPeerConnection | null = null;
  #camera: MediaStream | null = null;
  #remote: MediaStream | null = null;
  #hitChannel: RTCDataChannel | null = null;
  #audioElement: HTMLAudioElement | null = null;
  #negotiation = 0;
  #recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  #restore: PluginRestore | null = null;
  #paramOverrides: Record<string, number | boolean | string> = {};
  #console: ConsoleLine[] = [];
  #consoleId = 0;
  #lastTelemetry: Telemetry | null = null;
  #iceServers: SessionReady['iceServers'] = [];
  #disposed = false;
  #latencyCompensationMs = 0;
  /** The engine closed this page's session as idle; the next Start or request reconnects. */
  #idleClosed = false;
  /** Callers waiting for the next `session:ready` (after an idle close). */
  #readyWaiters: Array<() => void> = [];
  /** Where the player asked the session's OSC to go (kept across reconnections), or null. */
  #oscTarget: { host: string; port: number; landmarksHz: number } | null = null;

  constructor(options: EngineClientOptions) {
    this.#options = {
      jitterBufferTargetMs: 10,
      iceGatheringTimeoutMs: 2000,
      requestTimeoutMs: 10_000,
      peerRecoveryMs: 3000,
      consoleHistory: 500,
      ...options,
      video: options.video ?? { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
    };
    this.#snapshot = {
      engineUrl: options.engineUrl,
      link: 'connecting',
      media: 'off',
      sessionId: null,
      socketId: null,
      plugin: null,
      problem: null,
      cameraId: null,
      wantsMedia: false,
    };
  }

  // ---------------------------------------------------------------------------------------
  // Public API
  // ---------------------------------------------------------------------------------------

  get snapshot(): EngineSnapshot {
    return this.#snapshot;
  }

  /** The peer connection while media is negotiated or live. */
  get peerConnection(): RTCPeerConnection | null {
    return this.#pc;
  }

  get cameraStream(): MediaStream | null {
    return this.#camera;
  }

  get remoteAudio(): MediaStream | null {
    return this.#remote;
  }

  /** Whether the hit channel (direct monitoring) is open. */
  get hitChannelOpen(): boolean {
    return this.#hitChannel?.readyState === 'open';
  }

  /** The hit channel while media is negotiated or live (tests close it to check the fallback). */
  get hitChannel(): RTCDataChannel | null {
    return this.#hitChannel;
  }

  get lastTelemetry(): Telemetry | null {
    return this.#lastTelemetry;
  }

  /** Console lines received so far (oldest first, bounded). */
  get consoleLines(): readonly ConsoleLine[] {
    return this.#console;
  }

  on<K extends keyof EngineClientEvents>(
    event: K,
    listener: (value: EngineClientEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Opens the signaling socket. Idempotent. */
  connect(): void {
    if (this.#socket || this.#disposed) return;
    const socket = io(this.#options.engineUrl, {
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
      timeout: 5000,
    });
    this.#socket = socket;
    socket.on('connect', () => {
      this.#everConnected = true;
      this.#update({ link: 'connected', socketId: socket.id ?? null, problem: this.#clearProblem('link') });
    });
    socket.on('connect_error', (error) => {
      const reason = error.message === 'websocket error' ? 'connection refused' : error.message;
      if (this.#everConnected) {
        this.#update({ link: 'lost', problem: connectionLostProblem(this.#options.engineUrl) });
      } else {
        this.#update({
          link: 'unreachable',
          problem: engineUnreachableProblem(this.#options.engineUrl, reason),
        });
      }
    });
    socket.on('disconnect', (reason) => {
      this.#closePeer();
      const closedByUs = reason === 'io client disconnect' || this.#idleClosed;
      // Refused for want of a seat: the engine closed the socket right after saying so.
      const refused = this.#snapshot.link === 'full' && !closedByUs;
      this.#update({
        link: closedByUs ? 'closed' : refused ? 'full' : 'lost',
        sessionId: null,
        socketId: null,
        media: this.#snapshot.wantsMedia && !closedByUs ? 'recovering' : 'off',
        problem:
          closedByUs || refused ? this.#snapshot.problem : connectionLostProblem(this.#options.engineUrl),
      });
    });
    socket.on(ServerEvent.Ready, (ready: SessionReady) => void this.#onReady(ready));
    socket.on(ServerEvent.Telemetry, (telemetry: Telemetry) => {
      this.#lastTelemetry = telemetry;
      this.#events.emit('telemetry', telemetry);
    });
    socket.on(ServerEvent.Console, (entry: ConsoleEntry) => this.#pushConsole(entry, 'engine'));
    socket.on(ServerEvent.PluginChanged, (plugin: PluginInfo) => this.#update({ plugin }));
    socket.on(ServerEvent.Error, (error: ErrorInfo) => {
      this.#pushConsole(
        { level: 'error', message: error.message, t: 0, plugin: error.plugin, location: error.location },
        'engine',
      );
      if (error.code === ENGINE_FULL_CODE) {
        this.#update({ link: 'full', problem: engineFullProblem(error.message) });
      } else if (error.code === 'idle-timeout') {
        // The engine freed this page's seat after a long quiet spell: the next Start or request
        // connects again (a new session, with the player's instrument restored).
        this.#idleClosed = true;
      } else if (error.code === 'webrtc-failed' || error.code === 'unsupported-codec') {
        this.#update({ problem: webrtcProblem(error.message, this.#snapshot.wantsMedia) });
      } else if (error.code === 'plugin-runtime' || error.code === 'plugin-load') {
        this.#update({ problem: pluginDisabledProblem(error.message) });
      }
    });
  }

  /**
   * Asks the engine for a seat again after it refused this page (`link: 'full'`) or closed the
   * connection; what the player had (instrument, params, media) is restored once admitted.
   */
  retry(): void {
    const socket = this.#socket;
    if (!socket || this.#disposed || socket.connected) return;
    this.#update({ link: 'connecting', problem: this.#clearProblem('link') });
    socket.connect();
  }

  /** Opens the camera and starts sending it to the engine; the instrument's audio comes back. */
  async start(): Promise<void> {
    this.connect();
    if (this.#idleClosed) void this.#reconnectAfterIdle();
    this.#update({ wantsMedia: true });
    if (!(await this.#openCamera())) return;
    if (this.#snapshot.link === 'connected' && this.#snapshot.sessionId) await this.#negotiate();
    // Otherwise #onReady negotiates as soon as the session exists.
  }

  /** Stops media (camera and audio); the session and the editor connection stay. */
  async stop(): Promise<void> {
    this.#negotiation++; // abandon a negotiation in flight
    this.#update({ wantsMedia: false });
    const hadPeer = this.#pc !== null;
    this.#closePeer();
    this.#stopCamera();
    this.#update({ media: 'off', problem: this.#clearProblem('media') });
    if (hadPeer && this.#socket?.connected) await this.#request(ClientEvent.Stop, {});
  }

  /** Switches camera. While live, the new track replaces the old one without renegotiating. */
  async setCamera(deviceId: string | null): Promise<void> {
    this.#update({ cameraId: deviceId });
    if (!this.#camera) return;
    const previous = this.#camera;
    this.#camera = null;
    if (!(await this.#openCamera())) return;
    const track = this.cameraStream?.getVideoTracks()[0];
    const sender = this.#pc?.getSenders().find((s) => s.track?.kind === 'video' || s.track === null);
    if (track && sender) await sender.replaceTrack(track);
    for (const t of previous.getTracks()) t.stop();
  }

  /** The cameras the browser knows about (labels appear once camera access was granted). */
  async listCameras(): Promise<MediaDeviceInfo[]> {
    if (!navigator.mediaDevices?.enumerateDevices) return [];
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.filter((d) => d.kind === 'videoinput');
  }

  /** Plays the instrument's audio through this element (kept across reconnects). */
  attachAudio(element: HTMLAudioElement | null): void {
    this.#audioElement = element;
    if (element && this.#remote) this.#playRemote(element, this.#remote);
  }

  /** Compiles `source` on the engine and hot-swaps it in; on failure the old instrument keeps playing. */
  async loadPlugin(source: string, filename?: string): Promise<Ack<{ plugin: PluginInfo }>> {
    const ack = await this.#request<{ plugin: PluginInfo }>(ClientEvent.LoadPlugin, {
      source,
      ...(filename ? { filename } : {}),
    });
    if (ack.ok) {
      this.#restore = { kind: 'source', source, filename };
      this.#paramOverrides = {};
      this.#update({ plugin: ack.plugin, problem: this.#clearProblem('plugin') });
    }
    return ack;
  }

  /** Switches to a saved or installed plugin by name. */
  async usePlugin(name: string, version?: string): Promise<Ack<{ plugin: PluginInfo }>> {
    const ack = await this.#request<{ plugin: PluginInfo }>(ClientEvent.UsePlugin, {
      name,
      ...(version ? { version } : {}),
    });
    if (ack.ok) {
      this.#restore = { kind: 'use', name, version };
      this.#paramOverrides = {};
      this.#update({ plugin: ack.plugin, problem: this.#clearProblem('plugin') });
    }
    return ack;
  }

  /**
   * Loads the running instrument again (after the engine disabled it): the last source loaded
   * from the editor, else the plugin by name. Params the player set are applied again.
   */
  async reloadPlugin(): Promise<Ack<{ plugin: PluginInfo }>> {
    const restore = this.#restore;
    const params = { ...this.#paramOverrides };
    const name = this.#snapshot.plugin?.name;
    let ack: Ack<{ plugin: PluginInfo }>;
    if (restore?.kind === 'source') ack = await this.loadPlugin(restore.source, restore.filename);
    else if (restore || name) {
      const target = restore?.kind === 'use' ? restore : { name: name!, version: undefined };
      // biome-ignore lint/correctness/useHookAtTopLevel: EngineClient.usePlugin is a method (plugin:use), not a React hook
      ack = await this.usePlugin(target.name, target.version);
    } else ack = localError('No instrument to reload yet.');
    if (ack.ok && Object.keys(params).length > 0) return this.setParams(params);
    if (!ack.ok) this.note('error', `Could not reload the instrument: ${ack.error.message}`);
    return ack;
  }

  /** Changes param values of the running plugin. */
  async setParams(values: Record<string, number | boolean | string>): Promise<Ack<{ plugin: PluginInfo }>> {
    const ack = await this.#request<{ plugin: PluginInfo }>(ClientEvent.SetParams, { values });
    if (ack.ok) {
      Object.assign(this.#paramOverrides, values);
      this.#update({ plugin: ack.plugin });
    }
    return ack;
  }

  /**
   * Sets the session's latency compensation in the engine (ms, positive = scheduled plays are
   * placed earlier in the stream), now and after every reconnection.
   */
  setLatencyCompensation(ms: number): void {
    const clamped = Math.max(
      -MAX_LATENCY_COMPENSATION_MS,
      Math.min(MAX_LATENCY_COMPENSATION_MS, Math.round(ms)),
    );
    if (!Number.isFinite(clamped) || clamped === this.#latencyCompensationMs) return;
    this.#latencyCompensationMs = clamped;
    void this.#sendLatencyCompensation();
  }

  async #sendLatencyCompensation(): Promise<void> {
    if (!this.#socket?.connected) return; // sent on the next session:ready
    const ack = await this.#request(ClientEvent.SetLatency, { compensationMs: this.#latencyCompensationMs });
    if (!ack.ok) this.note('warn', `The engine did not take the latency calibration: ${ack.error.message}`);
  }

  /**
   * Sends the session's hits (and hands at `landmarksHz`) as OSC to host:port through the engine,
   * now and after every reconnection; `null` stops. Resolves with where the engine sends, or
   * rejects with the engine's reason (e.g. an address its operator does not allow).
   */
  async setOsc(target: { host: string; port: number; landmarksHz?: number } | null): Promise<OscInfo | null> {
    const request = target
      ? { host: target.host, port: target.port, landmarksHz: target.landmarksHz ?? 0 }
      : { off: true as const };
    const ack = await this.#request<{ osc: OscInfo | null }>(ClientEvent.SetOsc, request);
    if (!ack.ok) throw new Error(ack.error.message);
    this.#oscTarget = target
      ? { host: target.host, port: target.port, landmarksHz: target.landmarksHz ?? 0 }
      : null;
    return ack.osc;
  }

  /** Adds a line of the studio's own to the console (e.g. a save result). */
  note(level: ConsoleEntry['level'], message: string, extra?: Partial<ConsoleEntry>): void {
    this.#pushConsole({ level, message, t: 0, ...extra }, 'studio');
  }

  clearConsole(): void {
    this.#console = [];
  }

  /** Closes everything: media, camera, socket, listeners. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#closePeer();
    this.#stopCamera();
    this.#socket?.disconnect();
    this.#socket = null;
    this.#update({ link: 'closed', media: 'off', wantsMedia: false });
    this.#events.clear();
  }

  // ---------------------------------------------------------------------------------------
  // Session and signaling
  // ---------------------------------------------------------------------------------------

  async #onReady(ready: SessionReady): Promise<void> {
    this.#idleClosed = false;
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
    this.#iceServers = ready.iceServers;
    this.#update({ sessionId: ready.sessionId, plugin: ready.plugin, problem: this.#clearProblem('link') });
    // A new session after a reconnect starts with the default plugin: give the player theirs back.
    const restore = this.#restore;
    if (restore) {
      const ack =
        restore.kind === 'source'
          ? await this.#request<{ plugin: PluginInfo }>(ClientEvent.LoadPlugin, {
              source: restore.source,
              ...(restore.filename ? { filename: restore.filename } : {}),
            })
          : await this.#request<{ plugin: PluginInfo }>(ClientEvent.UsePlugin, {
              name: restore.name,
              ...(restore.version ? { version: restore.version } : {}),
            });
      if (ack.ok) this.#update({ plugin: ack.plugin });
      else this.note('warn', `Could not restore your instrument after reconnecting: ${ack.error.message}`);
    }
    if (Object.keys(this.#paramOverrides).length > 0) {
      const ack = await this.#request<{ plugin: PluginInfo }>(ClientEvent.SetParams, {
        values: this.#paramOverrides,
      });
      if (ack.ok) this.#update({ plugin: ack.plugin });
    }
    if (this.#latencyCompensationMs !== 0) await this.#sendLatencyCompensation();
    if (this.#oscTarget) {
      const ack = await this.#request(ClientEvent.SetOsc, this.#oscTarget);
      if (!ack.ok) this.note('warn', `OSC out stopped after reconnecting: ${ack.error.message}`);
    }
    if (this.#snapshot.wantsMedia && this.#camera) await this.#negotiate();
  }

  /** Connects again after the engine closed an idle session; resolves once the new session is ready (or after the request timeout). */
  #reconnectAfterIdle(): Promise<void> {
    const ready = new Promise<void>((resolve) => {
      this.#readyWaiters.push(resolve);
      setTimeout(resolve, this.#options.requestTimeoutMs);
    });
    this.retry();
    return ready;
  }

  async #request<T extends object>(event: string, payload: object): Promise<Ack<T>> {
    if (this.#idleClosed && !this.#socket?.connected) await this.#reconnectAfterIdle();
    const socket = this.#socket;
    if (!socket?.connected) return localError(`Not connected to the engine at ${this.#options.engineUrl}.`);
    try {
      return (await socket.timeout(this.#options.requestTimeoutMs).emitWithAck(event, payload)) as Ack<T>;
    } catch {
      return localError(
        `The engine did not answer '${event}' within ${this.#options.requestTimeoutMs / 1000} s.`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------
  // Media
  // ---------------------------------------------------------------------------------------

  async #openCamera(): Promise<boolean> {
    if (this.#camera) return true;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.#update({ media: 'off', wantsMedia: false, problem: noCameraApiProblem() });
      return false;
    }
    this.#update({ media: 'camera' });
    const cameraId = this.#snapshot.cameraId;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { ...this.#options.video, ...(cameraId ? { deviceId: { exact: cameraId } } : {}) },
      });
      if (!this.#snapshot.wantsMedia) {
        for (const t of stream.getTracks()) t.stop();
        return false;
      }
      this.#camera = stream;
      const track = stream.getVideoTracks()[0];
      track?.addEventListener('ended', () => {
        if (this.#camera === stream) {
          this.#update({
            problem: {
              kind: 'camera-missing',
              title: 'The camera stopped',
              detail: 'It was unplugged or taken by another application. Reconnect it and press Start.',
            },
          });
          void this.stop();
        }
      });
      this.#events.emit('camera', stream);
      this.#update({ problem: this.#clearProblem('camera') });
      return true;
    } catch (error) {
      this.#update({ media: 'off', wantsMedia: false, problem: cameraProblem(error) });
      return false;
    }
  }

  #stopCamera(): void {
    if (!this.#camera) return;
    for (const t of this.#camera.getTracks()) t.stop();
    this.#camera = null;
    this.#events.emit('camera', null);
  }

  async #negotiate(): Promise<void> {
    const camera = this.#camera;
    const track = camera?.getVideoTracks()[0];
    if (!camera || !track) return;
    const attempt = ++this.#negotiation;
    this.#closePeer();
    this.#update({ media: 'negotiating' });
    const pc = new RTCPeerConnection({ iceServers: this.#iceServers.map((s) => ({ ...s })) });
    this.#pc = pc;

    const video = pc.addTransceiver(track, { direction: 'sendonly', streams: [camera] });
    preferVp8(video);
    const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
    this.#lowLatency(audio.receiver);
    pc.addEventListener('track', (event) => {
      if (event.track.kind !== 'audio') return;
      this.#lowLatency(event.receiver);
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      this.#remote = stream;
      if (this.#audioElement) this.#playRemote(this.#audioElement, stream);
      this.#events.emit('audio', stream);
    });
    pc.addEventListener('connectionstatechange', () => this.#onPeerState(pc));
    // Before the offer, so that it negotiates SCTP (m=application).
    this.#openHitChannel(pc);

    try {
      await pc.setLocalDescription(await pc.createOffer());
      await iceGatheringComplete(pc, this.#options.iceGatheringTimeoutMs);
      if (attempt !== this.#negotiation) return;
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new Error('the browser produced no offer');
      const ack = await this.#request<{ sdp: string }>(ClientEvent.Offer, { sdp });
      if (attempt !== this.#negotiation) return;
      if (!ack.ok) {
        this.#closePeer();
        this.#update({ media: 'off', problem: webrtcProblem(ack.error.message, false) });
        this.note('error', `Media negotiation refused: ${ack.error.message}`);
        return;
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
    } catch (error) {
      if (attempt !== this.#negotiation) return;
      this.#closePeer();
      this.#update({ media: 'recovering', problem: webrtcProblem((error as Error).message, true) });
      this.#scheduleRecovery(this.#options.peerRecoveryMs);
    }
  }

  #onPeerState(pc: RTCPeerConnection): void {
    if (pc !== this.#pc) return;
    switch (pc.connectionState) {
      case 'connected':
        clearTimeout(this.#recoveryTimer);
        this.#update({ media: 'live', problem: this.#clearProblem('media') });
        break;
      case 'disconnected':
        // Often recovers by itself (a brief network hiccup); renegotiate if it doesn't.
        this.#update({ media: 'recovering' });
        this.#scheduleRecovery(this.#options.peerRecoveryMs);
        break;
      case 'failed':
        this.#update({
          media: 'recovering',
          problem: webrtcProblem('The audio/video connection to the engine failed. Reconnecting…', true),
        });
        this.#scheduleRecovery(500);
        break;
    }
  }

  #scheduleRecovery(delayMs: number): void {
    clearTimeout(this.#recoveryTimer);
    this.#recoveryTimer = setTimeout(() => {
      const pc = this.#pc;
      if (pc?.connectionState === 'connected') return;
      if (!this.#snapshot.wantsMedia || !this.#socket?.connected || !this.#snapshot.sessionId) return;
      void (async () => {
        await this.#request(ClientEvent.Stop, {});
        await this.#negotiate();
      })();
    }, delayMs);
  }

  #closePeer(): void {
    clearTimeout(this.#recoveryTimer);
    const pc = this.#pc;
    this.#pc = null;
    const channel = this.#hitChannel;
    this.#hitChannel = null;
    if (pc) pc.close();
    if (channel?.readyState === 'open') this.#events.emit('hitChannel', false);
  }

  /**
   * The hit channel: reliable and ordered, so a hit is late (an SCTP retransmission) rather than
   * lost; the direct monitor plays a hit from the telemetry when its message is that late. A
   * browser without data channels simply keeps hearing the stream.
   */
  #openHitChannel(pc: RTCPeerConnection): void {
    let channel: RTCDataChannel;
    try {
      channel = pc.createDataChannel(HIT_CHANNEL_LABEL, { ordered: true });
    } catch {
      return;
    }
    this.#hitChannel = channel;
    channel.addEventListener('open', () => {
      if (this.#hitChannel === channel) this.#events.emit('hitChannel', true);
    });
    channel.addEventListener('close', () => {
      if (this.#hitChannel !== channel) return;
      this.#hitChannel = null;
      this.#events.emit('hitChannel', false);
    });
    channel.addEventListener('message', (event: MessageEvent) => {
      const receivedAt = performance.now();
      if (this.#hitChannel !== channel) return;
      const message = parseHitMessage(event.data);
      if (message) this.#events.emit('hit', { message, receivedAt });
    });
  }

  /** Asks the browser for a small jitter buffer: latency is the product. */
  #lowLatency(receiver: RTCRtpReceiver): void {
    try {
      (receiver as RTCRtpReceiver & { jitterBufferTarget: number | null }).jitterBufferTarget =
        this.#options.jitterBufferTargetMs;
    } catch {
      // Older browsers: the default buffer still works, only with more latency.
    }
  }

  #playRemote(element: HTMLAudioElement, stream: MediaStream): void {
    if (element.srcObject !== stream) element.srcObject = stream;
    element.play().catch(() => {
      // Autoplay blocked until a click: the Start button is one, so this only happens on autostart.
      this.note(
        'warn',
        'The browser blocked audio autoplay: click anywhere on the page to hear the instrument.',
      );
      const resume = () => {
        void element.play().catch(() => undefined);
        window.removeEventListener('pointerdown', resume);
      };
      window.addEventListener('pointerdown', resume);
    });
  }

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------

  #update(patch: Partial<EngineSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.#events.emit('change', this.#snapshot);
  }

  /** The current problem, unless it belongs to `area` (which just recovered). */
  #clearProblem(area: 'link' | 'media' | 'camera' | 'plugin'): Problem | null {
    const problem = this.#snapshot.problem;
    if (!problem) return null;
    const kinds: Record<typeof area, readonly string[]> = {
      link: ['engine-unreachable', 'connection-lost', 'engine-full'],
      media: ['webrtc-failed', 'connection-lost'],
      camera: ['camera-denied', 'camera-missing', 'camera-busy', 'camera-unavailable'],
      plugin: ['plugin-disabled'],
    };
    return kinds[area].includes(problem.kind) ? null : problem;
  }

  #pushConsole(entry: ConsoleEntry, origin: ConsoleLine['origin']): void {
    const line: ConsoleLine = { ...entry, id: ++this.#consoleId, receivedAt: Date.now(), origin };
    this.#console = [...this.#console.slice(-(this.#options.consoleHistory - 1)), line];
    this.#events.emit('console', line);
  }
}

/** Puts VP8 first: the engine decodes it fastest (media notes). */
function preferVp8(transceiver: RTCRtpTransceiver): void {
  const capabilities =
    typeof RTCRtpSender.getCapabilities === 'function' && RTCRtpSender.getCapabilities('video');
  if (!capabilities || typeof transceiver.setCodecPreferences !== 'function') return;
  const rank = (mime: string) => (/vp8/i.test(mime) ? 0 : /h264/i.test(mime) ? 1 : 2);
  const codecs = [...capabilities.codecs].sort((a, b) => rank(a.mimeType) - rank(b.mimeType));
  try {
    transceiver.setCodecPreferences(codecs);
  } catch {
    // Keep the browser's order.
  }
}

/** Non-trickle ICE: wait until the offer holds every candidate (or the timeout, then send what we have). */
function iceGatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
