import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { letterboxRoi, sampleRoi } from '../pipeline/roi-crop.ts';
import { fixturesDir, readHandLabels, readImage } from '../testing/fixtures.ts';
import { convertTfliteToOnnx, transposeArray } from './convert.ts';
import { readTfliteModel } from './sources.ts';
import { readTflite } from './tflite.ts';

test('transposeArray permutes axes like ONNX Transpose', () => {
  // shape [2, 3] → [3, 2]
  const out = transposeArray(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3], [1, 0]);
  assert.deepEqual(Array.from(out), [1, 4, 2, 5, 3, 6]);
  // NHWC [1, 1, 2, 3] → NCHW [1, 3, 1, 2]
  const nchw = transposeArray(Float32Array.of(1, 2, 3, 4, 5, 6), [1, 1, 2, 3], [0, 3, 1, 2]);
  assert.deepEqual(Array.from(nchw), [1, 4, 2, 5, 3, 6]);
});

test('readTflite rejects bytes that are not a TFLite model', () => {
  assert.throws(() => readTflite(new Uint8Array(64)), /not a TFLite model/);
  assert.throws(() => readTflite(new Uint8Array(3)), /not a TFLite model/);
});

for (const variant of ['full', 'lite'] as const) {
  test(`the ${variant} models convert and run with the expected inputs and outputs`, async () => {
    const palm = await ort.InferenceSession.create(
      convertTfliteToOnnx(await readTfliteModel('palm', variant)),
    );
    const landmark = await ort.InferenceSession.create(
      convertTfliteToOnnx(await readTfliteModel('landmark', variant)),
    );
    try {
      const palmOut = await palm.run({
        [palm.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(3 * 192 * 192), [1, 3, 192, 192]),
      });
      assert.deepEqual(
        palm.outputNames.map((name) => palmOut[name]!.dims),
        [
          [1, 2016, 18],
          [1, 2016, 1],
        ],
      );
      const landmarkOut = await landmark.run({
        [landmark.inputNames[0]!]: new ort.Tensor(
          'float32',
          new Float32Array(3 * 224 * 224).fill(0.5),
          [1, 3, 224, 224],
        ),
      });
      assert.deepEqual(
        landmark.outputNames.map((name) => landmarkOut[name]!.dims),
        [
          [1, 63],
          [1, 1],
          [1, 1],
          [1, 63],
        ],
      );
      // A flat grey image is no hand: presence (a probability, the model ends in a sigmoid) is low.
      const presence = (landmarkOut[landmark.outputNames[1]!]!.data as Float32Array)[0]!;
      assert.ok(presence >= 0 && presence < 0.1, `presence ${presence}`);
    } finally {
      await palm.release();
      await landmark.release();
    }
  });
}

/** Largest |a - b| relative to max(1, |a|), over every output. */
function maxRelativeDifference(a: ort.InferenceSession.OnnxValueMapType, b: typeof a): number {
  let worst = 0;
  for (const [name, value] of Object.entries(a)) {
    const x = value.data as Float32Array;
    const y = b[name]!.data as Float32Array;
    for (let i = 0; i < x.length; i++)
      worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(x[i]!)));
  }
  return worst;
}

for (const variant of ['full', 'lite'] as const) {
  test(`the ${variant} palm model's rewritten PRelu and channel Pad match the plain ONNX ops`, async () => {
    const tflite = await readTfliteModel('palm', variant);
    const fast = convertTfliteToOnnx(tflite);
    const text = new TextDecoder('latin1').decode(fast);
    assert.ok(!text.includes('PRelu') && !text.includes('Pad'), 'no PRelu or Pad node is left');
    const plain = await ort.InferenceSession.create(
      convertTfliteToOnnx(tflite, 'model', { preluAsConv: false, channelPadAsConv: false }),
    );
    const rewritten = await ort.InferenceSession.create(fast);
    try {
      const inputs = [Float32Array.from({ length: 3 * 192 * 192 }, (_, i) => ((i * 7919) % 1000) / 1000)];
      const dir = fixturesDir();
      if (dir) {
        const photo = await readImage(join(dir, 'hands/images', readHandLabels(dir)[0]!.file));
        const input = new Float32Array(3 * 192 * 192);
        sampleRoi(photo, letterboxRoi(photo.width, photo.height), 192, 'zero', input);
        inputs.push(input);
      }
      for (const data of inputs) {
        const feeds = { [plain.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, 192, 192]) };
        const difference = maxRelativeDifference(await plain.run(feeds), await rewritten.run(feeds));
        // Float rounding only: the outputs reach ~150 (box offsets in pixels).
        assert.ok(difference < 3e-4, `max relative difference ${difference}`);
      }
    } finally {
      await plain.release();
      await rewritten.release();
    }
  });
}
