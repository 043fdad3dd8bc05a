/**
 * MIDI out from the studio (Web MIDI): the player picks an output; every hit of the session is
 * sent to it as a note (see {@link MidiHitSender}, notes from {@link midiMapFor}). Hits come
 * from the hit channel, timed like direct monitoring times them (the landing plus the
 * calibration, or now when that is past), with direct monitoring on or off; a hit the channel
 * did not bring (closed, or too late) is sent from the telemetry, at once ({@link HitLedger}).
 *
 * Says plainly when there is nothing to send to: no Web MIDI in this browser, access refused,
 * no outputs. An output unplugged while playing: the studio keeps playing and says so; the same
 * output plugged back in is used again.
 */
import type { PluginInfo, SoundInfo } from '@bambam/protocol';
import { targetHeardAt, transitMs } from '../direct-monitor-timing.ts';
import { Emitter } from '../emitter.ts';
import type { EngineClient, ReceivedHit } from '../engine-client.ts';
import { HitLedger, type LedgerHit } from '../hit-ledger.ts';
import { MidiHitSender, type SentMidi } from './midi-hit-sender.ts';
import { type MidiNote, type MidiRemap, midiMapFor } from './midi-map.ts';
import { loadMidiOutputId, loadMidiRemap, saveMidiOutputId, saveMidiRemap } from './midi-settings.ts';

/** Where MIDI out stands. */
export type MidiOutStatus =
  | 'idle' // not asked for access yet
  | 'requesting'
  | 'unsupported' // no Web MIDI in this browser
  | 'denied' // access refused
  | 'unavailable' // the system's MIDI service did not start (e.g. Linux without the ALSA sequencer)
  | 'no-outputs'
  | 'ready' // outputs exist; none picked
  | 'sending'
  | 'disconnected'; // the picked output went away

export interface MidiOutputChoice {
  readonly id: string;
  readonly name: string;
}

export interface MidiOutState {
  readonly status: MidiOutStatus;
  readonly outputs: readonly MidiOutputChoice[];
  /** The picked output's id ('' for none). */
  readonly selectedId: string;
  /** What to tell the player, or null when all is well. */
  readonly message: string | null;
  /** Notes sent since the page loaded. */
  readonly sent: number;
}

export const MIDI_OUT_MESSAGES = {
  unsupported:
    'This browser gives no MIDI access (no Web MIDI here): use Chrome, Edge or Firefox, on localhost or HTTPS.',
  denied:
    'This browser gives no MIDI access: permission was refused. Allow MIDI for this site in the browser’s site settings and reload.',
  unavailable: (reason: string) =>
    `This browser gives no MIDI access: the system's MIDI service did not start (${reason}). On Linux, load the ALSA sequencer (modprobe snd-seq) and reload.`,
  noOutputs: 'No MIDI outputs: connect a device or start a virtual port (e.g. IAC, loopMIDI)',
  disconnected: (name: string) =>
    `The MIDI output “${name}” was disconnected: the studio keeps playing. Plug it back in or pick another output.`,
} as const;

export interface MidiOutEvents extends Record<string, unknown> {
  change: MidiOutState;
  /** Every message sent (note-on, then note-off). */
  sent: SentMidi;
}

/** The direct monitor's calibration, when there is one: MIDI notes land where its sounds land. */
export interface CompensationSource {
  readonly compensationMs: number;
}

export class MidiOut {
  readonly #events = new Emitter<MidiOutEvents>();
  readonly #offs: (() => void)[] = [];
  #compensation: CompensationSource | null = null;
  #access: MIDIAccess | null = null;
  #ledger = new HitLedger();
  #overdueTimer: ReturnType<typeof setTimeout> | undefined;
  #plugin: PluginInfo | null;
  #remap: MidiRemap = {};
  #notes: Record<string, MidiNote> = {};
  #state: MidiOutState;
  #disconnectedName = '';
  #disposed = false;

  constructor(client: EngineClient) {
    this.#plugin = client.snapshot.plugin;
    this.#state = { status: 'idle', outputs: [], selectedId: loadMidiOutputId(), message: null, sent: 0 };
    this.#refreshNotes();
    this.#offs.push(
      client.on('hitChannel', () => {
        this.#ledger = new HitLedger(); // frame times restart with each media connection
      }),
      client.on('hit', (hit) => this.#onHit(hit)),
      client.on('telemetry', (telemetry) => this.#onTelemetry(telemetry.t, telemetry.hits)),
      client.on('change', (snapshot) => {
        if (snapshot.plugin !== this.#plugin) {
          this.#plugin = snapshot.plugin;
          this.#refreshNotes();
        }
      }),
    );
  }

  get state(): MidiOutState {
    return this.#state;
  }

  /** Each sound of the running instrument and the note it plays. */
  get notes(): Readonly<Record<string, MidiNote>> {
    return this.#notes;
  }

  /** Notes for `sounds` (e.g. every sound of a take), the running instrument's own notes first. */
  notesFor(sounds: Readonly<Record<string, SoundInfo>>): Record<string, MidiNote> {
    return { ...midiMapFor(sounds, this.#remap), ...this.#notes };
  }

  on<K extends keyof MidiOutEvents>(event: K, listener: (value: MidiOutEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** MIDI notes follow this calibration (the direct monitor's). */
  setCompensationSource(source: CompensationSource | null): void {
    this.#compensation = source;
  }

  /** Asks the browser for MIDI access (a prompt in some browsers) and lists the outputs. */
  async requestAccess(): Promise<MidiOutState> {
    if (this.#access) return this.#state;
    const request = (navigator as Navigator & { requestMIDIAccess?: Navigator['requestMIDIAccess'] })
      .requestMIDIAccess;
    if (typeof request !== 'function') {
      this.#update({ status: 'unsupported', message: MIDI_OUT_MESSAGES.unsupported });
      return this.#state;
    }
    this.#update({ status: 'requesting', message: null });
    try {
      const access = await request.call(navigator, { sysex: false });
      if (this.#disposed) return this.#state;
      this.#access = access;
      access.addEventListener('statechange', () => this.#syncOutputs());
      this.#syncOutputs();
    } catch (error) {
      const { name, message } = error as Error;
      // NotAllowedError (refused; Chromium asks for the SysEx permission for any MIDI) or
      // SecurityError (not a secure context, policy): no access. Anything else
      // (InvalidStateError "Platform dependent initialization failed"): no MIDI system.
      if (name === 'NotAllowedError' || name === 'SecurityError')
        this.#update({ status: 'denied', message: MIDI_OUT_MESSAGES.denied });
      else
        this.#update({
          status: 'unavailable',
          message: MIDI_OUT_MESSAGES.unavailable((message || name).replace(/\.$/, '')),
        });
    }
    return this.#state;
  }

  /** Picks an output by id ('' for none); remembered in this browser. */
  select(id: string): void {
    saveMidiOutputId(id);
    this.#disconnectedName = '';
    this.#update({ selectedId: id });
    this.#syncOutputs();
  }

  /** Remaps a sound of the running instrument (null: back to the default); remembered per plugin. */
  remap(sound: string, target: MidiNote | null): void {
    const plugin = this.#plugin?.name;
    if (!plugin) return;
    this.#remap = saveMidiRemap(plugin, sound, target);
    this.#refreshNotes();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const off of this.#offs) off();
    clearTimeout(this.#overdueTimer);
    this.#events.clear();
  }

  // ---------------------------------------------------------------------------------------

  #refreshNotes(): void {
    const plugin = this.#plugin;
    if (plugin) this.#remap = loadMidiRemap(plugin.name);
    this.#notes = plugin ? midiMapFor(plugin.sounds, this.#remap) : {};
    this.#update({}); // a new state object: views re-read the notes
  }

  #output(): MIDIOutput | undefined {
    const id = this.#state.selectedId;
    const output = id ? this.#access?.outputs.get(id) : undefined;
    return output && output.state === 'connected' ? output : undefined;
  }

  #syncOutputs(): void {
    const access = this.#access;
    if (!access) return;
    const outputs: MidiOutputChoice[] = [];
    for (const output of access.outputs.values()) {
      if (output.state === 'connected') outputs.push({ id: output.id, name: output.name ?? output.id });
    }
    const id = this.#state.selectedId;
    const known = id ? access.outputs.get(id) : undefined;
    if (id && known?.state === 'connected') {
      this.#disconnectedName = '';
      this.#update({ outputs, status: 'sending', message: null });
    } else if (id && (known || this.#state.status === 'sending' || this.#disconnectedName)) {
      // The picked output went away (unplugged, virtual port closed): keep playing, say so.
      this.#disconnectedName ||= known?.name ?? this.#state.outputs.find((o) => o.id === id)?.name ?? id;
      this.#update({
        outputs,
        status: 'disconnected',
        message: MIDI_OUT_MESSAGES.disconnected(this.#disconnectedName),
      });
    } else if (outputs.length === 0) {
      this.#update({ outputs, status: 'no-outputs', message: MIDI_OUT_MESSAGES.noOutputs });
    } else {
      this.#update({ outputs, status: 'ready', message: null });
    }
  }

  #onHit({ message, receivedAt }: ReceivedHit): void {
    if (!this.#ledger.fromChannel(message.frameT, message.index)) return;
    if (!this.#output()) return;
    const at = targetHeardAt({
      receivedAt,
      lagMs: message.lagMs,
      frameT: message.frameT,
      at: message.at,
      transitMs: transitMs(undefined),
      compensationMs: this.#compensation?.compensationMs ?? 0,
    });
    this.#send(message, at);
  }

  #onTelemetry(frameT: number, hits: readonly LedgerHit[]): void {
    if (hits.length === 0 || !this.#output()) return;
    this.#ledger.fromTelemetry(frameT, hits, performance.now());
    clearTimeout(this.#overdueTimer);
    const due = this.#ledger.nextDue;
    if (due === undefined) return;
    this.#overdueTimer = setTimeout(
      () => {
        const now = performance.now();
        for (const hit of this.#ledger.takeOverdue(now)) this.#send(hit, now);
      },
      Math.max(0, due - performance.now()),
    );
  }

  #send(hit: { sound: string; velocity: number }, at: number): void {
    const output = this.#output();
    const target = this.#notes[hit.sound];
    if (!output || !target) return;
    try {
      const sent = new MidiHitSender(output).send(target, hit.velocity, at, performance.now());
      for (const message of sent) this.#events.emit('sent', message);
      this.#update({ sent: this.#state.sent + 1 });
    } catch {
      // Unplugged between the check and the send: the statechange that follows says so.
      this.#syncOutputs();
    }
  }

  #update(patch: Partial<MidiOutState>): void {
    if (this.#disposed) return;
    this.#state = { ...this.#state, ...patch };
    this.#events.emit('change', this.#state);
  }
}
