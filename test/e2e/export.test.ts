/**
 * `moe export megatron`: the Megatron-LM command line of a training run. Megatron-LM is not
 * installed here (it needs CUDA), so the command is checked against the argument names it
 * documents, kept below: every flag the script uses must be one of them, with a value where
 * Megatron's parser takes one, and the values must be the run's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES, moe, tmpDir } from '../helpers.js';

/**
 * The Megatron-LM arguments moe relies on, as defined at NVIDIA/Megatron-LM commit d98e8a64
 * (megatron/training/arguments.py, and the TransformerConfig, TrainingConfig, SchedulerConfig,
 * TokenizerConfig, CheckpointConfig, ValidationConfig, RNGConfig and LoggerConfig fields it
 * turns into flags; the MoE ones are those of megatron/core/transformer/moe/README.md).
 * `true`: a switch; otherwise the flag takes one value.
 */
const MEGATRON_ARGS: Record<string, boolean> = {
  '--num-layers': false, '--hidden-size': false, '--num-attention-heads': false, '--seq-length': false, '--max-position-embeddings': false,
  '--ffn-hidden-size': false, '--normalization': false, '--norm-epsilon': false, '--swiglu': true, '--position-embedding-type': false,
  '--rotary-base': false, '--disable-bias-linear': true, '--attention-dropout': false, '--hidden-dropout': false,
  '--untie-embeddings-and-output-weights': true, '--num-experts': false, '--moe-layer-freq': false, '--moe-ffn-hidden-size': false,
  '--moe-router-topk': false, '--moe-router-score-function': false, '--moe-router-load-balancing-type': false,
  '--moe-shared-expert-intermediate-size': false, '--moe-aux-loss-coeff': false, '--moe-z-loss-coeff': false,
  '--moe-router-enable-expert-bias': true, '--moe-router-bias-update-rate': false, '--moe-router-topk-scaling-factor': false,
  '--moe-router-pre-softmax': true, '--moe-token-dispatcher-type': false, '--train-data-path': false, '--valid-data-path': false,
  '--tokenizer-type': false, '--tokenizer-model': false, '--make-vocab-size-divisible-by': false, '--micro-batch-size': false,
  '--global-batch-size': false, '--train-iters': false, '--lr': false, '--min-lr': false, '--lr-decay-style': false,
  '--lr-warmup-iters': false, '--lr-decay-iters': false, '--weight-decay': false, '--adam-beta1': false, '--adam-beta2': false,
  '--adam-eps': false, '--clip-grad': false, '--seed': false, '--eval-interval': false, '--eval-iters': false,
  '--save-interval': false, '--save': false, '--load': false, '--log-interval': false,
};

/** The flags of the script's command, with their values (true for a switch). */
function parseScript(script: string): Map<string, string | true> {
  const command = script.split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\\\n/g, ' ');
  const tokens = command.slice(command.indexOf('pretrain_gpt.py') + 'pretrain_gpt.py'.length).trim().split(/\s+/);
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
  it('prints and writes the Megatron-LM command line of a run: its model, MoE router, shards and schedule, in Megatron\'s argument names', () => {
    const dir = tmpDir();
    const paragraphs = readFileSync(join(FIXTURES, 'quality/clean-train.txt'), 'utf8').split(/\n\s*\n/).filter(Boolean);
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs/part-00000.jsonl.gz'), gzipSync(paragraphs.map((t, i) => `${JSON.stringify({ id: `p${i}`, text: t, source: 'web', metadata: {} })}\n`).join('')));
    expect(moe(['tokenizer', 'train', '--in', join(dir, 'docs'), '--vocab-size', '300', '--out', join(dir, 'tok.json')]).code).toBe(0);
    expect(moe(['tokenize', '--in', join(dir, 'docs'), '--tokenizer', join(dir, 'tok.json'), '--out', join(dir, 'shards'), '--val-fraction', '0.2', '--quiet']).code).toBe(0);
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, 'model: { vocab_size: 300, d_model: 16, n_layers: 3, n_heads: 2, max_seq_len: 16, dense_layers: 1, d_ff: 32, n_routed_experts: 4, n_shared_experts: 1, top_k: 2, d_expert: 8, router: sigmoid, route_scale: 2.5, bias_update_rate: 0.001 }\ntrain: { steps: 2, batchSize: 2, gradAccum: 3, lr: 0.002, minLr: 0.0002, warmupSteps: 1, evalEvery: 2, evalTokens: 204, checkpointEvery: 2 }\n');
    const run = join(dir, 'run');
    expect(moe(['train', '--config', cfg, '--data', join(dir, 'shards'), '--out', run, '--quiet', '--backend', 'wasm', '--workers', '1']).code).toBe(0);
    const r = moe(['export', 'megatron', '--run', run]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(run, 'megatron.sh'), 'utf8')).toBe(r.stdout);
    expect(r.stdout.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    const args = parseScript(r.stdout);
    expect(Object.fromEntries(args)).toEqual({
      '--num-layers': '3', '--hidden-size': '16', '--num-attention-heads': '2', '--seq-length': '16', '--max-position-embeddings': '16',
      '--ffn-hidden-size': '32', '--normalization': 'RMSNorm', '--norm-epsilon': '0.000001', '--swiglu': true, '--position-embedding-type': 'rope',
      '--rotary-base': '10000', '--disable-bias-linear': true, '--attention-dropout': '0', '--hidden-dropout': '0',
      '--untie-embeddings-and-output-weights': true, '--num-experts': '4', '--moe-layer-freq': '([0]*1+[1]*2)', '--moe-ffn-hidden-size': '8',
      '--moe-router-topk': '2', '--moe-router-score-function': 'sigmoid', '--moe-router-load-balancing-type': 'aux_loss',
      '--moe-shared-expert-intermediate-size': '8', '--moe-aux-loss-coeff': '0.01', '--moe-z-loss-coeff': '0.001',
      '--moe-router-enable-expert-bias': true, '--moe-router-bias-update-rate': '0.001', '--moe-router-topk-scaling-factor': '2.5',
      '--moe-token-dispatcher-type': 'alltoall', '--train-data-path': join(dir, 'shards/train_text_document'), '--valid-data-path': join(dir, 'shards/val_text_document'),
      '--tokenizer-type': 'HuggingFaceTokenizer', '--tokenizer-model': run, '--make-vocab-size-divisible-by': '1',
      '--micro-batch-size': '2', '--global-batch-size': '6', '--train-iters': '2', '--lr': '0.002', '--min-lr': '0.0002', '--lr-decay-style': 'cosine',
      '--lr-warmup-iters': '1', '--lr-decay-iters': '2', '--weight-decay': '0.1', '--adam-beta1': '0.9', '--adam-beta2': '0.95', '--adam-eps': '1e-8',
      '--clip-grad': '1', '--seed': '1', '--eval-interval': '2', '--eval-iters': '2', '--save-interval': '2',
      '--save': join(run, 'megatron-checkpoints'), '--load': join(run, 'megatron-checkpoints'), '--log-interval': '10',
    });
    // a run folder that is not one
    const bad = moe(['export', 'megatron', '--run', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`moe: error: ${dir} has no train_config.json`);
  }, 120_000);
});
