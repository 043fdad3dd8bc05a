/**
 * A worker thread that starts sandbox processes for host-launcher.ts. `spawn` is synchronous
 * in libuv: the calling thread waits for fork and exec, 5–70 ms depending on how busy the
 * machine is. On the engine's event loop that is a glitch in every playing session's audio
 * clock whenever someone joins; here it costs nothing the players hear.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { parentPort } from 'node:worker_threads';

/** What host-launcher.ts asks of this thread. */
export type SpawnerRequest =
  | { type: 'spawn'; id: string; execPath: string; args: string[]; env: NodeJS.ProcessEnv }
  | { type: 'kill'; id: string; signal: NodeJS.Signals };

/** What this thread tells host-launcher.ts about each process it started. */
export type SpawnerEvent =
  | { type: 'spawned'; id: string; pid: number }
  | { type: 'spawn-failed'; id: string; message: string }
  | { type: 'stderr'; id: string; chunk: string }
  | { type: 'exit'; id: string; code: number | null; signal: NodeJS.Signals | null };

const port = parentPort;
if (!port) throw new Error('host-spawner-worker.ts runs as a worker thread of host-launcher.ts');
const children = new Map<string, ChildProcess>();
const post = (event: SpawnerEvent) => port.postMessage(event);

port.on('message', (request: SpawnerRequest) => {
  if (request.type === 'kill') {
    children.get(request.id)?.kill(request.signal);
    return;
  }
  let child: ChildProcess;
  try {
    child = spawn(request.execPath, request.args, { env: request.env, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    post({ type: 'spawn-failed', id: request.id, message: (error as Error).message });
    return;
  }
  children.set(request.id, child);
  child.once('error', (error) => post({ type: 'spawn-failed', id: request.id, message: error.message }));
  child.once('spawn', () => post({ type: 'spawned', id: request.id, pid: child.pid! }));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => post({ type: 'stderr', id: request.id, chunk }));
  // 'close', not 'exit': the last of stderr (where V8 prints a fatal error) has been read by then.
  child.once('close', (code, signal) => {
    children.delete(request.id);
    post({ type: 'exit', id: request.id, code, signal });
  });
});
