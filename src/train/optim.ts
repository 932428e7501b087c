/**
 * Optimisation (docs/DESIGN.md §6): AdamW with decoupled weight decay (Loshchilov & Hutter 2019), not
 * applied to norm weights or biases; linear warm-up then cosine decay to `minLr` (nanoGPT's
 * `get_lr`, a pure function); global-norm gradient clipping. Moments are plain tensors by
 * parameter name, so they go into `optimizer.safetensors` as they are.
 */
import * as tf from '@tensorflow/tfjs';

export interface OptimConfig {
  lr: number;
  minLr: number;
  warmupSteps: number;
  steps: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  clip: number;
}

/** Learning rate at a (0-based) step: linear warm-up, cosine decay to minLr, then minLr. */
export function lrAt(step: number, c: OptimConfig): number {
  if (step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  if (step >= c.steps) return c.minLr;
  const ratio = (step - c.warmupSteps) / Math.max(1, c.steps - c.warmupSteps);
  return c.minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (c.lr - c.minLr);
}

/** Norms and biases get no weight decay. */
export function decays(name: string): boolean {
  return !name.endsWith('norm.weight') && !name.endsWith('bias');
}

export interface AdamState {
  step: number;
  m: Map<string, tf.Tensor>;
  v: Map<string, tf.Tensor>;
}

export function newAdamState(): AdamState {
  return { step: 0, m: new Map(), v: new Map() };
}

/** Global L2 norm of the gradients. */
export function globalNorm(grads: Map<string, tf.Tensor>): number {
  return tf.tidy(() => Math.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))).dataSync()[0]!));
}

/**
 * One AdamW update in place: clips by global norm, then m, v and the parameters. Returns the
 * gradient norm before clipping.
 */
export function adamwStep(
  params: Map<string, tf.Variable>,
  grads: Map<string, tf.Tensor>,
  state: AdamState,
  lr: number,
  c: OptimConfig,
): number {
  const norm = globalNorm(grads);
  const scale = c.clip > 0 && norm > c.clip ? c.clip / norm : 1;
  state.step += 1;
  const t = state.step;
  const bc1 = 1 - c.beta1 ** t;
  const bc2 = 1 - c.beta2 ** t;
  for (const [name, g0] of grads) {
    const p = params.get(name)!;
    const [m, v] = tf.tidy(() => {
      const g = tf.mul(g0, scale);
      const m1 = tf.add(tf.mul(state.m.get(name) ?? tf.zerosLike(p), c.beta1), tf.mul(g, 1 - c.beta1));
      const v1 = tf.add(tf.mul(state.v.get(name) ?? tf.zerosLike(p), c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
      const update = tf.div(tf.div(m1, bc1), tf.add(tf.sqrt(tf.div(v1, bc2)), c.eps));
      const decayed = decays(name) ? tf.mul(p, 1 - lr * c.weightDecay) : p;
      p.assign(tf.sub(decayed, tf.mul(update, lr)));
      return [m1, v1];
    });
    state.m.get(name)?.dispose();
    state.v.get(name)?.dispose();
    state.m.set(name, m!);
    state.v.set(name, v!);
  }
  return norm;
}
