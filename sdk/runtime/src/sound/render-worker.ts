/**
 * A sound render worker thread: imports Tone.js, says it is ready, then renders the sounds it is
 * sent (already validated by the pool's caller) one at a time and transfers the buffers back.
 * The pool terminates it if a render overruns its timeout.
 */
import { parentPort } from 'node:worker_threads';
import type { Sound } from '@bambam/sdk';
import { SoundError } from './errors.ts';
import { loadTone } from './node-tone.ts';
import { renderValidatedHere } from './render.ts';
import type { RenderReply } from './worker-client.ts';

const port = parentPort;
if (!port) throw new Error('render-worker.ts runs as a worker thread');

port.on('message', async ({ id, name, sound }: { id: number; name: string; sound: Sound }) => {
  let reply: RenderReply;
  try {
    const rendered = await renderValidatedHere(name, sound);
    reply = { type: 'done', id, left: rendered.left, right: rendered.right, durationMs: rendered.durationMs };
    port.postMessage(reply, [rendered.left.buffer as ArrayBuffer, rendered.right.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    const detail =
      error instanceof SoundError ? message.replace(/^sound '[^']*': /, '') : `could not render: ${message}`;
    reply = { type: 'failed', id, detail };
  }
  port.postMessage(reply);
});

// Ready once Tone is imported, so a render's timeout counts rendering only, not the import.
await loadTone();
port.postMessage({ type: 'ready' } satisfies RenderReply);
