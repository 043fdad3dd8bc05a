import {
  type Ack,
  ClientEvent,
  MAX_LATENCY_COMPENSATION_MS,
  type OscInfo,
  type PluginInfo,
} from '@bambam/protocol';
import type { ClientState } from './client-state.ts';
import { localError, type SignalingLink } from './signaling-link.ts';

/** The instrument the player chose: source from the editor, or a plugin by name. */
type PluginChoice =
  | { readonly kind: 'source'; readonly source: string; readonly filename?: string }
  | { readonly kind: 'use'; readonly name: string; readonly version?: string };

/** Where the player asked the session's OSC to go. */
interface OscTarget {
  readonly host: string;
  readonly port: number;
  readonly landmarksHz: number;
}

type ParamValues = Record<string, number | boolean | string>;

/**
 * What the player set in their session — the instrument, param values, latency compensation,
 * OSC target — sent to the engine and remembered, so that a new session after a reconnection
 * (which starts with the default plugin) gets them all back ({@link SessionSettings.restore}).
 */
export class SessionSettings {
  private readonly state: ClientState;
  private readonly link: SignalingLink;
  private plugin: PluginChoice | null = null;
  private paramOverrides: ParamValues = {};
  private latencyCompensationMs = 0;
  private oscTarget: OscTarget | null = null;

  constructor(state: ClientState, link: SignalingLink) {
    this.state = state;
    this.link = link;
  }

  /** Compiles `source` on the engine and hot-swaps it in; on failure the old instrument keeps playing. */
  async loadPlugin(source: string, filename?: string): Promise<Ack<{ plugin: PluginInfo }>> {
    const ack = await this.requestPlugin({ kind: 'source', source, filename });
    if (ack.ok) this.chose({ kind: 'source', source, filename }, ack.plugin);
    return ack;
  }

  /** Switches to a saved or installed plugin by name. */
  async usePlugin(name: string, version?: string): Promise<Ack<{ plugin: PluginInfo }>> {
    const ack = await this.requestPlugin({ kind: 'use', name, version });
    if (ack.ok) this.chose({ kind: 'use', name, version }, ack.plugin);
    return ack;
  }

  /**
   * Loads the running instrument again (after the engine disabled it): the last source loaded
   * from the editor, else the plugin by name. Params the player set are applied again.
   */
  async reloadPlugin(): Promise<Ack<{ plugin: PluginInfo }>> {
    const choice = this.plugin;
    const params = { ...this.paramOverrides };
    const name = this.state.snapshot.plugin?.name;
    let ack: Ack<{ plugin: PluginInfo }>;
    if (choice?.kind === 'source') ack = await this.loadPlugin(choice.source, choice.filename);
    else if (choice || name) {
      const target = choice?.kind === 'use' ? choice : { name: name!, version: undefined };
      // biome-ignore lint/correctness/useHookAtTopLevel: SessionSettings.usePlugin is a method (plugin:use), not a React hook
      ack = await this.usePlugin(target.name, target.version);
    } else ack = localError('No instrument to reload yet.');
    if (ack.ok && Object.keys(params).length > 0) return this.setParams(params);
    if (!ack.ok) this.state.note('error', `Could not reload the instrument: ${ack.error.message}`);
    return ack;
  }

  /** Changes param values of the running plugin. */
  async setParams(values: ParamValues): Promise<Ack<{ plugin: PluginInfo }>> {
    const ack = await this.link.request<{ plugin: PluginInfo }>(ClientEvent.SetParams, { values });
    if (ack.ok) {
      Object.assign(this.paramOverrides, values);
      this.state.update({ plugin: ack.plugin });
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
    if (!Number.isFinite(clamped) || clamped === this.latencyCompensationMs) return;
    this.latencyCompensationMs = clamped;
    void this.sendLatencyCompensation();
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
    const ack = await this.link.request<{ osc: OscInfo | null }>(ClientEvent.SetOsc, request);
    if (!ack.ok) throw new Error(ack.error.message);
    this.oscTarget = target
      ? { host: target.host, port: target.port, landmarksHz: target.landmarksHz ?? 0 }
      : null;
    return ack.osc;
  }

  /** Gives a new session (after a reconnect) everything the player had set, in order. */
  async restore(): Promise<void> {
    const choice = this.plugin;
    if (choice) {
      const ack = await this.requestPlugin(choice);
      if (ack.ok) this.state.update({ plugin: ack.plugin });
      else
        this.state.note('warn', `Could not restore your instrument after reconnecting: ${ack.error.message}`);
    }
    if (Object.keys(this.paramOverrides).length > 0) {
      const ack = await this.link.request<{ plugin: PluginInfo }>(ClientEvent.SetParams, {
        values: this.paramOverrides,
      });
      if (ack.ok) this.state.update({ plugin: ack.plugin });
    }
    if (this.latencyCompensationMs !== 0) await this.sendLatencyCompensation();
    if (this.oscTarget) {
      const ack = await this.link.request(ClientEvent.SetOsc, this.oscTarget);
      if (!ack.ok) this.state.note('warn', `OSC out stopped after reconnecting: ${ack.error.message}`);
    }
  }

  private requestPlugin(choice: PluginChoice): Promise<Ack<{ plugin: PluginInfo }>> {
    return choice.kind === 'source'
      ? this.link.request<{ plugin: PluginInfo }>(ClientEvent.LoadPlugin, {
          source: choice.source,
          ...(choice.filename ? { filename: choice.filename } : {}),
        })
      : this.link.request<{ plugin: PluginInfo }>(ClientEvent.UsePlugin, {
          name: choice.name,
          ...(choice.version ? { version: choice.version } : {}),
        });
  }

  /** The player chose a new instrument: remember it, its params start from their defaults. */
  private chose(choice: PluginChoice, plugin: PluginInfo): void {
    this.plugin = choice;
    this.paramOverrides = {};
    this.state.update({ plugin, problem: this.state.clearProblem('plugin') });
  }

  private async sendLatencyCompensation(): Promise<void> {
    if (!this.link.connected) return; // sent on the next session:ready
    const ack = await this.link.request(ClientEvent.SetLatency, {
      compensationMs: this.latencyCompensationMs,
    });
    if (!ack.ok)
      this.state.note('warn', `The engine did not take the latency calibration: ${ack.error.message}`);
  }
}
