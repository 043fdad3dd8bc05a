import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { writeOnnxModel } from './onnx-writer.ts';

test('a written model runs in onnxruntime and computes what its nodes say', async () => {
  // y = Relu(Conv(x, w) + b) with a 1x1 kernel: y[o] = relu(sum_i w[o][i] * x[i] + b[o]).
  const bytes = writeOnnxModel({
    name: 'tiny',
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'w', 'b'],
        outputs: ['c'],
        attributes: { kernel_shape: [1, 1], pads: [0, 0, 0, 0] },
      },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['y'] },
    ],
    initializers: [
      { name: 'w', dims: [2, 3, 1, 1], data: Float32Array.of(1, 2, 3, -1, -1, -1) },
      { name: 'b', dims: [2], data: Float32Array.of(0.5, 1) },
      { name: 'shape', dims: [2], data: BigInt64Array.of(1n, -1n) },
    ],
    inputs: [{ name: 'x', dims: [1, 3, 1, 2] }],
    outputs: [{ name: 'y', dims: [1, 4] }],
  });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const x = new ort.Tensor('float32', Float32Array.of(1, 0, 1, 1, 1, -10), [1, 3, 1, 2]);
    const { y } = await session.run({ x });
    // pixel 0: x = (1, 1, 1) → (6.5, -2) ; pixel 1: x = (0, 1, -10) → (-27.5, 10)
    assert.deepEqual(Array.from(y!.data as Float32Array), [6.5, 0, 0, 10]);
  } finally {
    await session.release();
  }
});

test('float attributes and string attributes are written with their types', async () => {
  const bytes = writeOnnxModel({
    name: 'leaky',
    nodes: [{ op: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attributes: { alpha: { float: 0.25 } } }],
    initializers: [],
    inputs: [{ name: 'x', dims: [2] }],
    outputs: [{ name: 'y', dims: [2] }],
  });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(-4, 3), [2]) });
    assert.deepEqual(Array.from(y!.data as Float32Array), [-1, 3]);
  } finally {
    await session.release();
  }
});
