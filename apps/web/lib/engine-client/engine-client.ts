/**
 * The studio's one connection to the engine: a small front over the signaling link
 * ({@link SignalingLink}), the camera ({@link Camera}), the peer connection with its recovery
 * ({@link PeerLink}) and the player's session settings ({@link SessionSettings}). Views
 * subscribe to it; nothing else in the studio talks to the engine over socket.io.
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
  type OscInfo,
  type PluginInfo,
  type SessionReady,
  type Telemetry,
} from '@bambam/protocol';
import { Camera } from './camera.ts';
import { ClientState } from './client-state.ts';
import type { EngineSnapshot } from './engine-snapshot.ts';
import type { ConsoleLine, EngineClientEvents } from './events.ts';
import { type EngineClientOptions, resolveEngineClientOptions } from './options.ts';
import { PeerLink } from './peer-link.ts';
import { SessionSettings } from './session-settings.ts';
import { SignalingLink } from './signaling-link.ts';

export class EngineClient {
  private readonly state: ClientState;
  private readonly link: SignalingLink;
  private readonly camera: Camera;
  private readonly peer: PeerLink;
  private readonly settings: SessionSettings;
  private disposed = false;

  constructor(options: EngineClientOptions) {
    const resolved = resolveEngineClientOptions(options);
    this.state = new ClientState(resolved.engineUrl, resolved.consoleHistory);
    this.link = new SignalingLink(this.state, resolved.engineUrl, resolved.requestTimeoutMs, {
      onReady: (ready) => void this.onReady(ready),
      onDisconnect: () => this.peer.close(),
    });
    this.camera = new Camera(this.state, resolved.video, () => void this.stop());
    this.peer = new PeerLink(this.state, this.link, this.camera, resolved);
    this.settings = new SessionSettings(this.state, this.link);
  }

  get snapshot(): EngineSnapshot {
    return this.state.snapshot;
  }

  /** The peer connection while media is negotiated or live. */
  get peerConnection(): RTCPeerConnection | null {
    return this.peer.connection;
  }

  get cameraStream(): MediaStream | null {
    return this.camera.stream;
  }

  get remoteAudio(): MediaStream | null {
    return this.peer.audio.stream;
  }

  /** Whether the hit channel (direct monitoring) is open. */
  get hitChannelOpen(): boolean {
    return this.peer.hits.isOpen;
  }

  /** The hit channel while media is negotiated or live (tests close it to check the fallback). */
  get hitChannel(): RTCDataChannel | null {
    return this.peer.hits.channel;
  }

  get lastTelemetry(): Telemetry | null {
    return this.state.lastTelemetry;
  }

  /** Console lines received so far (oldest first, bounded). */
  get consoleLines(): readonly ConsoleLine[] {
    return this.state.consoleLines;
  }

  on<K extends keyof EngineClientEvents>(
    event: K,
    listener: (value: EngineClientEvents[K]) => void,
  ): () => void {
    return this.state.events.on(event, listener);
  }

  /** Opens the signaling socket. Idempotent. */
  connect(): void {
    this.link.connect();
  }

  /**
   * Asks the engine for a seat again after it refused this page (`link: 'full'`) or closed the
   * connection; what the player had (instrument, params, media) is restored once admitted.
   */
  retry(): void {
    this.link.retry();
  }

  /** Opens the camera and starts sending it to the engine; the instrument's audio comes back. */
  async start(): Promise<void> {
    this.connect();
    this.link.wakeAfterIdle();
    this.state.update({ wantsMedia: true });
    if (!(await this.camera.open())) return;
    const { link, sessionId } = this.state.snapshot;
    if (link === 'connected' && sessionId) await this.peer.negotiate();
    // Otherwise onReady negotiates as soon as the session exists.
  }

  /** Stops media (camera and audio); the session and the editor connection stay. */
  async stop(): Promise<void> {
    this.peer.abandonNegotiation();
    this.state.update({ wantsMedia: false });
    const hadPeer = this.peer.connection !== null;
    this.peer.close();
    this.camera.stop();
    this.state.update({ media: 'off', problem: this.state.clearProblem('media') });
    if (hadPeer && this.link.connected) await this.link.request(ClientEvent.Stop, {});
  }

  /** Switches camera. While live, the new track replaces the old one without renegotiating. */
  async setCamera(deviceId: string | null): Promise<void> {
    this.state.update({ cameraId: deviceId });
    const previous = this.camera.detach();
    if (!previous) return;
    if (!(await this.camera.open())) return;
    await this.peer.replaceVideoTrack(this.camera.stream?.getVideoTracks()[0]);
    for (const t of previous.getTracks()) t.stop();
  }

  /** The cameras the browser knows about (labels appear once camera access was granted). */
  listCameras(): Promise<MediaDeviceInfo[]> {
    return Camera.list();
  }

  /** Plays the instrument's audio through this element (kept across reconnects). */
  attachAudio(element: HTMLAudioElement | null): void {
    this.peer.audio.attach(element);
  }

  /** Compiles `source` on the engine and hot-swaps it in; on failure the old instrument keeps playing. */
  loadPlugin(source: string, filename?: string): Promise<Ack<{ plugin: PluginInfo }>> {
    return this.settings.loadPlugin(source, filename);
  }

  /** Switches to a saved or installed plugin by name. */
  usePlugin(name: string, version?: string): Promise<Ack<{ plugin: PluginInfo }>> {
    return this.settings.usePlugin(name, version);
  }

  /**
   * Loads the running instrument again (after the engine disabled it): the last source loaded
   * from the editor, else the plugin by name. Params the player set are applied again.
   */
  reloadPlugin(): Promise<Ack<{ plugin: PluginInfo }>> {
    return this.settings.reloadPlugin();
  }

  /** Changes param values of the running plugin. */
  setParams(values: Record<string, number | boolean | string>): Promise<Ack<{ plugin: PluginInfo }>> {
    return this.settings.setParams(values);
  }

  /**
   * Sets the session's latency compensation in the engine (ms, positive = scheduled plays are
   * placed earlier in the stream), now and after every reconnection.
   */
  setLatencyCompensation(ms: number): void {
    this.settings.setLatencyCompensation(ms);
  }

  /**
   * Sends the session's hits (and hands at `landmarksHz`) as OSC to host:port through the engine,
   * now and after every reconnection; `null` stops. Resolves with where the engine sends, or
   * rejects with the engine's reason (e.g. an address its operator does not allow).
   */
  setOsc(target: { host: string; port: number; landmarksHz?: number } | null): Promise<OscInfo | null> {
    return this.settings.setOsc(target);
  }

  /** Adds a line of the studio's own to the console (e.g. a save result). */
  note(level: ConsoleEntry['level'], message: string, extra?: Partial<ConsoleEntry>): void {
    this.state.note(level, message, extra);
  }

  clearConsole(): void {
    this.state.clearConsole();
  }

  /** Closes everything: media, camera, socket, listeners. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.peer.close();
    this.camera.stop();
    this.link.dispose();
    this.state.update({ link: 'closed', media: 'off', wantsMedia: false });
    this.state.events.clear();
  }

  /** A new session: take its ICE servers and plugin, give it the player's settings, renegotiate media if on. */
  private async onReady(ready: SessionReady): Promise<void> {
    this.peer.setIceServers(ready.iceServers);
    this.state.update({
      sessionId: ready.sessionId,
      plugin: ready.plugin,
      problem: this.state.clearProblem('link'),
    });
    await this.settings.restore();
    if (this.state.snapshot.wantsMedia && this.camera.stream) await this.peer.negotiate();
  }
}
