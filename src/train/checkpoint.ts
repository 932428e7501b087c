/**
 * Checkpoints (docs/DESIGN.md §3): `RUN/checkpoints/step-000500/` holding `config.json`,
 * `model.safetensors` (float32, docs/DESIGN.md §5 names), `optimizer.safetensors` (AdamW moments
 * `m.<name>` / `v.<name>`) and `trainer_state.json`; written to a temporary folder and renamed,
 * the last `keep` kept.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { DataError, jsonProblem, printable, UserError } from '../core/errors.js';
import {
  commitDir,
  exists,
  freshDir,
  listDir,
  readText,
  removeTree,
  sha256File,
  writeJsonAtomic,
} from '../io/files.js';
import { readSafetensors, type Tensor, writeSafetensors } from '../io/safetensors.js';
import { type ModelConfig, parseModelConfig } from './model/config.js';
import type { Params } from './model/transformer.js';
import type { AdamState } from './optim.js';

export interface TrainerState {
  step: number;
  tokens_seen: number;
  seed: number;
  adam_step: number;
  best_val_loss: number | null;
  /** The step whose validation loss is `best_val_loss`: its checkpoint is never pruned. */
  best_val_step?: number | null;
  config_sha256: string;
  /** sha256 of the tokenizer.json the shards were made with: resume, eval and generate refuse others. */
  tokenizer_sha256?: string | null;
  /** The learning-rate schedule the run was started with (a resume with another one says so). */
  schedule?: { steps: number; lr: number; minLr: number; warmupSteps: number };
  /** Steps (1-based) whose batch is not trained on: skipped for a non-finite loss or gradient, by a rollback, or by train.skipSteps. */
  skipped_steps?: number[];
  /** Each rollback: when, to which step, why, and the learning-rate scale after it. */
  rollbacks?: Rollback[];
  /** Multiplies the schedule's learning rate (lowered by `train.spike.lrScale` at each spike rollback). */
  lr_scale?: number;
}

export interface Rollback {
  /** The step whose loss (or skips) triggered it. */
  at_step: number;
  to_step: number;
  reason: 'loss_spike' | 'non_finite';
  skipped: number[];
  lr_scale: number;
}

/** The files of a checkpoint, in the order `sha256.json` lists them. */
const FILES = ['config.json', 'model.safetensors', 'optimizer.safetensors', 'trainer_state.json'];

const f32 = (t: tf.Tensor): Tensor => ({ dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array });

export async function saveCheckpoint(
  runDir: string,
  opts: { model: ModelConfig; params: Params; adam: AdamState; state: TrainerState; keep: number },
): Promise<string> {
  const dir = join(runDir, 'checkpoints', `step-${String(opts.state.step).padStart(6, '0')}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  await freshDir(tmp);
  await writeJsonAtomic(join(tmp, 'config.json'), opts.model);
  await writeSafetensors(
    join(tmp, 'model.safetensors'),
    Object.fromEntries([...opts.params].map(([n, v]) => [n, f32(v)])),
    { format: 'pt' },
  );
  const moments: Record<string, Tensor> = {};
  for (const [n, m] of opts.adam.m) moments[`m.${n}`] = f32(m);
  for (const [n, v] of opts.adam.v) moments[`v.${n}`] = f32(v);
  await writeSafetensors(join(tmp, 'optimizer.safetensors'), moments);
  await writeJsonAtomic(join(tmp, 'trainer_state.json'), opts.state);
  // the hash of every file, so a resume can tell a damaged checkpoint from a good one
  await writeJsonAtomic(join(tmp, 'sha256.json'), Object.fromEntries(FILES.map((f) => [f, sha256File(join(tmp, f))])));
  await commitDir(tmp, dir);
  // the last `keep`, and the one with the best validation loss, whatever its age
  const best = opts.state.best_val_step != null ? stepName(opts.state.best_val_step) : undefined;
  const all = (await checkpointNames(runDir)).filter((n) => n !== best);
  for (const old of all.slice(0, Math.max(0, all.length - opts.keep)))
    await removeTree(join(runDir, 'checkpoints', old));
  return dir;
}

const stepName = (step: number): string => `step-${String(step).padStart(6, '0')}`;

async function checkpointNames(runDir: string): Promise<string[]> {
  const dir = join(runDir, 'checkpoints');
  if (!(await exists(dir))) return [];
  return (await listDir(dir)).filter((n) => /^step-\d+$/.test(n)).sort();
}

/** The newest checkpoint of a run, if any (whole or not: see `latestGoodCheckpoint`). */
export async function latestCheckpoint(runDir: string): Promise<string | undefined> {
  const all = await checkpointNames(runDir);
  return all.length ? join(runDir, 'checkpoints', all[all.length - 1]!) : undefined;
}

/** Why a checkpoint cannot be trusted (a file missing or differing from its `sha256.json`), or undefined when it is whole. */
export async function checkpointDamage(dir: string): Promise<string | undefined> {
  let sums: Record<string, string>;
  try {
    sums = JSON.parse(await readText(join(dir, 'sha256.json'))) as Record<string, string>;
  } catch {
    // written before checkpoints carried hashes: only completeness can be checked
    for (const f of ['config.json', 'model.safetensors', 'trainer_state.json'])
      if (!(await exists(join(dir, f)))) return `${f} is missing`;
    return undefined;
  }
  for (const [f, sum] of Object.entries(sums)) {
    if (!(await exists(join(dir, f)))) return `${f} is missing`;
    if (sha256File(join(dir, f)) !== sum) return `${f} differs from its sha256 in sha256.json`;
  }
  return undefined;
}

/**
 * The newest checkpoint whose files match their hashes; each damaged one passed over is reported
 * through `onDamaged` (resume then starts from the one before, as a user would by hand).
 */
export async function latestGoodCheckpoint(
  runDir: string,
  onDamaged: (dir: string, why: string) => void,
): Promise<string | undefined> {
  const all = await checkpointNames(runDir);
  for (let i = all.length - 1; i >= 0; i--) {
    const dir = join(runDir, 'checkpoints', all[i]!);
    const why = await checkpointDamage(dir);
    if (why === undefined) return dir;
    onDamaged(dir, why);
  }
  return undefined;
}

export interface LoadedCheckpoint {
  model: ModelConfig;
  tensors: Map<string, Tensor>;
  moments: Map<string, Tensor>;
  state: TrainerState;
}

// the same checkpoint reader serves --resume, eval and generate
const remedy =
  'pass a checkpoint folder written by moe train (RUN/checkpoints/step-NNNNNN); to --resume past a damaged one, move it out of checkpoints/';

/** A checkpoint's model config and trainer state, without its tensors. */
export async function readCheckpointInfo(dir: string): Promise<{ model: ModelConfig; state: TrainerState }> {
  if (!(await exists(dir))) throw new UserError(`${dir} not found`, remedy);
  for (const f of ['config.json', 'model.safetensors', 'trainer_state.json']) {
    if (!(await exists(join(dir, f))))
      throw new DataError(`${dir} is not a complete checkpoint: ${f} is missing`, remedy);
  }
  try {
    const model = parseModelConfig(JSON.parse(await readText(join(dir, 'config.json'))), join(dir, 'config.json'));
    return { model, state: JSON.parse(await readText(join(dir, 'trainer_state.json'))) as TrainerState };
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(
      `${dir}: unreadable config.json or trainer_state.json (${e instanceof SyntaxError ? jsonProblem(e) : printable((e as Error).message, 200)})`,
      remedy,
    );
  }
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const { model, state } = await readCheckpointInfo(dir);
  const tensors = readSafetensors(join(dir, 'model.safetensors'), remedy).tensors;
  const moments = (await exists(join(dir, 'optimizer.safetensors')))
    ? readSafetensors(join(dir, 'optimizer.safetensors'), remedy).tensors
    : new Map<string, Tensor>();
  return { model, tensors, moments, state };
}

/** Copies checkpoint tensors into the parameters, checking every name and shape. */
export function assignParams(params: Params, tensors: Map<string, Tensor>, where: string): void {
  for (const [name, v] of params) {
    const t = tensors.get(name);
    if (!t)
      throw new DataError(`${where}: tensor ${name} is missing`, 'the checkpoint does not match the model config');
    if (t.shape.join('x') !== v.shape.join('x'))
      throw new DataError(
        `${where}: tensor ${name} has shape [${t.shape}], the model needs [${v.shape}]`,
        'the checkpoint does not match the model config',
      );
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
  }
}
