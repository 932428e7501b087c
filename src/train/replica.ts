/**
 * One copy of the model and its AdamW state, as each data-parallel worker holds it. A step is:
 * every replica computes the gradients of its micro-batches (`grads`), the driver sums them in
 * micro-batch order, and every replica applies the same sum (`apply`), so all copies stay
 * bit-identical and the result does not depend on how many replicas there are.
 * Plain tfjs, no threads: `replica-worker.ts` runs one in a worker thread.
 */
import * as tf from '@tensorflow/tfjs';
import { assignParams, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { type Batch, ShardLoader } from './data.js';
import type { ModelConfig } from './model/config.js';
import { crossEntropy, forward, initParams, loss, type Params, valueAndGrads } from './model/transformer.js';
import { type AdamState, adamwStep, newAdamState } from './optim.js';

export interface ReplicaInit {
  model: ModelConfig;
  train: TrainConfig;
  /** Shard prefixes (train, and val when it has a window). */
  trainPrefix: string;
  valPrefix?: string;
  /** Checkpoint to start from (`--resume`). */
  checkpoint?: string;
}

/** One micro-batch's result: its flat gradient (trainable parameters in order) and losses. */
export interface MicroResult {
  micro: number;
  flat: Float32Array;
  /** 1 where the parameter received a gradient (a routed expert without tokens gets none). */
  present: Uint8Array;
  loss: number;
  ce: number;
  aux: number;
  z: number;
  /** Per MoE layer, the share of routing slots per expert. */
  loads: number[][];
  /** Milliseconds this micro-batch waited for its data (0 when it was prefetched in time). */
  dataMs: number;
}

/** A micro-batch of a step, as the driver hands them out. */
export interface MicroRef {
  step: number;
  micro: number;
}

/** Windows per validation forward pass (one window at a time leaves the matmuls too small to be fast). */
export const EVAL_BATCH = 8;

/**
 * Loss sums of validation batches: batch j is windows [8j, 8j + 8) of the consecutive windows
 * of docs/DESIGN.md §5 `moe eval`; only the batches `mine(j)` accepts are computed. Returns, per
 * computed batch in order, [j, Σ token losses, tokens].
 */
export function evalBatches(
  params: Params,
  c: ModelConfig,
  loader: ShardLoader,
  maxTokens: number,
  mine: (j: number) => boolean = () => true,
): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  const T = c.max_seq_len;
  let xs: Int32Array[] = [];
  let ys: Int32Array[] = [];
  let j = 0;
  const flush = (): void => {
    if (mine(j)) {
      const B = xs.length;
      const x = new Int32Array(B * T);
      const y = new Int32Array(B * T);
      for (const [i, w] of xs.entries()) x.set(w, i * T);
      for (const [i, w] of ys.entries()) y.set(w, i * T);
      out.push([
        j,
        tf.tidy(() => crossEntropy(forward(params, x, B, T, c).logits, y).dataSync()[0]!) * y.length,
        y.length,
      ]);
    }
    j += 1;
    xs = [];
    ys = [];
  };
  for (const w of loader.evalWindows(T, maxTokens)) {
    xs.push(w.x);
    ys.push(w.y);
    if (xs.length === EVAL_BATCH) flush();
  }
  if (xs.length) flush();
  return out;
}

/** The mean of per-batch loss sums, added in batch order (so any split of the batches gives the same number). */
export function meanLoss(batches: Array<[number, number, number]>): { loss: number; tokens: number } {
  let sum = 0;
  let n = 0;
  for (const [, s, k] of [...batches].sort((a, b) => a[0] - b[0])) {
    sum += s;
    n += k;
  }
  return { loss: n ? sum / n : Number.NaN, tokens: n };
}

/** Mean cross-entropy over consecutive validation windows (docs/DESIGN.md §5 `moe eval`). */
export function evaluate(
  params: Params,
  c: ModelConfig,
  loader: ShardLoader,
  maxTokens: number,
): { loss: number; tokens: number } {
  return meanLoss(evalBatches(params, c, loader, maxTokens));
}

export class Replica {
  readonly params: Params;
  readonly adam: AdamState = newAdamState();
  /** Trainable parameters, in the order of the flat gradient. */
  readonly trainable: Array<{ name: string; shape: number[]; offset: number; size: number }> = [];
  readonly total: number;
  private readonly trainData: ShardLoader;
  private readonly valData: ShardLoader | undefined;
  /** The next micro-batch's data, being read while the current one computes. */
  private prefetched: { key: string; batch: Promise<Batch> } | undefined;

  private constructor(readonly init: ReplicaInit) {
    this.params = initParams(init.model, init.train.seed);
    let offset = 0;
    for (const [name, v] of this.params) {
      if (!v.trainable) continue;
      this.trainable.push({ name, shape: v.shape, offset, size: v.size });
      offset += v.size;
    }
    this.total = offset;
    this.trainData = new ShardLoader(init.trainPrefix, init.model.vocab_size);
    this.valData = init.valPrefix ? new ShardLoader(init.valPrefix, init.model.vocab_size) : undefined;
  }

  static async create(init: ReplicaInit): Promise<Replica> {
    const r = new Replica(init);
    if (init.checkpoint) {
      const ck = await loadCheckpoint(init.checkpoint);
      assignParams(r.params, ck.tensors, init.checkpoint);
      for (const [name, m] of ck.moments)
        (name.startsWith('m.') ? r.adam.m : r.adam.v).set(name.slice(2), tf.tensor(m.data, m.shape));
      r.adam.step = ck.state.adam_step;
    }
    return r;
  }

  /**
   * Gradient of micro-batch `micro` of `step` (of the loss divided by gradAccum). `next`, the
   * micro-batch this replica computes after it, is read while this one computes.
   */
  async grads(step: number, micro: number, next?: MicroRef): Promise<MicroResult> {
    const { model: c, train: t } = this.init;
    const B = t.batchSize;
    const T = c.max_seq_len;
    const opts = (r: MicroRef) => ({ step: r.step * t.gradAccum + r.micro, batchSize: B, seqLen: T, seed: t.seed });
    const waitStart = performance.now();
    const ahead = this.prefetched?.key === `${step}:${micro}` ? this.prefetched.batch : undefined;
    this.prefetched = undefined;
    const batch = ahead ? await ahead : this.trainData.batch(opts({ step, micro }));
    const dataMs = performance.now() - waitStart;
    if (next) {
      const pending = this.trainData.prefetch(opts(next));
      pending.catch(() => undefined); // a read error surfaces when the batch is used
      this.prefetched = { key: `${next.step}:${next.micro}`, batch: pending };
    }
    let parts = { ce: 0, aux: 0, z: 0 };
    let loads: number[][] = [];
    const r = valueAndGrads(this.params, () => {
      const l = loss(this.params, batch.x, batch.y, B, T, c);
      parts = { ce: l.ce.dataSync()[0]!, aux: l.aux.dataSync()[0]!, z: l.z.dataSync()[0]! };
      loads = l.loads;
      return tf.div(l.total, t.gradAccum) as tf.Scalar;
    });
    const flat = new Float32Array(this.total);
    const present = new Uint8Array(this.trainable.length);
    this.trainable.forEach((p, i) => {
      const g = r.grads.get(p.name);
      if (!g) return;
      flat.set(g.dataSync() as Float32Array, p.offset);
      present[i] = 1;
    });
    const value = r.value.dataSync()[0]!;
    tf.dispose([r.value, ...r.grads.values()]);
    return { micro, flat, present, loss: value, ...parts, loads, dataMs };
  }

  /**
   * Applies the summed gradient: AdamW (clipping by its global norm), then the router bias moves
   * by `biasDelta` (auxiliary-loss-free balancing). Returns the norm before clipping.
   */
  apply(sum: Float32Array, present: Uint8Array, lr: number, biasDelta: number[][] | undefined): number {
    const grads = new Map<string, tf.Tensor>();
    this.trainable.forEach((p, i) => {
      if (present[i]) grads.set(p.name, tf.tensor(sum.subarray(p.offset, p.offset + p.size), p.shape));
    });
    const norm = adamwStep(this.params, grads, this.adam, lr, this.init.train);
    tf.dispose([...grads.values()]);
    const c = this.init.model;
    biasDelta?.forEach((delta, i) => {
      const b = this.params.get(`model.layers.${c.dense_layers + i}.mlp.gate.e_score_correction_bias`)!;
      tf.tidy(() => b.assign(tf.add(b, tf.tensor1d(delta))));
    });
    return norm;
  }

  /** Validation batches j with j mod `of` = `part` (this replica's share). */
  evalBatches(maxTokens: number, part: number, of: number): Array<[number, number, number]> {
    return this.valData
      ? evalBatches(this.params, this.init.model, this.valData, maxTokens, (j) => j % of === part)
      : [];
  }

  save(out: string, state: TrainerState): Promise<string> {
    return saveCheckpoint(out, {
      model: this.init.model,
      params: this.params,
      adam: this.adam,
      state,
      keep: this.init.train.keep,
    });
  }

  /** Live tensors (constant from step to step when nothing leaks). */
  tensors(): number {
    return tf.memory().numTensors;
  }

  close(): void {
    this.trainData.close();
    this.valData?.close();
  }
}
