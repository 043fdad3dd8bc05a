/**
 * Starts sandbox processes without holding the caller's event loop. libuv's `spawn` blocks the
 * calling thread until the child has forked and exec'd (5–70 ms on a busy machine): on the
 * engine's loop, every player already playing would hear it when someone joins. So a worker
 * thread (host-spawner-worker.ts) spawns, and the child connects back over a Unix socket that
 * this thread serves (host-channel.ts) — its messages come straight here, with no relay.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  HOST_ID_ENV,
  HOST_SOCKET_ENV,
  type HostHello,
  readHostMessages,
  writeHostMessage,
} from './host-channel.ts';
import type { SpawnerEvent, SpawnerRequest } from './host-spawner-worker.ts';

/** How much of a sandbox process's stderr is kept (V8 prints its fatal errors there). */
const STDERR_TAIL_CHARS = 4000;

// `.ts` when run from the sources (the package's own tests), `.js` from the built `dist/`.
const SPAWNER_ENTRY = new URL(`./host-spawner-worker${path.extname(import.meta.url)}`, import.meta.url);

/**
 * A sandbox process seen from its parent, with the part of `ChildProcess` the sandbox uses:
 * `send`, `kill`, `exitCode`/`signalCode`/`connected`, and the events `'message'`,
 * `'exit'` (code, signal) and `'error'`.
 */
export class HostLink extends EventEmitter {
  readonly id: string;
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private socket: Socket | undefined;
  private outbox: unknown[] = [];
  private disconnected = false;
  private tail = '';
  private readonly launcher: HostLauncher;

  constructor(id: string, launcher: HostLauncher) {
    super();
    this.id = id;
    this.launcher = launcher;
  }

  /** Whether messages can still reach the process (true while it starts). */
  get connected(): boolean {
    return !this.disconnected && this.exitCode === null && this.signalCode === null;
  }

  send(message: unknown): void {
    if (!this.connected) return;
    if (this.socket) writeHostMessage(this.socket, message);
    else this.outbox.push(message);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false;
    if (this.pid !== undefined) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // Already gone: its 'exit' is on the way.
      }
    } else {
      this.launcher.request({ type: 'kill', id: this.id, signal });
    }
    return true;
  }

  stderrTail(): string {
    return this.tail;
  }

  clearStderr(): void {
    this.tail = '';
  }

  /** @internal The process connected back: send what was sent meanwhile. */
  attach(socket: Socket): void {
    if (this.socket || !this.connected) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    socket.on('error', () => {});
    socket.once('close', () => {
      this.disconnected = true;
      // A process that lost its parent's socket serves no one; make sure its exit is reported.
      this.kill('SIGKILL');
    });
    for (const message of this.outbox) writeHostMessage(socket, message);
    this.outbox = [];
  }

  /** @internal */
  receive(event: SpawnerEvent): void {
    switch (event.type) {
      case 'spawned':
        this.pid = event.pid;
        break;
      case 'spawn-failed':
        this.disconnected = true;
        this.emit('error', new Error(`could not start the sandbox process: ${event.message}`));
        break;
      case 'stderr':
        this.tail = (this.tail + event.chunk).slice(-STDERR_TAIL_CHARS);
        break;
      case 'exit':
        this.exitCode = event.code;
        this.signalCode = event.signal;
        this.disconnected = true;
        this.socket?.destroy();
        this.emit('exit', event.code, event.signal);
        break;
    }
  }
}

/** The spawner thread and the socket sandbox processes connect to; one per process, made on first use. */
export class HostLauncher {
  private worker: Worker | undefined;
  private server: Server | undefined;
  private directory: string | undefined;
  private socketPath = '';
  private readonly links = new Map<string, HostLink>();

  /** Starts `entry` (a Node script) with `execArgv`; it must connect back with sandbox-host.ts's link. */
  launch(entry: string, execArgv: readonly string[]): HostLink {
    this.start();
    const id = randomBytes(16).toString('hex');
    const link = new HostLink(id, this);
    this.links.set(id, link);
    link.once('exit', () => this.links.delete(id));
    link.once('error', () => this.links.delete(id));
    this.request({
      type: 'spawn',
      id,
      execPath: process.execPath,
      args: [...execArgv, entry],
      env: { ...process.env, [HOST_SOCKET_ENV]: this.socketPath, [HOST_ID_ENV]: id },
    });
    return link;
  }

  /** @internal */
  request(message: SpawnerRequest): void {
    this.worker?.postMessage(message);
  }

  private start(): void {
    if (!this.server) {
      // A private folder (0700): no other user can connect as a sandbox. Named with this
      // process's id, so that a later launcher removes it if this process is killed before 'exit'.
      sweepSocketFolders();
      this.directory = mkdtempSync(path.join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
      this.socketPath = path.join(this.directory, 'hosts.sock');
      const directory = this.directory;
      process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
      this.server = createServer((socket) => this.accept(socket));
      this.server.listen(this.socketPath);
      this.server.unref();
    }
    if (!this.worker) {
      const worker = new Worker(SPAWNER_ENTRY);
      worker.on('message', (event: SpawnerEvent) => this.links.get(event.id)?.receive(event));
      const lost = (why: string) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        for (const link of this.links.values()) {
          if (link.pid === undefined) link.receive({ type: 'spawn-failed', id: link.id, message: why });
        }
      };
      worker.on('error', (error) => lost(`the spawner thread failed: ${error.message}`));
      worker.on('exit', (code) => lost(`the spawner thread exited (${code})`));
      // After the listeners: adding a 'message' listener refs the port again. Neither the
      // thread nor a pooled process may keep this process alive; pending calls do (their timers).
      worker.unref();
      this.worker = worker;
    }
  }

  /** A sandbox process connected: its first message names its launch; anything else is dropped. */
  private accept(socket: Socket): void {
    socket.unref();
    socket.on('error', () => {});
    let link: HostLink | undefined;
    readHostMessages(socket, (message) => {
      if (link) {
        link.emit('message', message);
        return;
      }
      const id = (message as Partial<HostHello> | null)?.hello;
      const found = typeof id === 'string' ? this.links.get(id) : undefined;
      if (!found) {
        socket.destroy();
        return;
      }
      link = found;
      link.attach(socket);
    });
  }
}

const FOLDER_PREFIX = 'bambam-sandbox-';

/**
 * Removes the socket folders of launchers whose process is gone: killed (SIGKILL, an abort)
 * before its 'exit' handler could. A folder whose process still runs, or whose id another
 * process now has, is left; so are folders of other users (not ours to remove).
 */
export function sweepSocketFolders(directory: string = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = Number(/^bambam-sandbox-(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || processExists(pid)) continue;
    try {
      rmSync(path.join(directory, name), { recursive: true });
      removed.push(name);
    } catch {
      // another user's, or already gone
    }
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The launcher of this process. */
export const hostLauncher = new HostLauncher();
