import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkpointDamage,
  latestGoodCheckpoint,
  saveCheckpoint,
  type TrainerState,
} from '../../../src/train/checkpoint.js';
import { parseModelConfig } from '../../../src/train/model/config.js';
import { initParams } from '../../../src/train/model/transformer.js';
import { newAdamState } from '../../../src/train/optim.js';
import { tmpDir } from '../../helpers.js';

const model = parseModelConfig(
  {
    vocab_size: 12,
    d_model: 8,
    n_layers: 2,
    n_heads: 2,
    max_seq_len: 4,
    dense_layers: 1,
    d_ff: 12,
    n_routed_experts: 4,
    n_shared_experts: 1,
    top_k: 2,
    d_expert: 6,
  },
  'tiny',
);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const state = (step: number, best: number | null): TrainerState => ({
  step,
  tokens_seen: 0,
  seed: 1,
  adam_step: step,
  best_val_loss: best === null ? null : 1,
  best_val_step: best,
  config_sha256: 'x',
});

describe('checkpoints', () => {
  it('keep: K prunes the oldest but never the one with the best validation loss', async () => {
    const run = tmpDir();
    const params = initParams(model, 1);
    for (const [step, best] of [
      [1, 1],
      [2, 2],
      [3, 2],
      [4, 2],
      [5, 2],
    ] as const)
      await saveCheckpoint(run, { model, params, adam: newAdamState(), state: state(step, best), keep: 2 });
    expect(readdirSync(join(run, 'checkpoints'))).toEqual(['step-000002', 'step-000004', 'step-000005']);
  });

  it('each checkpoint records the sha256 of its files; a changed byte or a missing file is found, and the newest whole one is picked', async () => {
    const run = tmpDir();
    const params = initParams(model, 1);
    for (const step of [1, 2, 3])
      await saveCheckpoint(run, { model, params, adam: newAdamState(), state: state(step, null), keep: 3 });
    const dir = (s: number): string => join(run, 'checkpoints', `step-00000${s}`);
    expect(Object.keys(JSON.parse(readFileSync(join(dir(3), 'sha256.json'), 'utf8')))).toEqual([
      'config.json',
      'model.safetensors',
      'optimizer.safetensors',
      'trainer_state.json',
    ]);
    expect(await checkpointDamage(dir(3))).toBeUndefined();
    const st = readFileSync(join(dir(3), 'trainer_state.json'), 'utf8');
    writeFileSync(join(dir(3), 'trainer_state.json'), JSON.stringify({ ...JSON.parse(st), step: 9 }));
    writeFileSync(join(dir(2), 'optimizer.safetensors'), '');
    expect(await checkpointDamage(dir(3))).toBe('trainer_state.json differs from its sha256 in sha256.json');
    const damaged: string[] = [];
    expect(await latestGoodCheckpoint(run, (d, why) => damaged.push(`${d}: ${why}`))).toBe(dir(1));
    expect(damaged).toEqual([
      `${dir(3)}: trainer_state.json differs from its sha256 in sha256.json`,
      `${dir(2)}: optimizer.safetensors differs from its sha256 in sha256.json`,
    ]);
  });
});
