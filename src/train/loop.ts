/**
 * The training loop (DESIGN §6), nanoGPT-shaped: deterministic batches by step, gradient
 * accumulation, AdamW, bias updates for auxiliary-loss-free balancing, `metrics.jsonl`, periodic
 * validation, checkpoints every N steps (the last K kept), and `--resume` from the latest one,
 * which continues the exact same run: same batches, same losses.
 */
import { appendFile, copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hashConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { info } from '../core/log.js';
import { exists, writeJsonAtomic } from '../io/files.js';
import { readShardsInfo } from '../io/megatron.js';
import type { BackendName } from './backend.js';
import { latestCheckpoint, readCheckpointInfo, type TrainerState } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { checkShardIds, checkVocab } from './data.js';
import type { ModelConfig } from './model/config.js';
import { lrAt } from './optim.js';
import { accumulate, applyAll, evaluateAll, type Replicas, startReplicas, stopReplicas } from './replicas.js';

export interface TrainRun {
  model: ModelConfig;
  train: TrainConfig;
  data: string;
  out: string;
  resume: boolean;
  /** Stop (with a checkpoint) after this step, as if interrupted; the schedule stays that of `train.steps`. */
  stopAt?: number;
  /** Data-parallel replicas (threads); at most `train.gradAccum` are used. Default 1. */
  workers?: number;
  /** The backend each worker thread selects (the main thread's is selected by the caller). */
  backend?: BackendName;
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

export { evaluate } from './replica.js';

export async function train(run: TrainRun): Promise<StepMetrics[]> {
  const { model: c, train: t } = run;
  // a fresh run never writes into a folder that holds files: another run's checkpoints would be
  // mixed with this one's, its tokenizer replaced and its metrics appended to
  if (!run.resume && (await exists(run.out)) && (await readdir(run.out)).length > 0) {
    throw new UserError(`--out ${run.out} already holds files (an earlier training run?)`, 'pass --resume to continue that run, or choose a new --out folder');
  }
  const shards = readShardsInfo(run.data);
  checkVocab(shards.vocab_size, c.vocab_size, run.data);
  for (const split of ['train', 'val'] as const) if (shards.splits[split].tokens > 0) checkShardIds(join(run.data, shards.splits[split].prefix), c.vocab_size);
  const valPrefix = shards.splits.val.tokens > c.max_seq_len ? join(run.data, shards.splits.val.prefix) : undefined;
  await mkdir(run.out, { recursive: true });
  if (await exists(join(run.data, 'tokenizer.json'))) await copyFile(join(run.data, 'tokenizer.json'), join(run.out, 'tokenizer.json'));
  const configSha = hashConfig({ model: c, train: t });
  let state: TrainerState = { step: 0, tokens_seen: 0, seed: t.seed, adam_step: 0, best_val_loss: null, config_sha256: configSha };
  const latest = run.resume ? await latestCheckpoint(run.out) : undefined;
  if (run.resume && !latest) info(`train: no checkpoint in ${run.out}; starting from step 0`);
  if (latest) {
    const ck = await readCheckpointInfo(latest);
    if (JSON.stringify(ck.model) !== JSON.stringify(c)) throw new UserError(`${latest} was trained with another model config`, 'resume with the config of that run, or train into a new --out');
    state = ck.state;
  }
  // micro-batches are the unit of parallel work: more workers than micro-batches would idle
  const workers = Math.max(1, Math.min(run.workers ?? 1, t.gradAccum));
  if ((run.workers ?? 1) > workers && !run.silent) info(`train: using ${workers} of ${run.workers} workers: a step has ${t.gradAccum} micro-batch(es), one per worker (set train.gradAccum to a multiple of --workers to use them all)`);
  if (!run.silent) info(`train: ${workers} data-parallel replica${workers > 1 ? 's (worker threads)' : ''}, ${t.gradAccum} micro-batch(es) of ${t.batchSize} × ${c.max_seq_len} tokens per step`);
  const replicas = await startReplicas({ model: c, train: t, trainPrefix: join(run.data, shards.splits.train.prefix), valPrefix, checkpoint: latest }, workers, run.backend ?? 'wasm');
  if (latest) info(`train: resumed from ${latest} (step ${state.step})`);
  try {
    return await loop(run, replicas, state, { configSha, hasVal: valPrefix !== undefined });
  } finally {
    await stopReplicas(replicas);
  }
}

async function loop(run: TrainRun, replicas: Replicas, state: TrainerState, opts: { configSha: string; hasVal: boolean }): Promise<StepMetrics[]> {
  const { model: c, train: t } = run;
  const main = replicas.main;
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
    const { results, present } = await accumulate(replicas, step, t.gradAccum);
    const sums = { loss: 0, ce: 0, aux: 0, z: 0 };
    const load: number[][] = Array.from({ length: moeLayers }, () => new Array<number>(c.n_routed_experts).fill(0));
    for (const r of results) {
      sums.loss += r.loss;
      sums.ce += r.ce / t.gradAccum;
      sums.aux += r.aux / t.gradAccum;
      sums.z += r.z / t.gradAccum;
      r.loads.forEach((ld, i) => ld.forEach((f, e) => (load[i]![e]! += f / t.gradAccum)));
    }
    // auxiliary-loss-free balancing: the bias moves against each expert's excess load
    const mean = 1 / c.n_routed_experts;
    const biasDelta = c.bias_update_rate > 0 ? load.map((l) => l.map((f) => c.bias_update_rate * Math.sign(mean - f))) : undefined;
    const gradNorm = await applyAll(replicas, present, lr, biasDelta);
    state.step = step + 1;
    state.tokens_seen += B * T * t.gradAccum;
    state.adam_step = main.adam.step;
    trainMs += Date.now() - stepStart;
    const m: StepMetrics = { step: step + 1, ...sums, lr, grad_norm: gradNorm, tokens_per_s: 0, expert_load: load.map((l) => l.map((x) => Math.round(x * 1e4) / 1e4)), tensors: main.tensors() };
    if (opts.hasVal && (state.step % t.evalEvery === 0 || state.step === t.steps)) {
      m.val_loss = (await evaluateAll(replicas, t.evalTokens)).loss;
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
    if (state.step % t.checkpointEvery === 0 || state.step === last) await main.save(run.out, state);
  }
  await writeJsonAtomic(join(run.out, 'train_config.json'), { model: c, train: t, config_sha256: opts.configSha });
  return history;
}
