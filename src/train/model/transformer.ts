/**
 * The model of docs/DESIGN.md §5, written like nanoGPT's model.py: a named parameter map (the tensor
 * names of `model.safetensors`, weights stored [out, in] as PyTorch's Linear) and a plain
 * `forward(params, ids)`. Decoder-only transformer: RMSNorm, causal multi-head attention with
 * rotary embeddings (rotate-half), SwiGLU dense FFNs for the first `dense_layers`, DeepSeekMoE
 * layers after (shared expert + routed experts, softmax or sigmoid router, top-k chosen with the
 * correction bias, which never weights), auxiliary balance loss and router z-loss.
 *
 * TensorFlow.js has no gradient for topk: the route is chosen outside the tape from a host copy
 * of the scores, and dispatch/combine are flat `gather` and `unsortedSegmentSum`, which are
 * differentiable. A token runs only its chosen experts.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../text/hash.js';
import type { ModelConfig } from './config.js';

export type Params = Map<string, tf.Variable>;

/** Parameter shapes by name, in the order of `model.safetensors`. */
export function parameterShapes(c: ModelConfig): Array<[string, number[]]> {
  const out: Array<[string, number[]]> = [['model.embed_tokens.weight', [c.vocab_size, c.d_model]]];
  const D = c.d_model;
  for (let i = 0; i < c.n_layers; i++) {
    const p = `model.layers.${i}`;
    out.push([`${p}.input_layernorm.weight`, [D]]);
    for (const m of ['q', 'k', 'v', 'o']) out.push([`${p}.self_attn.${m}_proj.weight`, [D, D]]);
    out.push([`${p}.post_attention_layernorm.weight`, [D]]);
    if (i < c.dense_layers) {
      out.push(
        [`${p}.mlp.gate_proj.weight`, [c.d_ff, D]],
        [`${p}.mlp.up_proj.weight`, [c.d_ff, D]],
        [`${p}.mlp.down_proj.weight`, [D, c.d_ff]],
      );
      continue;
    }
    out.push(
      [`${p}.mlp.gate.weight`, [c.n_routed_experts, D]],
      [`${p}.mlp.gate.e_score_correction_bias`, [c.n_routed_experts]],
    );
    for (let j = 0; j < c.n_routed_experts; j++) {
      const e = `${p}.mlp.experts.${j}`;
      out.push(
        [`${e}.gate_proj.weight`, [c.d_expert, D]],
        [`${e}.up_proj.weight`, [c.d_expert, D]],
        [`${e}.down_proj.weight`, [D, c.d_expert]],
      );
    }
    if (c.n_shared_experts > 0) {
      const w = c.n_shared_experts * c.d_expert;
      const s = `${p}.mlp.shared_experts`;
      out.push([`${s}.gate_proj.weight`, [w, D]], [`${s}.up_proj.weight`, [w, D]], [`${s}.down_proj.weight`, [D, w]]);
    }
  }
  out.push(['model.norm.weight', [D]]);
  if (!c.tie_embeddings) out.push(['lm_head.weight', [c.vocab_size, D]]);
  return out;
}

let instances = 0;

/** Normal(0, 0.02) weights from a seeded PRNG (Box–Muller), ones for norms, zeros for biases. */
export function initParams(c: ModelConfig, seed: number): Params {
  const rand = mulberry32(seed);
  // tfjs names variables globally: each parameter set gets its own suffix
  const instance = instances++;
  const params: Params = new Map();
  for (const [name, shape] of parameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('norm.weight')) data.fill(1);
    else if (!name.endsWith('e_score_correction_bias')) {
      for (let i = 0; i < n; i++)
        data[i] = 0.02 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    }
    params.set(
      name,
      tf.variable(tf.tensor(data, shape), !name.endsWith('e_score_correction_bias'), `${name}@${instance}`),
    );
  }
  return params;
}

/**
 * a · b with every matmul, forward and backward, untransposed: the wasm backend's fast (XNNPACK)
 * path takes no transpose flags, and autodiff of tf.matMul uses them (research §2.2, §3).
 */
const mm = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1] as tf.Tensor2D)),
      tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy as tf.Tensor2D),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * log Σ exp over the last axis of [N, V], keeping it: [N, 1]. Its gradient is written out
 * (dy · softmax(x)): tf.logSumExp's own runs through max's gradient, an element-wise Equal over
 * the whole [N, V] that costs the wasm backend more than the output projection's matmuls.
 */
const logSumExp = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
  const m = tf.max(x, -1, true);
  const lse = tf.add(m, tf.log(tf.sum(tf.exp(tf.sub(x, m)), -1, true)));
  save([x, lse]);
  return {
    value: lse,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, tf.exp(tf.sub(saved[0]!, saved[1]!)))],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * Rows of x [M, D] summed into N rows by `ids` (all in [0, N)). Its gradient is a plain gather:
 * tfjs's own also masks negative ids with a broadcast logicalAnd, slow on wasm.
 */
function segmentSum(x: tf.Tensor2D, ids: tf.Tensor1D, N: number): tf.Tensor2D {
  const f = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [rows, index, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([index]);
    return {
      value: tf.unsortedSegmentSum(rows, index, N),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.gather(dy, saved[0]!), tf.zerosLike(saved[0]!)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, ids: tf.Tensor1D) => tf.Tensor2D;
  return f(x, ids);
}

/**
 * x · Wᵀ for a weight stored [out, in]: [N, in] → [N, out], every matmul untransposed. The
 * gradients need no transpose of W: dx = dy · W, and dW = dyᵀ · x or (xᵀ · dy)ᵀ, whichever
 * transposes fewer elements (two transposes per linear layer instead of mm's four).
 */
const linear = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, tf.transpose(w)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const [N, dIn] = xs.shape;
      const dOut = ws.shape[0];
      const dw =
        N * dOut <= N * dIn + dIn * dOut
          ? tf.matMul(tf.transpose(dy as tf.Tensor2D), xs)
          : tf.transpose(tf.matMul(tf.transpose(xs), dy as tf.Tensor2D));
      return [tf.matMul(dy as tf.Tensor2D, ws), dw];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, w: tf.Tensor) => tf.Tensor2D;

function rmsNorm(x: tf.Tensor2D, w: tf.Tensor, eps: number): tf.Tensor2D {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), w) as tf.Tensor2D;
}

function swiglu(x: tf.Tensor2D, gate: tf.Tensor, up: tf.Tensor, down: tf.Tensor): tf.Tensor2D {
  const g = linear(x, gate);
  return linear(tf.mul(tf.mul(g, tf.sigmoid(g)), linear(x, up)) as tf.Tensor2D, down);
}

interface Tables {
  /** cos and sin [T, hd] of the rotary angles (rotate-half layout). */
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  /** [hd, hd]: x · R = rotate_half(x) = [−x₂, x₁], a signed permutation (exact in float32). */
  rotate: tf.Tensor2D;
  /** [T, T]: 0 on and below the diagonal, −1e9 above (causal). */
  mask: tf.Tensor2D;
}

const tableCache = new Map<
  string,
  { cos: Float32Array; sin: Float32Array; rotate: Float32Array; mask: Float32Array }
>();

/** Rotary tables and the causal mask, computed once per shape (as plain arrays). */
function tables(T: number, hd: number, theta: number): Tables {
  const key = `${T},${hd},${theta}`;
  let t = tableCache.get(key);
  if (!t) {
    const half = hd / 2;
    const cos = new Float32Array(T * hd);
    const sin = new Float32Array(T * hd);
    for (let pos = 0; pos < T; pos++) {
      for (let j = 0; j < half; j++) {
        const a = pos * theta ** (-(2 * j) / hd);
        cos[pos * hd + j] = cos[pos * hd + j + half] = Math.cos(a);
        sin[pos * hd + j] = sin[pos * hd + j + half] = Math.sin(a);
      }
    }
    const rotate = new Float32Array(hd * hd);
    for (let j = 0; j < half; j++) {
      rotate[(j + half) * hd + j] = -1; // out[j] = −x[j + half]
      rotate[j * hd + j + half] = 1; // out[j + half] = x[j]
    }
    const mask = new Float32Array(T * T);
    for (let i = 0; i < T; i++) mask.fill(-1e9, i * T + i + 1, (i + 1) * T);
    tableCache.set(key, (t = { cos, sin, rotate, mask }));
  }
  return {
    cos: tf.tensor2d(t.cos, [T, hd]),
    sin: tf.tensor2d(t.sin, [T, hd]),
    rotate: tf.tensor2d(t.rotate, [hd, hd]),
    mask: tf.tensor2d(t.mask, [T, T]),
  };
}

/** [B·T, D] (token-major) → [B·H·T, hd] (one contiguous [T, hd] block per sequence and head). */
function toHeads(x: tf.Tensor2D, B: number, T: number, H: number): tf.Tensor2D {
  const hd = x.shape[1] / H;
  return tf.reshape(tf.transpose(tf.reshape(x, [B, T, H, hd]), [0, 2, 1, 3]), [B * H * T, hd]);
}

/** x [B·H·T, hd] rotated: x·cos + rotate_half(x)·sin, positions repeating every T rows. */
function rope(x: tf.Tensor2D, BH: number, T: number, t: Tables): tf.Tensor2D {
  const hd = x.shape[1];
  const rotated = tf.reshape(mm(x, t.rotate), [BH, T, hd]);
  return tf.reshape(tf.add(tf.mul(tf.reshape(x, [BH, T, hd]), t.cos), tf.mul(rotated, t.sin)), [BH * T, hd]);
}

/**
 * Causal multi-head attention with every matmul 2-D, one (sequence, head) block at a time: the
 * wasm backend's batched matmul runs about 10× slower than its 2-D path (research §2.2). Heads
 * are laid out so each block is contiguous rows: one split, no strided slices.
 */
function attention(
  x: tf.Tensor2D,
  p: (n: string) => tf.Tensor,
  pre: string,
  c: ModelConfig,
  B: number,
  T: number,
  t: Tables,
): tf.Tensor2D {
  const H = c.n_heads;
  const hd = c.d_model / H;
  const BH = B * H;
  const q = tf.mul(
    rope(toHeads(linear(x, p(`${pre}.self_attn.q_proj.weight`)), B, T, H), BH, T, t),
    1 / Math.sqrt(hd),
  ) as tf.Tensor2D; // [B·H·T, hd], scaled
  const k = rope(toHeads(linear(x, p(`${pre}.self_attn.k_proj.weight`)), B, T, H), BH, T, t);
  const kT = tf.reshape(tf.transpose(tf.reshape(k, [BH, T, hd]), [0, 2, 1]), [BH * hd, T]); // [B·H·hd, T]
  const v = toHeads(linear(x, p(`${pre}.self_attn.v_proj.weight`)), B, T, H);
  const qs = BH > 1 ? tf.split(q, BH, 0) : [q];
  const ks = BH > 1 ? tf.split(kT, BH, 0) : [kT];
  const vs = BH > 1 ? tf.split(v, BH, 0) : [v];
  const outs = qs.map((qb, i) => {
    const scores = tf.add(mm(qb as tf.Tensor2D, ks[i] as tf.Tensor2D), t.mask) as tf.Tensor2D; // [T, T]
    return mm(tf.softmax(scores), vs[i] as tf.Tensor2D); // [T, hd]
  });
  const out = tf.transpose(tf.reshape(BH > 1 ? tf.concat(outs, 0) : outs[0]!, [B, H, T, hd]), [0, 2, 1, 3]); // [B, T, H, hd]
  return linear(tf.reshape(out, [B * T, c.d_model]), p(`${pre}.self_attn.o_proj.weight`));
}

/** Per MoE layer: the fraction of routing slots each expert received. */
export type ExpertLoad = number[];

function moe(
  x: tf.Tensor2D,
  p: (n: string) => tf.Tensor,
  pre: string,
  c: ModelConfig,
  loads: ExpertLoad[],
): { y: tf.Tensor2D; aux: tf.Scalar; z: tf.Scalar } {
  const N = x.shape[0];
  const E = c.n_routed_experts;
  const K = c.top_k;
  const logits = linear(x, p(`${pre}.mlp.gate.weight`)); // [N, E], float32
  const scores = c.router === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits);
  // route outside the tape: top-k of scores + bias (the bias only chooses)
  const s = scores.dataSync();
  const bias = p(`${pre}.mlp.gate.e_score_correction_bias`).dataSync();
  const chosen = new Int32Array(N * K);
  for (let n = 0; n < N; n++) {
    const order = Array.from({ length: E }, (_, e) => e).sort(
      (a, b) => s[n * E + b]! + bias[b]! - (s[n * E + a]! + bias[a]!) || a - b,
    );
    for (let k = 0; k < K; k++) chosen[n * K + k] = order[k]!;
  }
  const flat = Int32Array.from(chosen, (e, slot) => Math.floor(slot / K) * E + e);
  let w = tf.reshape(tf.gather(tf.reshape(scores, [N * E]), flat), [N, K]);
  if (c.norm_topk_prob) w = tf.div(w, tf.sum(w, 1, true));
  w = tf.mul(w, c.route_scale);
  const wFlat = tf.reshape(w, [N * K]);
  const outs: tf.Tensor2D[] = [];
  const tokens: number[] = [];
  const counts = new Array<number>(E).fill(0);
  for (let e = 0; e < E; e++) {
    const slots: number[] = [];
    for (let i = 0; i < N * K; i++) if (chosen[i] === e) slots.push(i);
    counts[e] = slots.length;
    if (!slots.length) continue;
    const tok = slots.map((i) => Math.floor(i / K));
    const ex = `${pre}.mlp.experts.${e}`;
    const ye = swiglu(
      tf.gather(x, tok) as tf.Tensor2D,
      p(`${ex}.gate_proj.weight`),
      p(`${ex}.up_proj.weight`),
      p(`${ex}.down_proj.weight`),
    );
    outs.push(tf.mul(ye, tf.reshape(tf.gather(wFlat, slots), [slots.length, 1])) as tf.Tensor2D);
    tokens.push(...tok);
  }
  let y = segmentSum(tf.concat(outs, 0), tf.tensor1d(tokens, 'int32'), N);
  if (c.n_shared_experts > 0) {
    const sh = `${pre}.mlp.shared_experts`;
    y = tf.add(y, swiglu(x, p(`${sh}.gate_proj.weight`), p(`${sh}.up_proj.weight`), p(`${sh}.down_proj.weight`)));
  }
  loads.push(counts.map((n) => n / (N * K)));
  // aux = coef · E · Σ f_i · P_i, f from the route (constants), P = mean normalised scores
  const normalised = c.router === 'softmax' ? scores : tf.div(scores, tf.sum(scores, 1, true));
  const P = tf.mean(normalised, 0);
  const f = tf.tensor1d(counts.map((n) => n / (N * K)));
  const aux = tf.mul(tf.sum(tf.mul(f, P)), c.aux_loss_coef * E) as tf.Scalar;
  const z = tf.mul(tf.mean(tf.square(logSumExp(logits))), c.z_loss_coef) as tf.Scalar;
  return { y, aux, z };
}

export interface ForwardResult {
  /** [B·T, V] */
  logits: tf.Tensor2D;
  /** Mean over MoE layers (0 without MoE layers). */
  aux: tf.Scalar;
  z: tf.Scalar;
  loads: ExpertLoad[];
}

/** ids [B·T] (row-major B × T) → logits [B·T, V] and the router losses. */
export function forward(params: Params, ids: Int32Array, B: number, T: number, c: ModelConfig): ForwardResult {
  const p = (n: string): tf.Tensor => {
    const v = params.get(n);
    if (!v) throw new Error(`missing parameter ${n}`);
    return v;
  };
  const t = tables(T, c.d_model / c.n_heads, c.rope_theta);
  let h = tf.gather(p('model.embed_tokens.weight'), tf.tensor1d(ids, 'int32')) as tf.Tensor2D; // [B·T, D]
  const auxes: tf.Scalar[] = [];
  const zs: tf.Scalar[] = [];
  const loads: ExpertLoad[] = [];
  for (let i = 0; i < c.n_layers; i++) {
    const pre = `model.layers.${i}`;
    h = tf.add(h, attention(rmsNorm(h, p(`${pre}.input_layernorm.weight`), c.rms_norm_eps), p, pre, c, B, T, t));
    const f = rmsNorm(h, p(`${pre}.post_attention_layernorm.weight`), c.rms_norm_eps);
    if (i < c.dense_layers)
      h = tf.add(
        h,
        swiglu(f, p(`${pre}.mlp.gate_proj.weight`), p(`${pre}.mlp.up_proj.weight`), p(`${pre}.mlp.down_proj.weight`)),
      );
    else {
      const m = moe(f, p, pre, c, loads);
      h = tf.add(h, m.y);
      auxes.push(m.aux);
      zs.push(m.z);
    }
  }
  h = rmsNorm(h, p('model.norm.weight'), c.rms_norm_eps);
  const logits = linear(h, c.tie_embeddings ? p('model.embed_tokens.weight') : p('lm_head.weight'));
  const meanOf = (xs: tf.Scalar[]): tf.Scalar =>
    xs.length ? (tf.div(tf.addN(xs), xs.length) as tf.Scalar) : tf.scalar(0);
  return { logits, aux: meanOf(auxes), z: meanOf(zs), loads };
}

/** Mean next-token cross-entropy of logits [N, V] against targets [N]. */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  const logp = tf.sub(logits, logSumExp(logits));
  const picked = tf.gather(
    tf.reshape(logp, [-1]),
    tf.tensor1d(
      Int32Array.from(targets, (t, i) => i * logits.shape[1] + t),
      'int32',
    ),
  );
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}

/** The training loss: cross-entropy plus the mean router losses. */
export function loss(
  params: Params,
  x: Int32Array,
  y: Int32Array,
  B: number,
  T: number,
  c: ModelConfig,
): { total: tf.Scalar; ce: tf.Scalar; aux: tf.Scalar; z: tf.Scalar; loads: ExpertLoad[] } {
  const f = forward(params, x, B, T, c);
  const ce = crossEntropy(f.logits, y);
  return { total: tf.addN([ce, f.aux, f.z]) as tf.Scalar, ce, aux: f.aux, z: f.z, loads: f.loads };
}

/** The value of `f` and its gradient for every trainable parameter, keyed by parameter name. */
export function valueAndGrads(params: Params, f: () => tf.Scalar): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const { value, grads } = tf.variableGrads(f);
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of params) if (grads[v.name]) out.set(name, grads[v.name]!);
  return { value, grads: out };
}
