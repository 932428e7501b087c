/**
 * The training config file: `model` (docs/DESIGN.md §5's config.json fields, snake_case) and `train`
 * (camelCase, as every other config section).
 */
import { z } from 'zod';
import { readYaml, validate } from '../io/config-file.js';
import { type ModelConfig, parseModelConfig } from './model/config.js';

export const TrainSchema = z.strictObject({
  seed: z.number().int().min(0).default(1),
  batchSize: z.number().int().min(1).default(8),
  gradAccum: z.number().int().min(1).default(1),
  steps: z.number().int().min(1),
  lr: z.number().positive().default(3e-3),
  minLr: z.number().min(0).default(3e-4),
  warmupSteps: z.number().int().min(0).default(20),
  weightDecay: z.number().min(0).default(0.1),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.95),
  eps: z.number().positive().default(1e-8),
  clip: z.number().min(0).default(1),
  logEvery: z.number().int().min(1).default(10),
  evalEvery: z.number().int().min(1).default(100),
  evalTokens: z.number().int().min(1).default(65536),
  checkpointEvery: z.number().int().min(1).default(100),
  keep: z.number().int().min(1).default(3),
  /** Steps (1-based, as logged) whose batch is not trained on, as the non-finite guard and a rollback skip them. */
  skipSteps: z.array(z.number().int().min(1)).default([]),
  /** Consecutive steps skipped for a non-finite loss or gradient norm before the run rolls back to its last checkpoint. */
  maxNonFiniteSkips: z.number().int().min(1).default(5),
  /**
   * Loss-spike rollback (off while `factor` is 0): a step whose loss exceeds `factor` × the mean of
   * the previous `window` losses rolls the run back to its last checkpoint, skips the batches from
   * there to the spike, and multiplies the learning rate by `lrScale`.
   */
  spike: z
    .strictObject({
      factor: z.number().min(0).default(0),
      window: z.number().int().min(1).default(20),
      lrScale: z.number().gt(0).max(1).default(1),
    })
    .prefault({}),
  /** Seconds a worker may take to answer before it is taken for hung (then restarted under --max-restarts). */
  workerTimeout: z.number().positive().default(600),
});

export type TrainConfig = z.infer<typeof TrainSchema>;

const FileSchema = z.strictObject({ model: z.record(z.string(), z.unknown()), train: TrainSchema });

export async function loadTrainConfig(file: string): Promise<{ model: ModelConfig; train: TrainConfig }> {
  const raw = validate(FileSchema, await readYaml(file), file);
  return { model: parseModelConfig(raw.model, file), train: raw.train };
}
