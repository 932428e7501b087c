/**
 * A training run (docs/DESIGN.md §6), nanoGPT-shaped: deterministic batches by step, gradient
 * accumulation, AdamW, bias updates for auxiliary-loss-free balancing, `metrics.jsonl`, periodic
 * validation, checkpoints every N steps (the last K kept), and `--resume` from the latest one,
 * which continues the exact same run: same batches, same losses. This file checks and prepares
 * the run (shards, resume, the run folder, signals); `loop.ts` runs its steps.
 */
import { join } from 'node:path';
import { hashConfig } from '../io/config-file.js';
import { DataError, UserError } from '../core/errors.js';
import { info, warn } from '../core/log.js';
import { copyFile, ensureDir, exists, listDir, writeJsonAtomic } from '../io/files.js';
import { readShardsInfo } from '../io/megatron.js';
import { latestGoodCheckpoint, readCheckpointInfo, type TrainerState } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { checkShardIds, checkVocab } from './data.js';
import { lrAt } from './optim.js';
import type { ReplicaInit } from './replica.js';
import { loop } from './loop.js';
import { type TrainResult, type TrainRun, truncateMetrics } from './metrics.js';

export type { StepMetrics, TrainResult, TrainRun } from './metrics.js';
export { evaluate } from './replica.js';

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
  const resumed = run.resume ? await resumeFrom(run, state, shards.tokenizer_sha256) : undefined;
  if (resumed && 'history' in resumed) return resumed;
  const latest = resumed?.checkpoint;
  if (resumed) state = resumed.state;
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

/**
 * The state to resume from: the latest good checkpoint in the run folder (checked against this
 * model, the shards' tokenizer and the schedule), undefined when there is none, or the result of
 * a run that has nothing left to train.
 */
async function resumeFrom(
  run: TrainRun,
  fresh: TrainerState,
  tokenizerSha: string | undefined,
): Promise<{ state: TrainerState; checkpoint: string } | TrainResult | undefined> {
  const { model: c, train: t } = run;
  const latest = await latestGoodCheckpoint(run.out, (dir, why) =>
    warn(`train: checkpoint ${dir} is damaged (${why}); trying the one before`),
  );
  if (!latest) {
    info(`train: no usable checkpoint in ${run.out}; starting from step 0`);
    return undefined;
  }
  const ck = await readCheckpointInfo(latest);
  if (JSON.stringify(ck.model) !== JSON.stringify(c))
    throw new UserError(
      `${latest} was trained with another model config`,
      'resume with the config of that run, or train into a new --out',
    );
  checkTokenizer(ck.state, tokenizerSha, latest, run.data);
  const state = { ...fresh, ...ck.state };
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
  return { state, checkpoint: latest };
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
