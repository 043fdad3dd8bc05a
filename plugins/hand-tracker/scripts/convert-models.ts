/** `npm run build`: converts the MediaPipe hand models to ONNX into `.cache/models/` (skips cached ones). */
import { ensureModels } from '../src/models/load.ts';

await ensureModels({ onProgress: (message) => console.log(message) });
console.log('hand models ready');
