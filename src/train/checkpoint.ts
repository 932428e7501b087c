/**
 * Checkpoints (DESIGN §3): `RUN/checkpoints/step-000500/` holding `config.json`,
 * `model.safetensors` (float32, DESIGN §5 names), `optimizer.safetensors` (AdamW moments
 * `m.<name>` / `v.<name>`) and `trainer_state.json`; written to a temporary folder and renamed,
 * the last `keep` kept.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, jsonProblem, printable, UserError } from '../core/errors.js';
import { exists, writeJsonAtomic } from '../io/files.js';
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
  config_sha256: string;
}

const f32 = (t: tf.Tensor): Tensor => ({ dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array });

export async function saveCheckpoint(runDir: string, opts: { model: ModelConfig; params: Params; adam: AdamState; state: TrainerState; keep: number }): Promise<string> {
  const dir = join(runDir, 'checkpoints', `step-${String(opts.state.step).padStart(6, '0')}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeJsonAtomic(join(tmp, 'config.json'), opts.model);
  await writeSafetensors(join(tmp, 'model.safetensors'), Object.fromEntries([...opts.params].map(([n, v]) => [n, f32(v)])), { format: 'pt' });
  const moments: Record<string, Tensor> = {};
  for (const [n, m] of opts.adam.m) moments[`m.${n}`] = f32(m);
  for (const [n, v] of opts.adam.v) moments[`v.${n}`] = f32(v);
  await writeSafetensors(join(tmp, 'optimizer.safetensors'), moments);
  await writeJsonAtomic(join(tmp, 'trainer_state.json'), opts.state);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  const all = (await readdir(join(runDir, 'checkpoints'))).filter((n) => /^step-\d+$/.test(n)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - opts.keep))) await rm(join(runDir, 'checkpoints', old), { recursive: true, force: true });
  return dir;
}

/** The newest complete checkpoint of a run, if any. */
export async function latestCheckpoint(runDir: string): Promise<string | undefined> {
  const dir = join(runDir, 'checkpoints');
  if (!(await exists(dir))) return undefined;
  const all = (await readdir(dir)).filter((n) => /^step-\d+$/.test(n)).sort();
  return all.length ? join(dir, all[all.length - 1]!) : undefined;
}

export interface LoadedCheckpoint {
  model: ModelConfig;
  tensors: Map<string, Tensor>;
  moments: Map<string, Tensor>;
  state: TrainerState;
}

// the same checkpoint reader serves --resume, eval and generate
const remedy = 'pass a checkpoint folder written by moe train (RUN/checkpoints/step-NNNNNN); to --resume past a damaged one, move it out of checkpoints/';

/** A checkpoint's model config and trainer state, without its tensors. */
export async function readCheckpointInfo(dir: string): Promise<{ model: ModelConfig; state: TrainerState }> {
  if (!(await exists(dir))) throw new UserError(`${dir} not found`, remedy);
  for (const f of ['config.json', 'model.safetensors', 'trainer_state.json']) {
    if (!(await exists(join(dir, f)))) throw new DataError(`${dir} is not a complete checkpoint: ${f} is missing`, remedy);
  }
  try {
    const model = parseModelConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')), join(dir, 'config.json'));
    return { model, state: JSON.parse(await readFile(join(dir, 'trainer_state.json'), 'utf8')) as TrainerState };
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${dir}: unreadable config.json or trainer_state.json (${e instanceof SyntaxError ? jsonProblem(e) : printable((e as Error).message, 200)})`, remedy);
  }
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const { model, state } = await readCheckpointInfo(dir);
  const tensors = readSafetensors(join(dir, 'model.safetensors'), remedy).tensors;
  const moments = (await exists(join(dir, 'optimizer.safetensors'))) ? readSafetensors(join(dir, 'optimizer.safetensors'), remedy).tensors : new Map<string, Tensor>();
  return { model, tensors, moments, state };
}

/** Copies checkpoint tensors into the parameters, checking every name and shape. */
export function assignParams(params: Params, tensors: Map<string, Tensor>, where: string): void {
  for (const [name, v] of params) {
    const t = tensors.get(name);
    if (!t) throw new DataError(`${where}: tensor ${name} is missing`, 'the checkpoint does not match the model config');
    if (t.shape.join('x') !== v.shape.join('x')) throw new DataError(`${where}: tensor ${name} has shape [${t.shape}], the model needs [${v.shape}]`, 'the checkpoint does not match the model config');
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
  }
}
