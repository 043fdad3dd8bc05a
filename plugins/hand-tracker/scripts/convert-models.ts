/** `npm run build`: converts the MediaPipe hand models to ONNX into `.cache/models/`. */
import { cachedModelPath, convertAndCache } from '../src/models/load.ts';
import { MODEL_VARIANTS } from '../src/models/sources.ts';

for (const kind of ['palm', 'landmark'] as const) {
  for (const variant of MODEL_VARIANTS) {
    const started = performance.now();
    const onnx = await convertAndCache(kind, variant);
    const ms = (performance.now() - started).toFixed(0);
    console.log(`${cachedModelPath(kind, variant)}: ${(onnx.length / 1e6).toFixed(1)} MB in ${ms} ms`);
  }
}
