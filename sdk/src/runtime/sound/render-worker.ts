/** The sound render worker thread: renders sounds off the main thread and transfers the buffers back. */
import { parentPort } from 'node:worker_threads';
import type { Sound } from '../../sounds.ts';
import { SoundError } from './errors.ts';
import { renderSoundHere } from './render.ts';
import type { RenderReply } from './worker-client.ts';

const port = parentPort;
if (!port) throw new Error('render-worker.ts runs as a worker thread');

port.on('message', async ({ id, name, sound }: { id: number; name: string; sound: Sound }) => {
  let reply: RenderReply;
  try {
    const rendered = await renderSoundHere(name, sound);
    reply = { id, ok: true, left: rendered.left, right: rendered.right, durationMs: rendered.durationMs };
    port.postMessage(reply, [rendered.left.buffer as ArrayBuffer, rendered.right.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    const detail =
      error instanceof SoundError ? message.replace(/^sound '[^']*': /, '') : `could not render: ${message}`;
    reply = { id, ok: false, detail };
  }
  port.postMessage(reply);
});
