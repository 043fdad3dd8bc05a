/**
 * A session: one studio connection (socket). It owns the instrument (plugin + sounds), which
 * survives media reconnects, and at most one {@link MediaPipeline} (peer connection, decoder,
 * tracker worker, audio clock). `dispose()` releases all of it.
 */
import type { ConsoleEntry, ErrorInfo, OscInfo, PluginInfo, SetOscRequest } from '@bambam/protocol';
import { compilePlugin } from '@bambam/runtime';
import type { EngineConfig } from '../config.ts';
import { HitChannel } from '../egress/hit-channel.ts';
import { OscOutput } from '../egress/osc/osc-output.ts';
import { OscTargetPolicy, OscTargetRefused } from '../egress/osc/osc-target-policy.ts';
import { DEFAULT_PLUGIN, type PluginCatalog } from '../instrument/catalog.ts';
import { Instrument } from '../instrument/instrument.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import type { SharedTracking } from '../track/shared-tracking.ts';
import { RequestError } from './errors.ts';
import type { EngineTelemetry } from './frame-telemetry.ts';
import { IdleWatch } from './idle-watch.ts';
import { MediaPipeline } from './media-pipeline.ts';

export interface SessionEvents {
  telemetry(telemetry: EngineTelemetry): void;
  console(entry: ConsoleEntry): void;
  pluginChanged(info: PluginInfo): void;
  error(error: ErrorInfo): void;
  /** No video for the idle timeout: the session should be closed (its owner does it). */
  idle?(error: ErrorInfo): void;
}

export interface SessionOptions {
  readonly id: string;
  readonly config: EngineConfig;
  readonly metrics: EngineMetrics;
  readonly catalogs: readonly PluginCatalog[];
  readonly tracking: SharedTracking;
  readonly events: SessionEvents;
  /** Where this engine lets sessions send OSC (one policy for the engine); default from `config.oscAllow`. */
  readonly oscPolicy?: OscTargetPolicy;
}

export class Session {
  readonly id: string;
  readonly instrument: Instrument;
  private readonly options: SessionOptions;
  private pipeline: MediaPipeline | undefined;
  private latencyCompensationMs = 0;
  /** The session's OSC output, if the studio asked for one; kept across media reconnections. */
  private osc: OscOutput | undefined;
  /** Media requests run one after another (a second offer replaces the first connection). */
  private mediaQueue: Promise<unknown> = Promise.resolve();
  private pluginQueue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Closes a session with no video (after connecting, or since its media stopped). */
  private readonly idleWatch: IdleWatch | undefined;

  constructor(options: SessionOptions) {
    this.id = options.id;
    this.options = options;
    const idleMs = options.config.clientLimits?.idleTimeoutMs ?? 0;
    if (idleMs > 0 && options.events.idle) {
      const idle = options.events.idle;
      this.idleWatch = new IdleWatch(idleMs, () => {
        if (this.disposed) return;
        const s = Math.round(idleMs / 1000);
        idle({
          code: 'idle-timeout',
          message: `Closed after ${s} s without video or messages, to free the seat for someone else. Press Start (or run your instrument) to connect again.`,
        });
      });
    }
    this.instrument = new Instrument({
      onConsole: (entry) => options.events.console(entry),
      onDisabled: (error) => {
        options.metrics.errors.inc({ kind: 'plugin' });
        options.events.error(error);
      },
    });
  }

  /** True once {@link dispose} ran: a request failing after it failed because of it. */
  get closed(): boolean {
    return this.disposed;
  }

  get media(): MediaPipeline | undefined {
    return this.pipeline;
  }

  /** Loads the default plugin (bam-drum). */
  async init(): Promise<PluginInfo> {
    return this.usePlugin(DEFAULT_PLUGIN);
  }

  /** The player did something (any message): an editor working without a camera is not idle. */
  noteActivity(): void {
    this.idleWatch?.touch();
  }

  /** Answers a browser offer; replaces any previous media connection of this session. */
  offer(sdp: string): Promise<string> {
    return this.serialize('media', async () => {
      await this.closeMedia();
      this.idleWatch?.touch();
      const hitChannel = new HitChannel(); // closes with the peer connection
      const { pipeline, sdp: answer } = await MediaPipeline.start(sdp, {
        config: this.options.config,
        tracking: this.options.tracking,
        metrics: this.options.metrics,
        instrument: this.instrument,
        onTelemetry: (telemetry) => this.options.events.telemetry(telemetry),
        onVideo: () => this.idleWatch?.touch(),
        onDataChannel: (channel) => hitChannel.attach(channel),
        onHits: (hits, frame) => {
          hitChannel.send(hits, frame);
          if (this.osc) for (const hit of hits) this.osc.sendHit(hit);
        },
        onTrackedFrame: (frame) => this.osc?.sendHands(frame),
        onFailed: (reason) => {
          if (this.pipeline !== pipeline) return;
          this.options.events.error({
            code: 'webrtc-failed',
            message: `Media connection closed: ${reason}. Send a new offer to reconnect.`,
          });
          void this.serialize('media', () => this.closeMedia(pipeline));
        },
      });
      if (this.disposed) {
        await pipeline.dispose();
        throw new RequestError({ code: 'internal', message: 'The session closed while connecting.' });
      }
      this.pipeline = pipeline;
      pipeline.setLatencyCompensation(this.latencyCompensationMs);
      return answer;
    });
  }

  /** Closes the media connection; the session (and its plugin) stays. */
  stop(): Promise<void> {
    return this.serialize('media', () => this.closeMedia());
  }

  /** Compiles TypeScript from the editor and hot-swaps it in; on failure the previous plugin keeps playing. */
  loadSource(source: string, filename?: string): Promise<PluginInfo> {
    return this.serialize('plugin', async () => {
      const compiled = await compilePlugin({ source, filename: filename ?? 'plugin.ts' });
      return this.swap(await this.instrument.load(compiled, { source }));
    });
  }

  /** Switches to a plugin by name from the catalogs (examples, saved sources, registry). */
  usePlugin(name: string, version?: string): Promise<PluginInfo> {
    return this.serialize('plugin', async () => {
      for (const catalog of this.options.catalogs) {
        const resolved = await catalog.resolve(name, version);
        if (resolved)
          return this.swap(await this.instrument.load(resolved.compiled, { source: resolved.source }));
      }
      throw new RequestError({
        code: 'plugin-not-found',
        message: `No plugin named '${name}'${version ? ` at version ${version}` : ''}: not an example, saved source or installed plugin.`,
      });
    });
  }

  /**
   * Sets the latency compensation (ms, from the studio's calibration): scheduled plays are
   * placed this much earlier. Kept for later media connections of this session.
   */
  setLatencyCompensation(ms: number): number {
    this.latencyCompensationMs = ms;
    this.pipeline?.setLatencyCompensation(ms);
    return ms;
  }

  /**
   * Sends this session's hits (and hands at `landmarksHz`) as OSC to host:port, if the engine's
   * policy allows the address; `{ off: true }` stops. Refused with `osc-refused` and the reason.
   */
  async setOsc(request: SetOscRequest): Promise<OscInfo | null> {
    if ('off' in request) {
      this.osc?.dispose();
      this.osc = undefined;
      return null;
    }
    let target: Awaited<ReturnType<OscTargetPolicy['resolve']>>;
    try {
      const policy = this.options.oscPolicy ?? new OscTargetPolicy(this.options.config.oscAllow);
      target = await policy.resolve(request.host, request.port);
    } catch (error) {
      if (error instanceof OscTargetRefused)
        throw new RequestError({ code: 'osc-refused', message: error.message });
      throw error;
    }
    if (this.disposed) throw new RequestError({ code: 'internal', message: 'The session closed.' });
    const output = new OscOutput(target, { landmarksHz: request.landmarksHz ?? 0 });
    this.osc?.dispose();
    this.osc = output;
    return {
      host: target.host,
      address: target.address,
      port: target.port,
      landmarksHz: output.options.landmarksHz,
    };
  }

  /** Changes param values; an unknown key or bad value is a bad request, nothing changes. */
  setParams(values: Record<string, unknown>): PluginInfo {
    let info: PluginInfo;
    try {
      info = this.instrument.setParams(values);
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) {
        throw new RequestError({ code: 'bad-request', message: error.message });
      }
      throw error;
    }
    this.options.events.pluginChanged(info);
    return info;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.idleWatch?.dispose();
    const pipeline = this.pipeline;
    this.pipeline = undefined;
    await pipeline?.dispose();
    this.osc?.dispose();
    this.osc = undefined;
    this.instrument.dispose();
  }

  private swap(info: PluginInfo): PluginInfo {
    this.pipeline?.clearAudio();
    this.options.events.pluginChanged(info);
    return info;
  }

  private async closeMedia(which?: MediaPipeline): Promise<void> {
    const pipeline = this.pipeline;
    if (!pipeline || (which && which !== pipeline)) return;
    this.pipeline = undefined;
    await pipeline.dispose();
    // The idle time counts from when the media stopped.
    this.idleWatch?.touch();
  }

  private serialize<T>(queue: 'media' | 'plugin', task: () => Promise<T>): Promise<T> {
    const key = queue === 'media' ? 'mediaQueue' : 'pluginQueue';
    const closedError = () => new RequestError({ code: 'internal', message: 'The session is closed.' });
    const run = this[key].then(async () => {
      if (this.disposed) throw closedError();
      try {
        return await task();
      } catch (error) {
        // Disposed while it ran (e.g. the instrument 'disposed while loading'): not its own failure.
        throw this.disposed ? closedError() : error;
      }
    });
    this[key] = run.catch(() => {});
    return run;
  }
}
