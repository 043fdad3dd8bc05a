import type { ConsoleEntry, Telemetry } from '@bambam/protocol';
import { Emitter } from '../emitter.ts';
import type { Problem } from '../problems.ts';
import {
  type EngineSnapshot,
  initialSnapshot,
  type ProblemArea,
  problemAfterRecovery,
} from './engine-snapshot.ts';
import type { ConsoleLine, EngineClientEvents } from './events.ts';

/**
 * What the engine client knows and tells its views: the snapshot, the console lines and the
 * last telemetry, with the emitter that announces them. The client's parts (signaling link,
 * camera, peer link, session settings) share one and write to it; views only read.
 */
export class ClientState {
  readonly events = new Emitter<EngineClientEvents>();
  private current: EngineSnapshot;
  private lines: ConsoleLine[] = [];
  private lastLineId = 0;
  private readonly consoleHistory: number;
  /** The last telemetry the engine sent, or null before any. */
  lastTelemetry: Telemetry | null = null;

  constructor(engineUrl: string, consoleHistory: number) {
    this.current = initialSnapshot(engineUrl);
    this.consoleHistory = consoleHistory;
  }

  get snapshot(): EngineSnapshot {
    return this.current;
  }

  /** Console lines received so far (oldest first, bounded). */
  get consoleLines(): readonly ConsoleLine[] {
    return this.lines;
  }

  /** Replaces the snapshot with `patch` applied and announces it. */
  update(patch: Partial<EngineSnapshot>): void {
    this.current = { ...this.current, ...patch };
    this.events.emit('change', this.current);
  }

  /** The current problem, unless it belongs to `area` (which just recovered). */
  clearProblem(area: ProblemArea): Problem | null {
    return problemAfterRecovery(this.current.problem, area);
  }

  receiveTelemetry(telemetry: Telemetry): void {
    this.lastTelemetry = telemetry;
    this.events.emit('telemetry', telemetry);
  }

  pushConsole(entry: ConsoleEntry, origin: ConsoleLine['origin']): void {
    const line: ConsoleLine = { ...entry, id: ++this.lastLineId, receivedAt: Date.now(), origin };
    this.lines = [...this.lines.slice(-(this.consoleHistory - 1)), line];
    this.events.emit('console', line);
  }

  /** Adds a line of the studio's own to the console (e.g. a save result). */
  note(level: ConsoleEntry['level'], message: string, extra?: Partial<ConsoleEntry>): void {
    this.pushConsole({ level, message, t: 0, ...extra }, 'studio');
  }

  clearConsole(): void {
    this.lines = [];
  }
}
