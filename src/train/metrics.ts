/**
 * What a training run is given and what it records: its options, each step's line of
 * `metrics.jsonl`, how it ended, and `metrics.jsonl` cut back to a step when steps are undone
 * (a resume or a rollback logs them again).
 */
import { exists, readText, writeFileAtomic } from '../io/files.js';
import type { BackendName } from './backend.js';
import type { TrainConfig } from './config.js';
import type { ModelConfig } from './model/config.js';

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

/** Keeps the lines of metrics.jsonl up to `step` (a resume logs the later steps again). */
export async function truncateMetrics(file: string, step: number): Promise<void> {
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
