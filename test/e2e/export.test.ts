/**
 * `moe export megatron`: the Megatron-LM command line of a training run. Megatron-LM is not
 * installed here (it needs CUDA), so the command is checked against the argument names it
 * documents, kept below: every flag the script uses must be one of them, with a value where
 * Megatron's parser takes one, and the values must be the run's.
 * `moe export hf`: the independent PyTorch implementation (test/torch_moe.py) loads the exported
 * folder and gives the loss of `moe eval` and the same greedy continuation.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moe, paragraphShards, ROOT, tmpDir } from '../helpers.js';

/**
 * The Megatron-LM arguments moe relies on, as defined at NVIDIA/Megatron-LM commit d98e8a64
 * (megatron/training/arguments.py, and the TransformerConfig, TrainingConfig, SchedulerConfig,
 * TokenizerConfig, CheckpointConfig, ValidationConfig, RNGConfig and LoggerConfig fields it
 * turns into flags; the MoE ones are those of megatron/core/transformer/moe/README.md).
 * `true`: a switch; otherwise the flag takes one value.
 */
const MEGATRON_ARGS: Record<string, boolean> = {
  '--num-layers': false,
  '--hidden-size': false,
  '--num-attention-heads': false,
  '--seq-length': false,
  '--max-position-embeddings': false,
  '--ffn-hidden-size': false,
  '--normalization': false,
  '--norm-epsilon': false,
  '--swiglu': true,
  '--position-embedding-type': false,
  '--rotary-base': false,
  '--disable-bias-linear': true,
  '--attention-dropout': false,
  '--hidden-dropout': false,
  '--untie-embeddings-and-output-weights': true,
  '--num-experts': false,
  '--moe-layer-freq': false,
  '--moe-ffn-hidden-size': false,
  '--moe-router-topk': false,
  '--moe-router-score-function': false,
  '--moe-router-load-balancing-type': false,
  '--moe-shared-expert-intermediate-size': false,
  '--moe-aux-loss-coeff': false,
  '--moe-z-loss-coeff': false,
  '--moe-router-enable-expert-bias': true,
  '--moe-router-bias-update-rate': false,
  '--moe-router-topk-scaling-factor': false,
  '--moe-router-pre-softmax': true,
  '--moe-token-dispatcher-type': false,
  '--train-data-path': false,
  '--valid-data-path': false,
  '--tokenizer-type': false,
  '--tokenizer-model': false,
  '--make-vocab-size-divisible-by': false,
  '--micro-batch-size': false,
  '--global-batch-size': false,
  '--train-iters': false,
  '--lr': false,
  '--min-lr': false,
  '--lr-decay-style': false,
  '--lr-warmup-iters': false,
  '--lr-decay-iters': false,
  '--weight-decay': false,
  '--adam-beta1': false,
  '--adam-beta2': false,
  '--adam-eps': false,
  '--clip-grad': false,
  '--seed': false,
  '--eval-interval': false,
  '--eval-iters': false,
  '--save-interval': false,
  '--save': false,
  '--load': false,
  '--log-interval': false,
};

/** The flags of the script's command, with their values (true for a switch). */
function parseScript(script: string): Map<string, string | true> {
  const command = script
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const tokens = command
    .slice(command.indexOf('pretrain_gpt.py') + 'pretrain_gpt.py'.length)
    .trim()
    .split(/\s+/);
  const out = new Map<string, string | true>();
  for (let i = 0; i < tokens.length; i++) {
    const flag = tokens[i]!;
    expect(flag.startsWith('--'), `not a flag: ${flag}`).toBe(true);
    expect(Object.hasOwn(MEGATRON_ARGS, flag), `${flag} is not a Megatron-LM argument`).toBe(true);
    if (MEGATRON_ARGS[flag]) out.set(flag, true);
    else {
      const value = tokens[++i];
      expect(value !== undefined && !value.startsWith('--'), `${flag} needs a value`).toBe(true);
      out.set(flag, value!.replace(/^'(.*)'$/, '$1'));
    }
  }
  return out;
}

describe('moe export megatron', () => {
  it("prints and writes the Megatron-LM command line of a run: its model, MoE router, shards and schedule, in Megatron's argument names", () => {
    const dir = tmpDir();
    paragraphShards(dir, 300);
    const cfg = join(dir, 'c.yaml');
    writeFileSync(
      cfg,
      'model: { vocab_size: 300, d_model: 16, n_layers: 3, n_heads: 2, max_seq_len: 16, dense_layers: 1, d_ff: 32, n_routed_experts: 4, n_shared_experts: 1, top_k: 2, d_expert: 8, router: sigmoid, route_scale: 2.5, bias_update_rate: 0.001 }\ntrain: { steps: 2, batchSize: 2, gradAccum: 3, lr: 0.002, minLr: 0.0002, warmupSteps: 1, evalEvery: 2, evalTokens: 204, checkpointEvery: 2 }\n',
    );
    const run = join(dir, 'run');
    expect(
      moe([
        'train',
        '--config',
        cfg,
        '--data',
        join(dir, 'shards'),
        '--out',
        run,
        '--quiet',
        '--backend',
        'wasm',
        '--workers',
        '1',
      ]).code,
    ).toBe(0);
    const r = moe(['export', 'megatron', '--run', run]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(run, 'megatron.sh'), 'utf8')).toBe(r.stdout);
    expect(r.stdout.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    const args = parseScript(r.stdout);
    expect(Object.fromEntries(args)).toEqual({
      '--num-layers': '3',
      '--hidden-size': '16',
      '--num-attention-heads': '2',
      '--seq-length': '16',
      '--max-position-embeddings': '16',
      '--ffn-hidden-size': '32',
      '--normalization': 'RMSNorm',
      '--norm-epsilon': '0.000001',
      '--swiglu': true,
      '--position-embedding-type': 'rope',
      '--rotary-base': '10000',
      '--disable-bias-linear': true,
      '--attention-dropout': '0',
      '--hidden-dropout': '0',
      '--untie-embeddings-and-output-weights': true,
      '--num-experts': '4',
      '--moe-layer-freq': '([0]*1+[1]*2)',
      '--moe-ffn-hidden-size': '8',
      '--moe-router-topk': '2',
      '--moe-router-score-function': 'sigmoid',
      '--moe-router-load-balancing-type': 'aux_loss',
      '--moe-shared-expert-intermediate-size': '8',
      '--moe-aux-loss-coeff': '0.01',
      '--moe-z-loss-coeff': '0.001',
      '--moe-router-enable-expert-bias': true,
      '--moe-router-bias-update-rate': '0.001',
      '--moe-router-topk-scaling-factor': '2.5',
      '--moe-token-dispatcher-type': 'alltoall',
      '--train-data-path': join(dir, 'shards/train_text_document'),
      '--valid-data-path': join(dir, 'shards/val_text_document'),
      '--tokenizer-type': 'HuggingFaceTokenizer',
      '--tokenizer-model': run,
      '--make-vocab-size-divisible-by': '1',
      '--micro-batch-size': '2',
      '--global-batch-size': '6',
      '--train-iters': '2',
      '--lr': '0.002',
      '--min-lr': '0.0002',
      '--lr-decay-style': 'cosine',
      '--lr-warmup-iters': '1',
      '--lr-decay-iters': '2',
      '--weight-decay': '0.1',
      '--adam-beta1': '0.9',
      '--adam-beta2': '0.95',
      '--adam-eps': '1e-8',
      '--clip-grad': '1',
      '--seed': '1',
      '--eval-interval': '2',
      '--eval-iters': '2',
      '--save-interval': '2',
      '--save': join(run, 'megatron-checkpoints'),
      '--load': join(run, 'megatron-checkpoints'),
      '--log-interval': '10',
    });
    // a run folder that is not one
    const bad = moe(['export', 'megatron', '--run', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`moe: error: ${dir} has no train_config.json`);
  }, 120_000);
});

const TORCH_PY = '/usr/bin/python3';
const hasTorch = spawnSync(TORCH_PY, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;

describe('moe export hf', () => {
  it.skipIf(!hasTorch)(
    'a Hugging Face-style folder that PyTorch loads: the loss of moe eval (relative difference < 1e-4) and the same greedy continuation; bf16 close',
    () => {
      const dir = tmpDir();
      const shards = paragraphShards(dir, 300);
      const cfg = join(dir, 'c.yaml');
      writeFileSync(
        cfg,
        'model: { vocab_size: 300, d_model: 16, n_layers: 2, n_heads: 2, max_seq_len: 16, dense_layers: 1, d_ff: 32, n_routed_experts: 4, n_shared_experts: 1, top_k: 2, d_expert: 16 }\ntrain: { steps: 8, batchSize: 4, warmupSteps: 2, evalEvery: 8, evalTokens: 256, checkpointEvery: 8 }\n',
      );
      const run = join(dir, 'run');
      expect(
        moe([
          'train',
          '--config',
          cfg,
          '--data',
          shards,
          '--out',
          run,
          '--quiet',
          '--backend',
          'wasm',
          '--workers',
          '1',
        ]).code,
      ).toBe(0);
      const ck = join(run, 'checkpoints/step-000008');
      const hf = join(dir, 'hf');
      const r = moe(['export', 'hf', '--checkpoint', ck, '--out', hf]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(hf).sort()).toEqual([
        'config.json',
        'generation_config.json',
        'model.safetensors',
        'tokenizer.json',
      ]);
      const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
      expect(config).toMatchObject({
        architectures: ['DeepseekForCausalLM'],
        model_type: 'deepseek',
        hidden_size: 16,
        num_hidden_layers: 2,
        n_routed_experts: 4,
        num_experts_per_tok: 2,
        first_k_dense_replace: 1,
        moe_intermediate_size: 16,
        torch_dtype: 'float32',
      });
      expect(readFileSync(join(hf, 'tokenizer.json'))).toEqual(readFileSync(join(run, 'tokenizer.json')));
      const ours = JSON.parse(
        moe(['eval', '--checkpoint', ck, '--data', shards, '--json', '--backend', 'wasm'])
          .stdout.trim()
          .split('\n')
          .pop()!,
      ) as { loss: number; tokens: number };
      const py = (folder: string, ...args: string[]): { loss?: number; tokens?: number; ids?: number[] } => {
        const p = spawnSync(
          TORCH_PY,
          [join(ROOT, 'test/torch_moe.py'), ...args.slice(0, 1), folder, ...args.slice(1)],
          { encoding: 'utf8' },
        );
        expect(p.stderr).toBe('');
        return JSON.parse(p.stdout);
      };
      const theirs = py(hf, 'eval', join(shards, 'val_text_document'));
      expect(theirs.tokens).toBe(ours.tokens);
      expect(Math.abs(theirs.loss! - ours.loss) / ours.loss).toBeLessThan(1e-4);
      const gen = JSON.parse(
        moe([
          'generate',
          '--checkpoint',
          ck,
          '--prompt',
          'The river',
          '--max-new-tokens',
          '10',
          '--temperature',
          '0',
          '--json',
          '--backend',
          'wasm',
        ]).stdout,
      ) as { prompt_ids: number[]; ids: number[] };
      // moe stops at the end-of-text token; the PyTorch loop does not: its first tokens are moe's
      expect(gen.ids.length).toBeGreaterThan(0);
      expect(py(hf, 'generate', '10', ...gen.prompt_ids.map(String)).ids!.slice(0, gen.ids.length)).toEqual(gen.ids);
      // bfloat16: half the bytes, a loss within 1 % (the weights are rounded to 8 bits of mantissa)
      const bf = join(dir, 'hf-bf16');
      expect(moe(['export', 'hf', '--checkpoint', ck, '--out', bf, '--dtype', 'bf16']).code).toBe(0);
      expect(JSON.parse(readFileSync(join(bf, 'config.json'), 'utf8')).torch_dtype).toBe('bfloat16');
      expect(readFileSync(join(bf, 'model.safetensors')).length).toBeLessThan(
        readFileSync(join(hf, 'model.safetensors')).length * 0.55,
      );
      expect(Math.abs(py(bf, 'eval', join(shards, 'val_text_document')).loss! - ours.loss) / ours.loss).toBeLessThan(
        0.01,
      );
      // an existing folder is never written into
      const again = moe(['export', 'hf', '--checkpoint', ck, '--out', hf]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`--out ${hf} already holds files`);
    },
    180_000,
  );
});
