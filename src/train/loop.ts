/**
 * The training loop (docs/DESIGN.md §6), nanoGPT-shaped: deterministic batches by step, gradient
 * accumulation, AdamW, bias updates for auxiliary-loss-free balancing, `metrics.jsonl`, periodic
 * validation, checkpoints every N steps (the last K kept), and `--resume` from the latest one,
 * which continues the exact same run: same batches, same losses.
 */
import { join } from 'node:path';
import { hashConfig } from '../io/config-file.js';
import { DataError, UserError } from '../core/errors.js';
import { info, warn } from '../core/log.js';
import {
  appendText,
  copyFile,
  ensureDir,
  exists,
  listDir,
  readText,
  writeFileAtomic,
  writeJsonAtomic,
} from '../io/files.js';
import { readShardsInfo } from '../io/megatron.js';
import type { BackendName } from './backend.js';
import { latestGoodCheckpoint, readCheckpointInfo, type Rollback, type TrainerState } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { checkShardIds, checkVocab } from './data.js';
import type { ModelConfig } from './model/config.js';
import { faults } from './faults.js';
import { lrAt } from './optim.js';
import type { ReplicaInit } from './replica.js';
import {
  accumulate,
  applyAll,
  evaluateAll,
  type Replicas,
  startReplicas,
  stopReplicas,
  WorkerFailure,
} from './replicas.js';

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
  /** `--max-restarts`: how often a crashed or hung worker is restarted from the last checkpoint. */
  maxRestarts?: number;
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
  /** Milliseconds a replica waited for its micro-batches' data this step (mean over replicas; 0 when prefetched in time). */
  data_wait_ms: number;
  expert_load: number[][];
  /** tf.memory().numTensors after the step: constant in a loop that leaks nothing. */
  tensors: number;
  val_loss?: number;
}

export { evaluate } from './replica.js';

/** How a run ended: all its steps, or a signal (SIGTERM, SIGINT) after which it saved a checkpoint. */
export interface TrainResult {
  history: StepMetrics[];
  /** The signal that stopped the run early, if one did. */
  stopped?: string;
  /** The run was already finished: nothing was trained. */
  finished?: boolean;
  /** The latest checkpoint, and the one with the best validation loss. */
  checkpoint?: string;
  best?: string;
  restarts: number;
  rollbacks: number;
}

/** The schedule a run keeps in its trainer state; a resume with another one says so. */
const scheduleOf = (t: TrainConfig): NonNullable<TrainerState['schedule']> => ({
  steps: t.steps,
  lr: t.lr,
  minLr: t.minLr,
  warmupSteps: t.warmupSteps,
});

export async function train(run: TrainRun): Promise<TrainResult> {
  const { model: c, train: t } = run;
  // a fresh run never writes into a folder that holds files: another run's checkpoints would be
  // mixed with this one's, its tokenizer replaced and its metrics appended to
  if (!run.resume && (await exists(run.out)) && (await listDir(run.out)).length > 0) {
    throw new UserError(
      `--out ${run.out} already holds files (an earlier training run?)`,
      'pass --resume to continue that run, or choose a new --out folder',
    );
  }
  const shards = readShardsInfo(run.data);
  checkVocab(shards.vocab_size, c.vocab_size, run.data);
  for (const split of ['train', 'val'] as const)
    if (shards.splits[split].tokens > 0) checkShardIds(join(run.data, shards.splits[split].prefix), c.vocab_size);
  const valPrefix = shards.splits.val.tokens > c.max_seq_len ? join(run.data, shards.splits.val.prefix) : undefined;
  const configSha = hashConfig({ model: c, train: t });
  let state: TrainerState = {
    step: 0,
    tokens_seen: 0,
    seed: t.seed,
    adam_step: 0,
    best_val_loss: null,
    best_val_step: null,
    config_sha256: configSha,
    tokenizer_sha256: shards.tokenizer_sha256 ?? null,
    schedule: scheduleOf(t),
    skipped_steps: [],
    rollbacks: [],
    lr_scale: 1,
  };
  const latest = run.resume
    ? await latestGoodCheckpoint(run.out, (dir, why) =>
        warn(`train: checkpoint ${dir} is damaged (${why}); trying the one before`),
      )
    : undefined;
  if (run.resume && !latest) info(`train: no usable checkpoint in ${run.out}; starting from step 0`);
  if (latest) {
    const ck = await readCheckpointInfo(latest);
    if (JSON.stringify(ck.model) !== JSON.stringify(c))
      throw new UserError(
        `${latest} was trained with another model config`,
        'resume with the config of that run, or train into a new --out',
      );
    checkTokenizer(ck.state, shards.tokenizer_sha256, latest, run.data);
    state = { ...state, ...ck.state };
    if (state.step >= t.steps) {
      info(
        `train: ${run.out} is finished (step ${state.step} of ${t.steps}); nothing to train (raise train.steps in the config to train further)`,
      );
      return { history: [], finished: true, checkpoint: latest, restarts: 0, rollbacks: 0 };
    }
    if (run.stopAt !== undefined && state.step >= run.stopAt) {
      info(
        `train: ${run.out} is already at step ${state.step} (--max-steps ${run.stopAt}); nothing to train (give a larger --max-steps, or leave it out to train to step ${t.steps})`,
      );
      return { history: [], finished: true, checkpoint: latest, restarts: 0, rollbacks: 0 };
    }
    const before = ck.state.schedule;
    const now = scheduleOf(t);
    if (before && JSON.stringify(before) !== JSON.stringify(now)) {
      const changed = (Object.keys(now) as Array<keyof typeof now>)
        .filter((k) => before[k] !== now[k])
        .map((k) => `${k} ${before[k]} → ${now[k]}`);
      warn(
        `train: the schedule changed since step ${state.step} (${changed.join(', ')}): the learning rate of step ${state.step + 1} is ${lrAt(state.step, t).toExponential(2)}, not ${lrAt(state.step, { ...t, ...before }).toExponential(2)}`,
      );
      state.schedule = now;
    }
  }
  await ensureDir(run.out);
  // what the run is, from its start (moe export reads it): the model, the schedule, the shards
  await writeJsonAtomic(join(run.out, 'train_config.json'), {
    model: c,
    train: t,
    config_sha256: configSha,
    data: run.data,
  });
  if (await exists(join(run.data, 'tokenizer.json')))
    await copyFile(join(run.data, 'tokenizer.json'), join(run.out, 'tokenizer.json'));
  // the metrics of the steps after the checkpoint happen again: each step is logged once
  await truncateMetrics(join(run.out, 'metrics.jsonl'), state.step);
  // micro-batches are the unit of parallel work: more workers than micro-batches would idle
  const workers = Math.max(1, Math.min(run.workers ?? 1, t.gradAccum));
  if ((run.workers ?? 1) > workers && !run.silent)
    info(
      `train: using ${workers} of ${run.workers} workers: a step has ${t.gradAccum} micro-batch(es), one per worker (set train.gradAccum to a multiple of --workers to use them all)`,
    );
  if (!run.silent)
    info(
      `train: ${workers} data-parallel replica${workers > 1 ? 's (worker threads)' : ''}, ${t.gradAccum} micro-batch(es) of ${t.batchSize} × ${c.max_seq_len} tokens per step`,
    );
  const init: ReplicaInit = {
    model: c,
    train: t,
    trainPrefix: join(run.data, shards.splits.train.prefix),
    valPrefix,
    checkpoint: latest,
  };
  if (latest) info(`train: resumed from ${latest} (step ${state.step})`);
  const signals = watchSignals();
  try {
    return await loop(run, init, workers, state, { configSha, hasVal: valPrefix !== undefined, signals });
  } finally {
    signals.stop();
  }
}

/** `--resume`, eval and generate refuse shards made with a tokenizer other than the checkpoint's. */
export function checkTokenizer(
  state: TrainerState,
  shardsSha: string | undefined,
  checkpoint: string,
  data: string,
): void {
  if (state.tokenizer_sha256 && shardsSha && state.tokenizer_sha256 !== shardsSha) {
    throw new DataError(
      `${data} was tokenized with another tokenizer (sha256 ${shardsSha.slice(0, 16)}…) than ${checkpoint} was trained with (${state.tokenizer_sha256.slice(0, 16)}…)`,
      "use shards made with the run's tokenizer (RUN/tokenizer.json), or train a new run on these",
    );
  }
}

/** Keeps the lines of metrics.jsonl up to `step` (a resume logs the later steps again). */
async function truncateMetrics(file: string, step: number): Promise<void> {
  if (!(await exists(file))) return;
  const lines = (await readText(file)).split('\n').filter(Boolean);
  const kept = lines.filter((l) => {
    try {
      return (JSON.parse(l) as { step: number }).step <= step;
    } catch {
      return false;
    }
  });
  if (kept.length !== lines.length) await writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
}

/** SIGTERM / SIGINT: the first asks the loop to stop after the current step; a second aborts at once. */
function watchSignals(): { requested: () => string | undefined; stop: () => void } {
  let requested: string | undefined;
  const on = (signal: NodeJS.Signals): void => {
    if (requested) {
      process.stderr.write(`moe: ${signal} again: aborting without a checkpoint\n`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    requested = signal;
    process.stderr.write(
      `train: ${signal}: finishing this step and writing a checkpoint (send it again to abort at once)\n`,
    );
  };
  process.on('SIGTERM', on);
  process.on('SIGINT', on);
  return {
    requested: () => requested,
    stop: () => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
    },
  };
}

/** The sum of squares of a gradient, NaN or Infinity when any element is. */
function sumSquares(g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return s;
}

interface LoopOptions {
  configSha: string;
  hasVal: boolean;
  signals: { requested: () => string | undefined };
}

async function loop(
  run: TrainRun,
  init: ReplicaInit,
  workers: number,
  start: TrainerState,
  opts: LoopOptions,
): Promise<TrainResult> {
  const { model: c, train: t } = run;
  const B = t.batchSize;
  const T = c.max_seq_len;
  const history: StepMetrics[] = [];
  const metricsFile = join(run.out, 'metrics.jsonl');
  const log = (line: object): Promise<void> => appendText(metricsFile, `${JSON.stringify(line)}\n`);
  const moeLayers = c.n_layers - c.dense_layers;
  const fault = faults();
  const spiked = new Set<number>();
  let state = start;
  let replicas: Replicas = await startReplicas(init, workers, run.backend ?? 'wasm', {
    timeoutMs: t.workerTimeout * 1000,
    killAt: fault.kill_worker_step,
    hangAt: fault.hang_worker_step,
    killMarker: fault.kill_marker,
  });
  let restarts = 0;
  let rollbacks = 0;
  let lastCheckpoint: string | undefined = init.checkpoint;
  // the skips and rollbacks decided so far: kept across rollbacks (the checkpoint's state predates them)
  const skipped = new Set<number>([...(state.skipped_steps ?? []), ...t.skipSteps]);
  const decided: Rollback[] = [...(state.rollbacks ?? [])];
  let lrScale = state.lr_scale ?? 1;
  let losses: number[] = [];
  let nonFinite = 0;

  /** Back to the last checkpoint (or the start), on fresh replicas, keeping the skips and rollbacks decided since. */
  const restartFrom = async (why: string, record?: object): Promise<void> => {
    await stopReplicas(replicas);
    const ck =
      lastCheckpoint ??
      (await latestGoodCheckpoint(run.out, (dir, w) =>
        warn(`train: checkpoint ${dir} is damaged (${w}); trying the one before`),
      ));
    const base = ck
      ? (await readCheckpointInfo(ck)).state
      : { ...start, step: 0, tokens_seen: 0, adam_step: 0, best_val_loss: null, best_val_step: null };
    state = { ...base, skipped_steps: [...skipped].sort((a, b) => a - b), rollbacks: [...decided], lr_scale: lrScale };
    // the steps after the checkpoint are undone: their lines go, the decision that undid them stays
    await truncateMetrics(metricsFile, state.step);
    history.splice(0, history.length, ...history.filter((m) => m.step <= state.step));
    if (record) await log(record);
    info(`train: ${why}; continuing from ${ck ?? 'the initial weights'} (step ${state.step})`);
    replicas = await startReplicas({ ...init, checkpoint: ck }, workers, run.backend ?? 'wasm', {
      timeoutMs: t.workerTimeout * 1000,
    });
    losses = [];
    nonFinite = 0;
  };

  /** One step: gradients, the guards, the update, validation, logging, the checkpoint. */
  const trainStep = async (step: number): Promise<void> => {
    const stepStart = Date.now();
    const lr = lrAt(step, t) * lrScale;
    const { results, present } = await accumulate(replicas, step, t.gradAccum);
    const sums = { loss: 0, ce: 0, aux: 0, z: 0 };
    const load: number[][] = Array.from({ length: moeLayers }, () => new Array<number>(c.n_routed_experts).fill(0));
    for (const r of results) {
      sums.loss += r.loss;
      sums.ce += r.ce / t.gradAccum;
      sums.aux += r.aux / t.gradAccum;
      sums.z += r.z / t.gradAccum;
      for (const [i, ld] of r.loads.entries()) for (const [e, f] of ld.entries()) load[i]![e]! += f / t.gradAccum;
    }
    if (fault.nan_steps?.includes(step + 1)) replicas.sum[0] = Number.NaN;
    if (fault.spike_steps?.includes(step + 1) && !spiked.has(step + 1)) {
      spiked.add(step + 1);
      sums.loss *= 100;
    }
    // the non-finite guard (Megatron's --check-for-nan-in-loss-and-grad): no update from this batch
    const norm = Math.sqrt(sumSquares(replicas.sum));
    if (!Number.isFinite(sums.loss) || !Number.isFinite(norm)) {
      nonFinite += 1;
      skipped.add(step + 1);
      const batches = Array.from({ length: t.gradAccum }, (_, m) => step * t.gradAccum + m);
      await log({
        step: step + 1,
        skipped: 'non_finite',
        loss: Number.isFinite(sums.loss) ? sums.loss : String(sums.loss),
        grad_norm: Number.isFinite(norm) ? norm : String(norm),
        batches,
      });
      warn(
        `train: step ${step + 1}: ${Number.isFinite(sums.loss) ? 'gradient norm' : 'loss'} is not finite; the step is skipped (batches ${batches.join(', ')})`,
      );
      state.step = step + 1;
      if (nonFinite >= t.maxNonFiniteSkips) {
        const from = lastCheckpointStep(lastCheckpoint);
        const r: Rollback = {
          at_step: step + 1,
          to_step: from,
          reason: 'non_finite',
          skipped: [...skipped].filter((s) => s > from && s <= step + 1).sort((a, b) => a - b),
          lr_scale: lrScale,
        };
        decided.push(r);
        rollbacks += 1;
        await restartFrom(`${nonFinite} non-finite steps in a row`, { step: step + 1, rollback: r });
      }
      return;
    }
    nonFinite = 0;
    // loss-spike rollback (PaLM, OPT): back to the last checkpoint, skipping the batches up to the spike
    const window = losses.slice(-t.spike.window);
    const mean = window.reduce((a, b) => a + b, 0) / Math.max(1, window.length);
    if (t.spike.factor > 0 && window.length === t.spike.window && sums.loss > t.spike.factor * mean) {
      const from = lastCheckpointStep(lastCheckpoint);
      for (let s = from + 1; s <= step + 1; s++) skipped.add(s);
      lrScale *= t.spike.lrScale;
      const r: Rollback = {
        at_step: step + 1,
        to_step: from,
        reason: 'loss_spike',
        skipped: Array.from({ length: step - from + 1 }, (_, i) => from + 1 + i),
        lr_scale: lrScale,
      };
      decided.push(r);
      rollbacks += 1;
      warn(
        `train: step ${step + 1}: loss ${sums.loss.toFixed(4)} is over ${t.spike.factor} × the mean ${mean.toFixed(4)} of the last ${t.spike.window} steps: rolling back to step ${from} and skipping steps ${from + 1}–${step + 1}`,
      );
      await restartFrom(`loss spike at step ${step + 1}`, {
        step: step + 1,
        rollback: { ...r, loss: sums.loss, mean },
      });
      return;
    }
    losses.push(sums.loss);
    if (losses.length > t.spike.window) losses.shift();
    // auxiliary-loss-free balancing: the bias moves against each expert's excess load
    const uniform = 1 / c.n_routed_experts;
    const biasDelta =
      c.bias_update_rate > 0 ? load.map((l) => l.map((f) => c.bias_update_rate * Math.sign(uniform - f))) : undefined;
    const gradNorm = await applyAll(replicas, present, lr, biasDelta);
    state.step = step + 1;
    state.tokens_seen += B * T * t.gradAccum;
    state.adam_step = replicas.main.adam.step;
    trainMs += Date.now() - stepStart;
    const dataWait = results.reduce((s, r) => s + r.dataMs, 0) / replicas.clients.length;
    const m: StepMetrics = {
      step: step + 1,
      ...sums,
      lr,
      grad_norm: gradNorm,
      tokens_per_s: 0,
      data_wait_ms: Math.round(dataWait * 1000) / 1000,
      expert_load: load.map((l) => l.map((x) => Math.round(x * 1e4) / 1e4)),
      tensors: replicas.main.tensors(),
    };
    if (opts.hasVal && (state.step % t.evalEvery === 0 || state.step === t.steps)) {
      m.val_loss = (await evaluateAll(replicas, t.evalTokens)).loss;
      if (state.best_val_loss === null || m.val_loss < state.best_val_loss) {
        state.best_val_loss = m.val_loss;
        state.best_val_step = state.step;
      }
    }
    const stopping = opts.signals.requested() !== undefined;
    if (state.step % t.logEvery === 0 || state.step === last || m.val_loss !== undefined || stopping) {
      m.tokens_per_s = Math.round((B * T * t.gradAccum * (state.step - loggedStep)) / Math.max(trainMs / 1000, 1e-3));
      trainMs = 0;
      loggedStep = state.step;
      await log(m);
      if (m.val_loss !== undefined) lastVal = { loss: m.val_loss, step: m.step };
      if (!run.silent) {
        // progress a person can follow: where the run is, how fast, how long still to go
        const elapsed = (Date.now() - runStart) / 1000;
        const eta = (elapsed / Math.max(1, state.step - firstStep)) * (last - state.step);
        const val = lastVal
          ? `  val ${lastVal.loss.toFixed(4)}${lastVal.step === m.step ? '' : ` (step ${lastVal.step})`}`
          : '';
        info(
          `train: step ${m.step}/${t.steps}  loss ${m.loss.toFixed(4)} (ce ${m.ce.toFixed(4)})${val}  lr ${lr.toExponential(2)}  grad ${gradNorm.toFixed(3)}  ${m.tokens_per_s} tok/s  elapsed ${clock(elapsed)}  ETA ${clock(eta)}`,
        );
      }
    }
    history.push(m);
    if (state.step % t.checkpointEvery === 0 || state.step === last || stopping) {
      state.skipped_steps = [...skipped].sort((a, b) => a - b);
      state.rollbacks = [...decided];
      state.lr_scale = lrScale;
      lastCheckpoint = await replicas.main.save(run.out, state);
    }
  };

  // throughput counts the steps since the last log line and only their training time, not evaluation
  let trainMs = 0;
  const runStart = Date.now();
  const firstStep = state.step;
  let lastVal: { loss: number; step: number } | undefined;
  let loggedStep = state.step;
  const last = Math.min(t.steps, run.stopAt ?? t.steps);
  try {
    while (state.step < last) {
      const step = state.step;
      if (opts.signals.requested()) break;
      if (skipped.has(step + 1)) {
        state.step = step + 1;
        continue;
      }
      try {
        await trainStep(step);
      } catch (e) {
        // a worker died or hung (in its gradients, its update or the evaluation): every replica restarts from the last checkpoint
        if (!(e instanceof WorkerFailure)) throw e;
        if (restarts >= (run.maxRestarts ?? 0))
          throw new DataError(
            `training ${e.message} at step ${step + 1}`,
            run.maxRestarts
              ? `it failed ${restarts + 1} times; the run stops after --max-restarts ${run.maxRestarts}`
              : 'pass --max-restarts N to restart it from the last checkpoint, or --resume the run',
          );
        restarts += 1;
        await restartFrom(`${e.message} at step ${step + 1}; restart ${restarts} of ${run.maxRestarts}`);
      }
    }
    const stopped = opts.signals.requested();
    if (stopped && lastCheckpointStep(lastCheckpoint) !== state.step) {
      // stopped on a skipped step: its checkpoint is still to write
      state.skipped_steps = [...skipped].sort((a, b) => a - b);
      state.rollbacks = [...decided];
      state.lr_scale = lrScale;
      lastCheckpoint = await replicas.main.save(run.out, state);
    }
    await writeJsonAtomic(join(run.out, 'train_config.json'), {
      model: c,
      train: t,
      config_sha256: opts.configSha,
      data: run.data,
    });
    const best =
      state.best_val_step != null
        ? join(run.out, 'checkpoints', `step-${String(state.best_val_step).padStart(6, '0')}`)
        : undefined;
    return {
      history,
      ...(stopped ? { stopped } : {}),
      checkpoint: lastCheckpoint,
      ...(best && (await exists(best)) ? { best } : {}),
      restarts,
      rollbacks,
    };
  } finally {
    await stopReplicas(replicas);
  }
}

/** Seconds as m:ss, or h:mm:ss from an hour. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** The step of a checkpoint folder (`…/step-000100` → 100), 0 for none. */
function lastCheckpointStep(dir: string | undefined): number {
  const m = dir ? /step-(\d+)$/.exec(dir) : null;
  return m ? Number(m[1]) : 0;
}
