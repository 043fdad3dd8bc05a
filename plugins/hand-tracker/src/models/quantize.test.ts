import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { HandPipeline } from '../pipeline/hand-pipeline.ts';
import { fixturesDir, MISSING_FIXTURES, readImage } from '../testing/fixtures.ts';
import { loadOnnxModel } from './load.ts';
import { type OnnxGraph, writeOnnxModel } from './onnx-writer.ts';
import {
  activationParams,
  convertTfliteToInt8Onnx,
  FLOAT_STEM_CONVS,
  quantizationTargets,
  quantizeGraph,
} from './quantize.ts';
import { readTfliteModel } from './sources.ts';

test('activation ranges always hold an exact zero; ranges from 0 get zero point 0 (Relu/Clip fold away)', () => {
  assert.deepEqual(activationParams(0, 6), { scale: 6 / 255, zeroPoint: 0 });
  const { scale, zeroPoint } = activationParams(-1, 3);
  assert.equal(zeroPoint, Math.round(1 / scale));
  assert.equal(activationParams(2, 5).zeroPoint, 0, 'widened down to 0');
  assert.equal(activationParams(0, 0).scale, 1, 'an all-zero tensor does not divide by zero');
});

test('a quantized conv graph runs in onnxruntime and stays close to the float graph', async () => {
  // input [1,4,6,6] → Conv 3x3 (8 out, bias) → Relu → Conv 1x1 → Add(·, itself) → ReduceMean
  const w1 = Float32Array.from({ length: 8 * 4 * 9 }, (_, i) => Math.sin(i) * 0.5);
  const w2 = Float32Array.from({ length: 8 * 8 }, (_, i) => Math.cos(i) * 0.3);
  const graph: OnnxGraph = {
    name: 'tiny',
    inputs: [{ name: 'x', dims: [1, 4, 6, 6] }],
    outputs: [{ name: 'y', dims: [1, 8, 1, 1] }],
    initializers: [
      { name: 'w1', dims: [8, 4, 3, 3], data: w1 },
      { name: 'b1', dims: [8], data: Float32Array.from({ length: 8 }, (_, i) => i / 10 - 0.3) },
      { name: 'w2', dims: [8, 8, 1, 1], data: w2 },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attributes: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'Conv', inputs: ['r1', 'w2'], outputs: ['c2'] },
      { op: 'Add', inputs: ['c2', 'c2'], outputs: ['a'] },
      { op: 'ReduceMean', inputs: ['a'], outputs: ['y'], attributes: { axes: [2, 3], keepdims: 1 } },
    ],
  };
  assert.deepEqual(quantizationTargets(graph), ['x', 'r1', 'c2', 'a']);
  const input = Float32Array.from({ length: 4 * 36 }, (_, i) => (i % 7) / 7);
  const run = async (g: OnnxGraph) => {
    const session = await ort.InferenceSession.create(writeOnnxModel(g));
    const out = await session.run({ x: new ort.Tensor('float32', input, [1, 4, 6, 6]) });
    await session.release();
    return out.y!.data as Float32Array;
  };
  const float = await run(graph);
  // Ranges as a calibration would measure them on this input.
  const withOutputs: OnnxGraph = { ...graph, outputs: ['x', 'r1', 'c2', 'a'].map((name) => ({ name })) };
  const session = await ort.InferenceSession.create(writeOnnxModel(withOutputs));
  const values = await session.run({ x: new ort.Tensor('float32', input, [1, 4, 6, 6]) });
  await session.release();
  const ranges = Object.fromEntries(
    Object.entries(values).map(([name, t]) => {
      const data = t.data as Float32Array;
      return [name, [Math.min(...data), Math.max(...data)] as const];
    }),
  );
  const quantized = quantizeGraph(graph, { model: 'tiny', fingerprint: '', source: 'test', ranges });
  assert.ok(quantized.nodes.some((n) => n.op === 'QuantizeLinear'));
  assert.ok(!quantized.initializers.some((i) => i.name === 'w1'), 'float weights dropped');
  const int8 = await run(quantized);
  const peak = Math.max(...float.map(Math.abs));
  for (let i = 0; i < float.length; i++) assert.ok(Math.abs(int8[i]! - float[i]!) < 0.03 * peak);
});

test('the committed calibration tables match the converter (else: node scripts/calibrate-int8.ts)', async () => {
  for (const variant of ['lite', 'full'] as const) {
    const onnx = await convertTfliteToInt8Onnx(
      await readTfliteModel('landmark', variant),
      `landmark_${variant}`,
    );
    assert.ok(onnx.length > 0);
  }
});

test('onnxruntime runs the lite-int8 landmark model as quantized convolutions, not float ones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'int8-profile-'));
  try {
    const session = await ort.InferenceSession.create(await loadOnnxModel('landmark', 'lite-int8'), {
      intraOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      enableProfiling: true,
      profileFilePrefix: join(dir, 'profile'),
    });
    const input = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]);
    await session.run({ [session.inputNames[0]!]: input });
    session.endProfiling();
    await session.release();
    const [file] = await readdir(dir);
    const events = JSON.parse(await readFile(join(dir, file!), 'utf8')) as {
      cat: string;
      name: string;
      args: { op_name?: string };
    }[];
    const ops = events
      .filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
      .map((e) => e.args.op_name);
    const count = (op: string) => ops.filter((o) => o === op).length;
    assert.equal(count('QLinearConv'), 47 - FLOAT_STEM_CONVS, `kernels run: ${ops.join(' ')}`);
    assert.equal(count('Conv') + count('FusedConv'), FLOAT_STEM_CONVS, 'only the stem stays float');
    assert.equal(count('QLinearAdd'), 10);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Landmarks of int8 vs float on the fixture photos (image mode: same float palm ROIs for both). */
for (const variant of ['lite', 'full'] as const) {
  test(`${variant}-int8 landmarks stay within tolerance of ${variant} on the fixture photos`, async (t) => {
    const dir = fixturesDir();
    if (!dir) return t.skip(MISSING_FIXTURES);
    const float = await HandPipeline.create({ model: variant });
    const int8 = await HandPipeline.create({ model: `${variant}-int8` });
    try {
      const distances: number[] = [];
      const files = (await readdir(join(dir, 'hands/images'))).filter((f) => f.endsWith('.jpg')).sort();
      for (const file of files) {
        const image = await readImage(join(dir, 'hands/images', file));
        const a = (await float.process(image, 0, 'image')).frame.hands;
        const b = (await int8.process(image, 0, 'image')).frame.hands;
        assert.equal(b.length, a.length, `${file}: same hands found`);
        for (const [i, hand] of a.entries()) {
          assert.equal(b[i]!.handedness, hand.handedness, `${file}: same handedness`);
          for (const [j, p] of hand.landmarks.entries()) {
            const q = b[i]!.landmarks[j]!;
            // Pixels at 640x480, the engine's usual frame size.
            distances.push(Math.hypot((p.x - q.x) * 640, (p.y - q.y) * 480));
          }
        }
      }
      distances.sort((x, y) => x - y);
      const at = (q: number) => distances[Math.floor(q * (distances.length - 1))]!;
      const summary = `median ${at(0.5).toFixed(2)}, p90 ${at(0.9).toFixed(2)}, max ${at(1).toFixed(2)} px`;
      t.diagnostic(`${variant}-int8 vs ${variant}, ${distances.length / 21} hands: ${summary}`);
      // Measured: lite median 0.42 / p90 1.14 / max 13.7 px; full 0.60 / 1.37 / 11.3 px.
      assert.ok(at(0.5) < 1 && at(0.9) < 2.5 && at(1) < 25, summary);
    } finally {
      await Promise.all([float.dispose(), int8.dispose()]);
    }
  });
}
