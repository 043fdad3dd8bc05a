/**
 * A real CPU load for tests and benches: `count` child processes that each keep one core busy
 * (a loop at the default priority) until stopped. Children, not threads, so the scheduler
 * weighs them as any other busy program on the machine would be.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface BusyLoops {
  /** Ends the loops (idempotent). */
  stop(): void;
}

export function startBusyLoops(count: number): BusyLoops {
  const loops: ChildProcess[] = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for (;;) Math.sqrt(Math.random());'], { stdio: 'ignore' }),
  );
  const stop = () => {
    for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGKILL');
  };
  // A test or bench that dies leaves no loop behind.
  process.once('exit', stop);
  return { stop };
}
