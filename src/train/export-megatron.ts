/**
 * `moe export megatron`: the Megatron-LM (Megatron-Core MoE) command line that trains the same
 * architecture, on the same shards, with the same schedule as a moe training run. The flag
 * names are those of Megatron-LM's `megatron/training/arguments.py` and its config dataclasses
 * (the MoE ones as listed in `megatron/core/transformer/moe/README.md`); the test keeps the list.
 */
import { join } from 'node:path';
import type { TrainConfig } from './config.js';
import type { ModelConfig } from './model/config.js';

export interface MegatronCommand {
  /** `[flag, value]` pairs in order; a value of `true` is a switch. */
  args: Array<[string, string | number | true]>;
  /** Where moe and Megatron differ, said as comments in the script. */
  notes: string[];
}

/** The Megatron-LM arguments of a moe model and training config, on shards at `data`. */
export function megatronArgs(
  model: ModelConfig,
  train: TrainConfig,
  opts: { data: string; tokenizerDir: string; save: string },
): MegatronCommand {
  const c = model;
  const t = train;
  const notes: string[] = [];
  const args: MegatronCommand['args'] = [
    ['--num-layers', c.n_layers],
    ['--hidden-size', c.d_model],
    ['--num-attention-heads', c.n_heads],
    ['--seq-length', c.max_seq_len],
    ['--max-position-embeddings', c.max_seq_len],
    ['--ffn-hidden-size', c.d_ff],
    ['--normalization', 'RMSNorm'],
    ['--norm-epsilon', c.rms_norm_eps],
    ['--swiglu', true],
    ['--position-embedding-type', 'rope'],
    ['--rotary-base', c.rope_theta],
    ['--disable-bias-linear', true],
    ['--attention-dropout', 0],
    ['--hidden-dropout', 0],
  ];
  if (!c.tie_embeddings) args.push(['--untie-embeddings-and-output-weights', true]);
  args.push(...expertArgs(c, notes));
  args.push(
    ['--moe-token-dispatcher-type', 'alltoall'],
    // the data: the shards moe tokenize wrote, the tokenizer beside them
    ['--train-data-path', join(opts.data, 'train_text_document')],
    ['--valid-data-path', join(opts.data, 'val_text_document')],
    ['--tokenizer-type', 'HuggingFaceTokenizer'],
    ['--tokenizer-model', opts.tokenizerDir],
    ['--make-vocab-size-divisible-by', 1],
    // the schedule: AdamW, linear warm-up, cosine decay to min_lr over the run
    ['--micro-batch-size', t.batchSize],
    ['--global-batch-size', t.batchSize * t.gradAccum],
    ['--train-iters', t.steps],
    ['--lr', t.lr],
    ['--min-lr', t.minLr],
    ['--lr-decay-style', 'cosine'],
    ['--lr-warmup-iters', t.warmupSteps],
    ['--lr-decay-iters', t.steps],
    ['--weight-decay', t.weightDecay],
    ['--adam-beta1', t.beta1],
    ['--adam-beta2', t.beta2],
    ['--adam-eps', t.eps],
    ['--clip-grad', t.clip],
    ['--seed', t.seed],
    ['--eval-interval', t.evalEvery],
    ['--eval-iters', Math.max(1, Math.floor(t.evalTokens / ((c.max_seq_len + 1) * t.batchSize * t.gradAccum)))],
    ['--save-interval', t.checkpointEvery],
    ['--save', opts.save],
    ['--load', opts.save],
    ['--log-interval', t.logEvery],
  );
  notes.push(
    'batches are drawn differently (Megatron samples documents in its own order), so losses agree in trend, not step by step',
  );
  notes.push(
    `--tokenizer-model names a folder holding tokenizer.json (${opts.tokenizerDir}); Hugging Face's AutoTokenizer reads it from there`,
  );
  return { args, notes };
}

/** The MoE layers' flags (DeepSeekMoE: the first dense_layers are dense, the rest MoE); what Megatron cannot say goes to `notes`. */
function expertArgs(c: ModelConfig, notes: string[]): MegatronCommand['args'] {
  const args: MegatronCommand['args'] = [];
  args.push(
    ['--num-experts', c.n_routed_experts],
    ['--moe-layer-freq', `([0]*${c.dense_layers}+[1]*${c.n_layers - c.dense_layers})`],
    ['--moe-ffn-hidden-size', c.d_expert],
    ['--moe-router-topk', c.top_k],
    ['--moe-router-score-function', c.router],
    ['--moe-router-load-balancing-type', c.aux_loss_coef > 0 ? 'aux_loss' : 'none'],
  );
  if (c.n_shared_experts > 0) args.push(['--moe-shared-expert-intermediate-size', c.n_shared_experts * c.d_expert]);
  if (c.aux_loss_coef > 0) args.push(['--moe-aux-loss-coeff', c.aux_loss_coef]);
  if (c.z_loss_coef > 0) args.push(['--moe-z-loss-coeff', c.z_loss_coef]);
  if (c.bias_update_rate > 0)
    args.push(['--moe-router-enable-expert-bias', true], ['--moe-router-bias-update-rate', c.bias_update_rate]);
  if (c.route_scale !== 1) args.push(['--moe-router-topk-scaling-factor', c.route_scale]);
  // softmax over all experts then top-k without renormalising is Megatron's pre-softmax; with
  // renormalisation it equals Megatron's default, a softmax over the k chosen logits
  if (c.router === 'softmax' && !c.norm_topk_prob) args.push(['--moe-router-pre-softmax', true]);
  if (c.router === 'sigmoid' && !c.norm_topk_prob && c.top_k > 1)
    notes.push(
      'moe does not renormalise the top-k sigmoid scores (norm_topk_prob: false); Megatron always does for top-k > 1',
    );
  return args;
}

/** The command as a shell script: one flag a line, notes as comments. */
export function megatronScript(cmd: MegatronCommand, entry = 'pretrain_gpt.py'): string {
  const quote = (v: string | number): string =>
    typeof v === 'number' || /^[\w./:+=-]+$/.test(v) ? String(v) : `'${v.replace(/'/g, `'\\''`)}'`;
  const lines = cmd.args.map(([flag, value]) => `  ${flag}${value === true ? '' : ` ${quote(value)}`}`);
  return [
    '#!/usr/bin/env bash',
    '# Written by moe export megatron: the same model, shards and schedule in Megatron-LM (Megatron-Core MoE).',
    ...cmd.notes.map((n) => `# note: ${n}`),
    'set -euo pipefail',
    `torchrun --nproc_per_node "\${GPUS:-1}" ${entry} \\`,
    `${lines.join(' \\\n')}`,
    '',
  ].join('\n');
}
