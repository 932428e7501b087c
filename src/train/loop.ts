/**
 * The training loop (DESIGN §6), nanoGPT-shaped: deterministic batches by step, gradient
 * accumulation, AdamW, bias updates for auxiliary-loss-free balancing, `metrics.jsonl`, periodic
 * validation, checkpoints every N steps (the last K kept), and `--resume` from the latest one,
 * which continues the exact same run: same batches, same losses.
 */
import * as tf from '@tensorflow/tfjs';
import { appendFile, copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { info } from '../core/log.js';
import { exists, writeJsonAtomic } from '../io/files.js';
import { assignParams, latestCheckpoint, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { checkVocab, ShardLoader } from './data.js';
import type { ModelConfig } from './model/config.js';
import { crossEntropy, forward, initParams, loss, type Params, valueAndGrads } from './model/transformer.js';
import { adamwStep, lrAt, newAdamState } from './optim.js';

export interface TrainRun {
  model: ModelConfig;
  train: TrainConfig;
  data: string;
  out: string;
  resume: boolean;
  /** Stop (with a checkpoint) after this step, as if interrupted; the schedule stays that of `train.steps`. */
  stopAt?: number;
  silent?: boolean;
}

export interface StepMetrics {
  step: number;
  loss: number;
  ce: number;
  aux: number;
  z: number;
  lr: number;
  grad_norm: number;
  tokens_per_s: number;
  expert_load: number[][];
  /** tf.memory().numTensors after the step: constant in a loop that leaks nothing. */
  tensors: number;
  val_loss?: number;
}

/** Mean cross-entropy over consecutive validation windows (DESIGN §5 `moe eval`). */
export function evaluate(params: Params, c: ModelConfig, loader: ShardLoader, maxTokens: number): { loss: number; tokens: number } {
  let sum = 0;
  let n = 0;
  for (const w of loader.evalWindows(c.max_seq_len, maxTokens)) {
    sum += tf.tidy(() => crossEntropy(forward(params, w.x, 1, c.max_seq_len, c).logits, w.y).dataSync()[0]!) * w.y.length;
    n += w.y.length;
  }
  return { loss: n ? sum / n : Number.NaN, tokens: n };
}

export async function train(run: TrainRun): Promise<StepMetrics[]> {
  const { model: c, train: t } = run;
  let shards: { vocab_size: number; splits: { train: { prefix: string; tokens: number }; val: { prefix: string; tokens: number } } };
  try {
    shards = JSON.parse(await readFile(join(run.data, 'shards.json'), 'utf8'));
  } catch {
    throw new UserError(`${run.data} has no shards.json`, 'pass a folder written by moe tokenize (e.g. runs/demo/shards)');
  }
  checkVocab(shards.vocab_size, c.vocab_size, run.data);
  const trainData = new ShardLoader(join(run.data, shards.splits.train.prefix));
  const valData = shards.splits.val.tokens > c.max_seq_len ? new ShardLoader(join(run.data, shards.splits.val.prefix)) : undefined;
  await mkdir(run.out, { recursive: true });
  if (await exists(join(run.data, 'tokenizer.json'))) await copyFile(join(run.data, 'tokenizer.json'), join(run.out, 'tokenizer.json'));
  const configSha = hashConfig({ model: c, train: t });
  const params = initParams(c, t.seed);
  const adam = newAdamState();
  let state: TrainerState = { step: 0, tokens_seen: 0, seed: t.seed, adam_step: 0, best_val_loss: null, config_sha256: configSha };
  const latest = run.resume ? await latestCheckpoint(run.out) : undefined;
  if (run.resume && !latest) info(`train: no checkpoint in ${run.out}; starting from step 0`);
  if (latest) {
    const ck = await loadCheckpoint(latest);
    if (JSON.stringify(ck.model) !== JSON.stringify(c)) throw new UserError(`${latest} was trained with another model config`, 'resume with the config of that run, or train into a new --out');
    assignParams(params, ck.tensors, latest);
    for (const [name, m] of ck.moments) (name.startsWith('m.') ? adam.m : adam.v).set(name.slice(2), tf.tensor(m.data, m.shape));
    adam.step = ck.state.adam_step;
    state = ck.state;
    info(`train: resumed from ${latest} (step ${state.step})`);
  }
  const B = t.batchSize;
  const T = c.max_seq_len;
  const history: StepMetrics[] = [];
  const metricsFile = join(run.out, 'metrics.jsonl');
  const moeLayers = c.n_layers - c.dense_layers;
  // throughput counts the steps since the last log line and only their training time, not evaluation
  let trainMs = 0;
  let loggedStep = state.step;
  const last = Math.min(t.steps, run.stopAt ?? t.steps);
  for (let step = state.step; step < last; step++) {
    const stepStart = Date.now();
    const lr = lrAt(step, t);
    const sums = { loss: 0, ce: 0, aux: 0, z: 0 };
    const load: number[][] = Array.from({ length: moeLayers }, () => new Array<number>(c.n_routed_experts).fill(0));
    let grads: Map<string, tf.Tensor> | undefined;
    for (let micro = 0; micro < t.gradAccum; micro++) {
      const batch = trainData.batch({ step: step * t.gradAccum + micro, batchSize: B, seqLen: T, seed: t.seed });
      let parts: { ce: number; aux: number; z: number } = { ce: 0, aux: 0, z: 0 };
      const r = valueAndGrads(params, () => {
        const l = loss(params, batch.x, batch.y, B, T, c);
        parts = { ce: l.ce.dataSync()[0]!, aux: l.aux.dataSync()[0]!, z: l.z.dataSync()[0]! };
        l.loads.forEach((ld, i) => ld.forEach((f, e) => (load[i]![e]! += f / t.gradAccum)));
        return tf.div(l.total, t.gradAccum) as tf.Scalar;
      });
      sums.loss += r.value.dataSync()[0]!;
      r.value.dispose();
      sums.ce += parts.ce / t.gradAccum;
      sums.aux += parts.aux / t.gradAccum;
      sums.z += parts.z / t.gradAccum;
      if (!grads) grads = r.grads;
      else {
        for (const [n, g] of r.grads) {
          const acc = tf.add(grads.get(n)!, g);
          grads.get(n)!.dispose();
          g.dispose();
          grads.set(n, acc);
        }
      }
    }
    const gradNorm = adamwStep(params, grads!, adam, lr, t);
    tf.dispose([...grads!.values()]);
    // auxiliary-loss-free balancing: the bias moves against each expert's excess load
    if (c.bias_update_rate > 0) {
      for (let i = 0; i < moeLayers; i++) {
        const b = params.get(`model.layers.${c.dense_layers + i}.mlp.gate.e_score_correction_bias`)!;
        const mean = 1 / c.n_routed_experts;
        const delta = tf.tensor1d(load[i]!.map((f) => c.bias_update_rate * Math.sign(mean - f)));
        b.assign(tf.add(b, delta));
        delta.dispose();
      }
    }
    state.step = step + 1;
    state.tokens_seen += B * T * t.gradAccum;
    state.adam_step = adam.step;
    trainMs += Date.now() - stepStart;
    const m: StepMetrics = { step: step + 1, ...sums, lr, grad_norm: gradNorm, tokens_per_s: 0, expert_load: load.map((l) => l.map((x) => Math.round(x * 1e4) / 1e4)), tensors: tf.memory().numTensors };
    if (valData && (state.step % t.evalEvery === 0 || state.step === t.steps)) {
      m.val_loss = evaluate(params, c, valData, t.evalTokens).loss;
      if (state.best_val_loss === null || m.val_loss < state.best_val_loss) state.best_val_loss = m.val_loss;
    }
    if (state.step % t.logEvery === 0 || state.step === last || m.val_loss !== undefined) {
      m.tokens_per_s = Math.round((B * T * t.gradAccum * (state.step - loggedStep)) / Math.max(trainMs / 1000, 1e-3));
      trainMs = 0;
      loggedStep = state.step;
      await appendFile(metricsFile, `${JSON.stringify(m)}\n`);
      if (!run.silent) info(`train: step ${m.step}/${t.steps} loss ${m.loss.toFixed(4)} (ce ${m.ce.toFixed(4)}) lr ${lr.toExponential(2)} grad ${gradNorm.toFixed(3)}${m.val_loss !== undefined ? ` val ${m.val_loss.toFixed(4)}` : ''}`);
    }
    history.push(m);
    if (state.step % t.checkpointEvery === 0 || state.step === last) await saveCheckpoint(run.out, { model: c, params, adam, state, keep: t.keep });
  }
  await writeJsonAtomic(join(run.out, 'train_config.json'), { model: c, train: t, config_sha256: configSha });
  trainData.close();
  valData?.close();
  return history;
}
