import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/train/backend.js';

beforeAll(async () => {
  expect(await selectBackend('wasm')).toBe('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** x[b : b + s] of a [3, 5, 7, 4] tensor holding 0, 1, 2, …, computed by hand. */
function expected(b: number[], s: number[]): number[] {
  const out: number[] = [];
  for (let i = b[0]!; i < b[0]! + s[0]!; i++)
    for (let j = b[1]!; j < b[1]! + s[1]!; j++)
      for (let k = b[2]!; k < b[2]! + s[2]!; k++)
        for (let l = b[3]!; l < b[3]! + s[3]!; l++) out.push(((i * 5 + j) * 7 + k) * 4 + l);
  return out;
}

describe('wasm kernels that replace the stock Slice and SplitV', () => {
  it('slice and split give the values of the input at the right offsets, contiguous or strided', () => {
    const x = tf.tensor(
      Float32Array.from({ length: 3 * 5 * 7 * 4 }, (_, i) => i),
      [3, 5, 7, 4],
    );
    for (const [b, s] of [
      [
        [0, 0, 0, 0],
        [3, 5, 7, 4],
      ],
      [
        [1, 2, 3, 1],
        [2, 2, 3, 2],
      ],
      [
        [2, 4, 6, 3],
        [1, 1, 1, 1],
      ],
      [
        [0, 1, 0, 0],
        [3, 3, 7, 4],
      ],
      [
        [1, 0, 0, 0],
        [1, 5, 7, 4],
      ],
    ] as const) {
      const got = tf.slice(x, [...b], [...s]);
      expect(got.shape).toEqual([...s]);
      expect(Array.from(got.dataSync())).toEqual(expected([...b], [...s]));
    }
    const parts = tf.split(x, [1, 4, 2], 2);
    expect(parts.map((p) => p.shape)).toEqual([
      [3, 5, 1, 4],
      [3, 5, 4, 4],
      [3, 5, 2, 4],
    ]);
    expect(Array.from(parts[1]!.dataSync())).toEqual(expected([0, 0, 1, 0], [3, 5, 4, 4]));
    const rows = tf.split(tf.reshape(x, [15, 28]), 3, 0);
    expect(Array.from(rows[2]!.dataSync())).toEqual(Array.from({ length: 5 * 28 }, (_, i) => 10 * 28 + i));
    const ints = tf.slice(tf.tensor1d([4, 5, 6, 7], 'int32'), [1], [2]);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([5, 6]);
    tf.dispose([x, ...parts, ...rows, ints]);
  });

  it('their gradients are those of slicing (pad back into place)', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.slice(a, [0, 1], [2, 2]), tf.tensor2d([1, 2, 3, 4], [2, 2]))))(
      x,
    );
    expect(Array.from(g.dataSync())).toEqual([0, 1, 2, 0, 3, 4]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.split(tf.ones([8, 4]), 4, 0);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g]);
  });
});
