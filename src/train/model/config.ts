/**
 * The model's `config.json` (docs/DESIGN.md §5), Hugging Face snake_case names, with the checks that
 * make a bad config a one-line error saying what to fix (`top_k` above the number of routed
 * experts, `d_model` not divisible by `n_heads`, an odd head size for rotary embeddings, …).
 */
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';

export const ModelConfigSchema = z
  .strictObject({
    vocab_size: z.number().int().min(2),
    d_model: z.number().int().min(2),
    n_layers: z.number().int().min(1),
    n_heads: z.number().int().min(1),
    max_seq_len: z.number().int().min(1),
    rope_theta: z.number().positive().default(10000),
    rms_norm_eps: z.number().positive().default(1e-6),
    dense_layers: z.number().int().min(0).default(1),
    d_ff: z.number().int().min(1),
    n_routed_experts: z.number().int().min(1),
    n_shared_experts: z.number().int().min(0).default(1),
    top_k: z.number().int().min(1),
    d_expert: z.number().int().min(1),
    router: z.enum(['softmax', 'sigmoid']).default('softmax'),
    norm_topk_prob: z.boolean().default(true),
    route_scale: z.number().positive().default(1),
    aux_loss_coef: z.number().min(0).default(0.01),
    z_loss_coef: z.number().min(0).default(0.001),
    bias_update_rate: z.number().min(0).default(0),
    tie_embeddings: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.top_k > c.n_routed_experts)
      ctx.addIssue({
        code: 'custom',
        path: ['top_k'],
        message: `top_k ${c.top_k} is larger than n_routed_experts ${c.n_routed_experts}`,
      });
    if (c.d_model % c.n_heads !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['d_model'],
        message: `d_model ${c.d_model} is not divisible by n_heads ${c.n_heads}`,
      });
    else if ((c.d_model / c.n_heads) % 2 !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['n_heads'],
        message: `head size ${c.d_model / c.n_heads} is odd; rotary embeddings pair its halves`,
      });
    if (c.dense_layers > c.n_layers)
      ctx.addIssue({
        code: 'custom',
        path: ['dense_layers'],
        message: `dense_layers ${c.dense_layers} is more than n_layers ${c.n_layers}`,
      });
  });

export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** Validates a model config, naming the key and where it came from. */
export function parseModelConfig(raw: unknown, origin: string): ModelConfig {
  const r = ModelConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
  const message = issue.code === 'unrecognized_keys' ? `unknown key "${key}"` : `key "${key}": ${issue.message}`;
  throw new ConfigError(
    `${origin}: model ${message}`,
    `the model fields: ${Object.keys(ModelConfigSchema.shape).join(', ')}`,
  );
}

/** Parameter count (embeddings and head included; a tied head counts once). */
export function parameterCount(c: ModelConfig): number {
  const attn = 4 * c.d_model * c.d_model;
  const norms = 2 * c.d_model;
  const dense = 3 * c.d_model * c.d_ff;
  const moe =
    c.n_routed_experts * 3 * c.d_model * c.d_expert +
    (c.n_shared_experts ? 3 * c.d_model * c.n_shared_experts * c.d_expert : 0) +
    c.n_routed_experts * (c.d_model + 1);
  const layers = c.dense_layers * (attn + norms + dense) + (c.n_layers - c.dense_layers) * (attn + norms + moe);
  return c.vocab_size * c.d_model * (c.tie_embeddings ? 1 : 2) + layers + c.d_model;
}
