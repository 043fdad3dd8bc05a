/**
 * A bad network on loopback, in a network namespace the test makes (issue 18 item 5).
 *
 * The kernel of this machine kind has no netem (`CONFIG_NET_SCH_NETEM` unset: no `tc netem`),
 * so the impairment is netem's job done in user space: iptables in the namespace sends every
 * UDP packet on `lo` to an NFQUEUE, and `impairer.py` (python3 + libnetfilter_queue through
 * ctypes) gives media packets their verdict late (delay ± jitter, so packets overtake each
 * other) or drops them. TCP (HTTP, socket.io) is not queued. Everything that talks over the
 * impaired loopback (engine, page server, Chromium) runs inside the namespace: start it with
 * {@link NetemNamespace.spawn}.
 *
 * ```ts
 * const missing = await NetemNamespace.missing();          // a skip reason, or undefined
 * const ns = await NetemNamespace.create({ loss: 0.05 });
 * const child = ns.spawn(process.execPath, ['driver.ts']);
 * const report = await ns.dispose();                       // what the impairer did
 * ```
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const IMPAIRER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'impairer.py');

export interface Impairment {
  /** Share of media packets dropped, 0..1. */
  readonly loss: number;
  /** Mean one-way delay added to each media packet, ms. */
  readonly delayMs: number;
  /** Each packet's delay is `delayMs` ± up to this (uniform), ms: reordering follows. */
  readonly jitterMs: number;
  /** Seed of the impairer's random choices. */
  readonly seed: number;
}

/** The bad network: 5% loss, 30 ms jitter (around 30 ms of delay), reordering. */
export const DEFAULT_IMPAIRMENT: Impairment = { loss: 0.05, delayMs: 30, jitterMs: 30, seed: 18 };

/** A media packet the impairer dropped (RTP: header fields, in clear under SRTP). */
export interface DroppedPacket {
  /** Wall clock ms. */
  readonly at: number;
  readonly pt?: number;
  readonly ssrc?: number;
  readonly seq?: number;
  readonly ts?: number;
  /** RTCP packet type when an RTCP packet was dropped. */
  readonly rtcp?: number;
}

export interface ImpairerSummary {
  readonly seen: number;
  readonly media: number;
  readonly passed: number;
  readonly dropped: number;
  readonly delayed: number;
  readonly reordered: number;
  readonly other: number;
  readonly maxHeld: number;
  readonly meanDelayMs: number;
  readonly overruns?: number;
}

export interface ImpairerReport {
  readonly summary: ImpairerSummary | undefined;
  readonly drops: readonly DroppedPacket[];
  /** The impairer's stderr (a Python traceback if it failed). */
  readonly stderr: string;
}

async function has(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

let counter = 0;

export class NetemNamespace {
  readonly name: string;
  readonly impairment: Impairment;
  private readonly impairer: ChildProcess;
  private readonly drops: DroppedPacket[] = [];
  private summary: ImpairerSummary | undefined;
  private stderr = '';
  private disposed: Promise<ImpairerReport> | undefined;

  private constructor(name: string, impairment: Impairment, impairer: ChildProcess) {
    this.name = name;
    this.impairment = impairment;
    this.impairer = impairer;
  }

  /**
   * Why a bad network cannot be made here (what is missing, and how to get it), or undefined.
   * The kernel's NFQUEUE support is checked by {@link create} (the iptables rule fails).
   */
  static async missing(): Promise<string | undefined> {
    if (process.platform !== 'linux') return 'network namespaces need Linux';
    if (process.getuid?.() !== 0) return 'needs root (ip netns, iptables)';
    for (const [command, pkg] of [
      ['ip', 'iproute2'],
      ['iptables', 'iptables'],
      ['python3', 'python3'],
    ] as const) {
      if (!(await has(command))) return `${command} not found: apt-get install -y ${pkg}`;
    }
    const lib = [
      '/usr/lib/x86_64-linux-gnu',
      '/usr/lib/aarch64-linux-gnu',
      '/usr/lib',
      '/lib/x86_64-linux-gnu',
    ].some((dir) => existsSync(path.join(dir, 'libnetfilter_queue.so.1')));
    if (!lib) return 'libnetfilter_queue.so.1 not found: apt-get install -y libnetfilter-queue1';
    return undefined;
  }

  /** Makes the namespace (loopback up), queues its UDP and starts the impairer. */
  static async create(impairment: Impairment = DEFAULT_IMPAIRMENT): Promise<NetemNamespace> {
    const name = `bambam-netem-${process.pid}-${counter++}`;
    const queue = String(process.pid % 60_000);
    await run('ip', ['netns', 'add', name]);
    try {
      await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      try {
        // OUTPUT only: a packet on lo passes OUTPUT once, so it is delayed (or dropped) once.
        await run('ip', [
          'netns',
          'exec',
          name,
          'iptables',
          '-A',
          'OUTPUT',
          '-o',
          'lo',
          '-p',
          'udp',
          '-j',
          'NFQUEUE',
          '--queue-num',
          queue,
        ]);
      } catch (error) {
        throw new Error(
          `iptables -j NFQUEUE failed (the kernel needs CONFIG_NETFILTER_XT_TARGET_NFQUEUE and ` +
            `CONFIG_NETFILTER_NETLINK_QUEUE): ${(error as { stderr?: string }).stderr ?? (error as Error).message}`,
        );
      }
      const impairer = spawn(
        'ip',
        [
          'netns',
          'exec',
          name,
          'python3',
          '-u',
          IMPAIRER,
          '--queue',
          queue,
          '--delay-ms',
          String(impairment.delayMs),
          '--jitter-ms',
          String(impairment.jitterMs),
          '--loss',
          String(impairment.loss),
          '--seed',
          String(impairment.seed),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const ns = new NetemNamespace(name, impairment, impairer);
      await ns.ready();
      return ns;
    } catch (error) {
      await run('ip', ['netns', 'del', name]).catch(() => {});
      throw error;
    }
  }

  /** Starts a command inside the namespace (its children stay inside too). */
  spawn(command: string, args: readonly string[], options: Parameters<typeof spawn>[2] = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, command, ...args], options);
  }

  /** What the impairer dropped so far. */
  dropped(): readonly DroppedPacket[] {
    return this.drops;
  }

  /** Stops the impairer (it prints its summary), removes the namespace. Safe to call twice. */
  dispose(): Promise<ImpairerReport> {
    this.disposed ??= (async () => {
      const exited = new Promise<void>((resolve) => {
        if (this.impairer.exitCode !== null || this.impairer.signalCode !== null) resolve();
        else this.impairer.once('exit', () => resolve());
      });
      this.impairer.kill('SIGTERM');
      const timer = setTimeout(() => this.impairer.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      await run('ip', ['netns', 'del', this.name]).catch(() => {});
      return { summary: this.summary, drops: this.drops, stderr: this.stderr };
    })();
    return this.disposed;
  }

  private ready(): Promise<void> {
    const { impairer } = this;
    impairer.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
    });
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: impairer.stdout! });
      lines.on('line', (line) => {
        let message: { event?: string; message?: string } & Record<string, unknown>;
        try {
          message = JSON.parse(line);
        } catch {
          return;
        }
        if (message.event === 'ready') resolve();
        else if (message.event === 'drop') this.drops.push(message as unknown as DroppedPacket);
        else if (message.event === 'summary') this.summary = message as unknown as ImpairerSummary;
        else if (message.event === 'error') reject(new Error(`impairer: ${message.message}`));
      });
      impairer.once('exit', (code, signal) =>
        reject(
          new Error(
            `the impairer exited (${signal ?? code}) before it was ready: ${this.stderr.slice(-2000)}`,
          ),
        ),
      );
      impairer.once('error', reject);
    });
  }
}
