import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/train/model/config.js';
import { initParams, loss, parameterShapes, valueAndGrads } from '../../../src/train/model/transformer.js';
import { mulberry32 } from '../../../src/text/hash.js';

const tiny = parseModelConfig(
  {
    vocab_size: 12,
    d_model: 8,
    n_layers: 2,
    n_heads: 2,
    max_seq_len: 4,
    dense_layers: 1,
    d_ff: 12,
    n_routed_experts: 4,
    n_shared_experts: 1,
    top_k: 2,
    d_expert: 6,
    router: 'softmax',
    norm_topk_prob: true,
    aux_loss_coef: 0.1,
    z_loss_coef: 0.01,
  },
  'tiny',
);
const B = 2;
const T = 4;
const x = Int32Array.from([1, 5, 7, 2, 3, 3, 9, 11]);
const y = Int32Array.from([5, 7, 2, 0, 3, 9, 11, 4]);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DeepSeekMoE transformer', () => {
  it('has the DESIGN §5 tensor names and shapes', () => {
    const names = parameterShapes(tiny).map(([n]) => n);
    expect(names).toContain('model.layers.0.mlp.gate_proj.weight');
    expect(names).toContain('model.layers.1.mlp.gate.weight');
    expect(names).toContain('model.layers.1.mlp.gate.e_score_correction_bias');
    expect(names).toContain('model.layers.1.mlp.experts.3.down_proj.weight');
    expect(names).toContain('model.layers.1.mlp.shared_experts.up_proj.weight');
    expect(names.at(-1)).toBe('lm_head.weight');
    expect(Object.fromEntries(parameterShapes(tiny))['model.layers.1.self_attn.q_proj.weight']).toEqual([8, 8]);
  });

  it('analytic gradients agree with central finite differences for every parameter tensor, router included', () => {
    const params = initParams(tiny, 3);
    // larger weights than the 0.02 init, so every path carries a measurable gradient
    for (const v of params.values()) if (v.trainable && v.shape.length === 2) v.assign(tf.mul(v, 15));
    const f = (): number => tf.tidy(() => loss(params, x, y, B, T, tiny).total.dataSync()[0]!);
    const { grads } = valueAndGrads(params, () => loss(params, x, y, B, T, tiny).total);
    const rand = mulberry32(9);
    const eps = 1e-2;
    let checked = 0;
    for (const [name, v] of params) {
      if (!v.trainable) continue;
      const g = grads.get(name)!.dataSync();
      const values = v.dataSync().slice();
      for (let k = 0; k < 3; k++) {
        const i = Math.floor(rand() * values.length);
        const set = (delta: number): void => {
          const copy = values.slice();
          copy[i] = copy[i]! + delta;
          v.assign(tf.tensor(copy, v.shape));
        };
        set(eps);
        const up = f();
        set(-eps);
        const down = f();
        set(0);
        const fd = (up - down) / (2 * eps);
        expect(Math.abs(g[i]! - fd), `${name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`).toBeLessThanOrEqual(
          2e-3 + 0.05 * Math.abs(fd),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
    const router = grads.get('model.layers.1.mlp.gate.weight')!.dataSync();
    expect(Math.max(...Array.from(router, Math.abs))).toBeGreaterThan(1e-4);
    tf.dispose([...grads.values()]);
  });

  it('starts near the uniform loss, and leaks no tensors across steps', () => {
    const params = initParams(tiny, 1);
    const l0 = tf.tidy(() => loss(params, x, y, B, T, tiny).ce.dataSync()[0]!);
    expect(l0).toBeCloseTo(Math.log(12), 1);
    const step = (): void => {
      tf.tidy(() => {
        const { grads } = valueAndGrads(params, () => loss(params, x, y, B, T, tiny).total);
        for (const [n, g] of grads) params.get(n)!.assign(tf.sub(params.get(n)!, tf.mul(g, 0.1)));
      });
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    const l1 = tf.tidy(() => loss(params, x, y, B, T, tiny).ce.dataSync()[0]!);
    expect(l1).toBeLessThan(l0);
  });
});
