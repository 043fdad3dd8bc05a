/** Worker thread entry: owns one {@link HandPipeline} and answers the tracker's messages. */
import { parentPort, workerData } from 'node:worker_threads';
import {
  HandPipeline,
  type PipelineOptions,
  type PipelineResult,
  type TrackMode,
} from './pipeline/hand-pipeline.ts';

export type ToWorker =
  | {
      readonly type: 'frame';
      readonly seq: number;
      readonly data: Uint8Array;
      readonly width: number;
      readonly height: number;
      readonly t: number;
      readonly mode: TrackMode;
    }
  | { readonly type: 'reset' }
  | { readonly type: 'dispose' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'init-failed'; readonly message: string }
  | { readonly type: 'result'; readonly seq: number; readonly result: PipelineResult }
  | { readonly type: 'failed'; readonly seq: number; readonly message: string };

const port = parentPort;
if (!port) throw new Error('tracker-worker.ts must run in a worker thread');
const post = (message: FromWorker) => port.postMessage(message);

let pipeline: HandPipeline;
try {
  pipeline = await HandPipeline.create(workerData as PipelineOptions);
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-failed', message: (error as Error).message });
  process.exit(1);
}

// Messages are handled one at a time in arrival order (the tracker sends one frame at a time).
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  queue = queue.then(async () => {
    if (message.type === 'reset') pipeline.reset();
    else if (message.type === 'dispose') {
      await pipeline.dispose();
      process.exit(0); // ends this worker thread only
    } else {
      try {
        const image = { data: message.data, width: message.width, height: message.height };
        const result = await pipeline.process(image, message.t, message.mode);
        post({ type: 'result', seq: message.seq, result });
        // Off the critical path: the answer is already on its way.
        await pipeline.searchDeferred();
      } catch (error) {
        post({ type: 'failed', seq: message.seq, message: (error as Error).message });
      }
    }
  });
});
