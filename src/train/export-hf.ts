/**
 * `moe export hf`: a checkpoint as a Hugging Face–style model folder: `config.json` in the keys of
 * DeepSeekMoE's `DeepseekConfig` (architectures `DeepseekForCausalLM`: multi-head attention, shared
 * and routed experts, the first `first_k_dense_replace` layers dense), `model.safetensors` in
 * float32 or bfloat16 with the tensor names the checkpoint already has (docs/DESIGN.md §5 uses Hugging
 * Face's DeepSeek names), `tokenizer.json` and `generation_config.json`.
 */
import type { ModelConfig } from './model/config.js';

/** The Hugging Face config of a moe model; moe's own settings without a DeepseekConfig key go under `moe_*` keys. */
export function hfConfig(
  c: ModelConfig,
  opts: { dtype: 'float32' | 'bfloat16'; eotId?: number },
): Record<string, unknown> {
  return {
    architectures: ['DeepseekForCausalLM'],
    model_type: 'deepseek',
    vocab_size: c.vocab_size,
    hidden_size: c.d_model,
    intermediate_size: c.d_ff,
    moe_intermediate_size: c.d_expert,
    num_hidden_layers: c.n_layers,
    num_attention_heads: c.n_heads,
    num_key_value_heads: c.n_heads,
    n_shared_experts: c.n_shared_experts,
    n_routed_experts: c.n_routed_experts,
    num_experts_per_tok: c.top_k,
    first_k_dense_replace: c.dense_layers,
    moe_layer_freq: 1,
    scoring_func: c.router,
    norm_topk_prob: c.norm_topk_prob,
    routed_scaling_factor: c.route_scale,
    aux_loss_alpha: c.aux_loss_coef,
    seq_aux: false,
    topk_method: c.bias_update_rate > 0 ? 'noaux_tc' : 'greedy',
    max_position_embeddings: c.max_seq_len,
    rms_norm_eps: c.rms_norm_eps,
    rope_theta: c.rope_theta,
    hidden_act: 'silu',
    attention_bias: false,
    tie_word_embeddings: c.tie_embeddings,
    torch_dtype: opts.dtype,
    ...(opts.eotId !== undefined ? { eos_token_id: opts.eotId } : {}),
    moe_z_loss_coef: c.z_loss_coef,
    moe_bias_update_rate: c.bias_update_rate,
  };
}
