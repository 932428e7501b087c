/**
 * Text generation from a model: greedy at temperature 0, else sampled with top-k and top-p, from
 * a seeded generator so the same seed gives the same text.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../text/hash.js';
import type { ModelConfig } from './model/config.js';
import { forward, type Params } from './model/transformer.js';

/** Picks the next id from logits: greedy at temperature 0, else sampled (top-k, top-p). */
export function sample(
  logits: Float32Array,
  opts: { temperature: number; topK?: number; topP?: number; rand: () => number },
): number {
  if (opts.temperature <= 0) return logits.reduce((best, v, i) => (v > logits[best]! ? i : best), 0);
  let ids = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  if (opts.topK) ids = ids.slice(0, opts.topK);
  const max = logits[ids[0]!]!;
  let probs = ids.map((i) => Math.exp((logits[i]! - max) / opts.temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  if (opts.topP !== undefined && opts.topP < 1) {
    let acc = 0;
    let cut = probs.length;
    for (let i = 0; i < probs.length; i++) {
      acc += probs[i]!;
      if (acc >= opts.topP) {
        cut = i + 1;
        break;
      }
    }
    ids = ids.slice(0, cut);
    const kept = probs.slice(0, cut);
    const s = kept.reduce((a, b) => a + b, 0);
    probs = kept.map((p) => p / s);
  }
  let r = opts.rand();
  for (let i = 0; i < ids.length; i++) {
    r -= probs[i]!;
    if (r <= 0) return ids[i]!;
  }
  return ids[ids.length - 1]!;
}

export interface GenerateOptions {
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
  /** An id that ends the text (not included), e.g. the tokenizer's end-of-text token. */
  stop?: number;
}

/** The ids that follow `prompt`; `onToken` sees the ids so far after each new one. */
export function generate(
  params: Params,
  model: ModelConfig,
  prompt: number[],
  opts: GenerateOptions,
  onToken?: (ids: number[]) => void,
): number[] {
  const rand = mulberry32(opts.seed);
  const out: number[] = [];
  for (let i = 0; i < opts.maxNewTokens; i++) {
    const ctx = [...prompt, ...out].slice(-model.max_seq_len);
    const logits = tf.tidy(() => {
      const f = forward(params, Int32Array.from(ctx), 1, ctx.length, model);
      return f.logits.slice([ctx.length - 1, 0], [1, model.vocab_size]).dataSync() as Float32Array;
    });
    const next = sample(logits, { temperature: opts.temperature, topK: opts.topK, topP: opts.topP, rand });
    if (next === opts.stop) break;
    out.push(next);
    onToken?.(out);
  }
  return out;
}
