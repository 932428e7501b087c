/**
 * A word n-gram language model with interpolated modified Kneser-Ney smoothing (Chen & Goodman
 * 1998), the model family CCNet scores web text with (KenLM); CCNet keeps the documents whose
 * perplexity under a model of clean reference text (Wikipedia) is low.
 *
 * Words are lower-cased with digits mapped to 0; characters of scripts without spaces are
 * words. Each line is a sentence: `<s>`×(N−1) w₁ … wₙ `</s>`. N-grams are keyed by a 53-bit
 * hash of their word hashes (collisions are negligible at these sizes). Tables are open-addressing
 * hash tables stored as typed arrays, so loading a model is reading its file.
 *
 *   P₁(w)   = max(N₁₊(·w) − D₁, 0) / T + D₁ · |V| / T · 1/(|V|+1)        (unknown words: 2nd term)
 *   Pₖ(w|h) = max(a(hw) − Dₖ, 0) / b(h) + Dₖ · n(h) / b(h) · Pₖ₋₁(w|h')
 * with a = count at the highest order and the continuation count N₁₊(·hw) below it, b(h) = Σ_w a(hw),
 * n(h) = |{w : a(hw) > 0}|, Dₖ = n₁/(n₁ + 2n₂) from the counts of counts at order k.
 */
import { readModelFile, writeModelFile } from '../../io/model-file.js';
import { gramKey, hash32 } from '../../text/hash.js';
import { tokenize } from '../view.js';

const BOS = hash32('<s>');
const EOS = hash32('</s>');

/** Word hashes of each non-empty line, padded for an order-`order` model. */
export function lmSentences(text: string, order: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (const line of text.split('\n')) {
    const words = tokenize(line.toLowerCase().replace(/\d/g, '0'), true).words;
    if (!words.length) continue;
    const seq = new Uint32Array(words.length + order);
    seq.fill(BOS, 0, order - 1);
    for (let i = 0; i < words.length; i++) seq[order - 1 + i] = hash32(words[i]!);
    seq[seq.length - 1] = EOS;
    out.push(seq);
  }
  return out;
}

/** Open-addressing table from 53-bit keys to one or two float values. */
class Table {
  readonly keys: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array | undefined;
  private readonly mask: number;

  constructor(keys: Float64Array, a: Float64Array, b?: Float64Array) {
    this.keys = keys;
    this.a = a;
    this.b = b;
    this.mask = keys.length - 1;
  }

  static build(entries: Map<number, number[]>, withB: boolean): Table {
    let cap = 16;
    while (cap < entries.size * 2) cap *= 2;
    const t = new Table(new Float64Array(cap), new Float64Array(cap), withB ? new Float64Array(cap) : undefined);
    for (const [key, v] of entries) {
      let slot = key % cap;
      while (t.keys[slot] !== 0) slot = (slot + 1) & t.mask;
      t.keys[slot] = key;
      t.a[slot] = v[0]!;
      if (t.b) t.b[slot] = v[1]!;
    }
    return t;
  }

  /** Slot of `key`, or -1. */
  find(key: number): number {
    let slot = key % this.keys.length;
    for (;;) {
      const k = this.keys[slot]!;
      if (k === key) return slot;
      if (k === 0) return -1;
      slot = (slot + 1) & this.mask;
    }
  }
}

export interface LmMeta {
  order: number;
  discounts: number[];
  /** Σ of unigram continuation counts, and the number of word types. */
  total1: number;
  vocab: number;
  tokens: number;
  docs: number;
}

function discount(values: Iterable<number[]>): number {
  let n1 = 0;
  let n2 = 0;
  for (const [v] of values) {
    if (v === 1) n1 += 1;
    else if (v === 2) n2 += 1;
  }
  const d = n1 + n2 > 0 ? n1 / (n1 + 2 * n2) : 0.75;
  return Math.min(0.95, Math.max(0.05, d));
}

export class NgramLm {
  private constructor(
    readonly meta: LmMeta,
    /** a-tables by order (index 1…N). */
    private readonly grams: Table[],
    /** context tables by order (index 2…N): a = b(h), b = n(h). */
    private readonly contexts: Table[],
  ) {}

  /** Trains from texts; deterministic (counts do not depend on order of equal keys). */
  static async train(texts: AsyncIterable<string>, order: number): Promise<NgramLm> {
    // highest-order counts, with each type's word hashes kept to derive lower orders
    const top = new Map<number, number[]>();
    const seqs = new Map<number, Uint32Array>();
    let tokens = 0;
    let docs = 0;
    for await (const text of texts) {
      docs += 1;
      for (const seq of lmSentences(text, order)) {
        tokens += seq.length - order + 1;
        for (let i = 0; i + order <= seq.length; i++) {
          const key = gramKey(seq, i, order);
          const v = top.get(key);
          if (v) v[0]! += 1;
          else {
            top.set(key, [1]);
            seqs.set(key, seq.slice(i, i + order));
          }
        }
      }
    }
    const grams: Table[] = [];
    const contexts: Table[] = [];
    const discounts: number[] = [];
    let level = top;
    let levelSeqs = seqs;
    let total1 = 0;
    for (let k = order; k >= 1; k--) {
      discounts[k] = discount(level.values());
      grams[k] = Table.build(level, false);
      if (k >= 2) {
        const ctx = new Map<number, number[]>();
        for (const [key, [v]] of level) {
          const ck = gramKey(levelSeqs.get(key)!, 0, k - 1);
          const c = ctx.get(ck);
          if (c) {
            c[0]! += v!;
            c[1]! += 1;
          } else ctx.set(ck, [v!, 1]);
        }
        contexts[k] = Table.build(ctx, true);
        // continuation counts one order down: distinct left extensions of each suffix
        const next = new Map<number, number[]>();
        const nextSeqs = new Map<number, Uint32Array>();
        for (const seq of levelSeqs.values()) {
          const key = gramKey(seq, 1, k - 1);
          const v = next.get(key);
          if (v) v[0]! += 1;
          else {
            next.set(key, [1]);
            nextSeqs.set(key, seq.subarray(1));
          }
        }
        level = next;
        levelSeqs = nextSeqs;
      } else {
        for (const [v] of level.values()) total1 += v!;
      }
    }
    const meta: LmMeta = {
      order,
      discounts,
      total1,
      vocab: grams[1]!.keys.filter((k) => k !== 0).length,
      tokens,
      docs,
    };
    return new NgramLm(meta, grams, contexts);
  }

  /** Log-probability (natural log) of the word at `i` given the preceding words in `seq`. */
  private logProb(seq: Uint32Array, i: number): number {
    const { order, discounts, total1, vocab } = this.meta;
    const g1 = this.grams[1]!;
    const s1 = g1.find(gramKey(seq, i, 1));
    const d1 = discounts[1]!;
    let p = (s1 >= 0 ? Math.max(g1.a[s1]! - d1, 0) / total1 : 0) + ((d1 * vocab) / total1) * (1 / (vocab + 1));
    for (let k = 2; k <= order; k++) {
      const c = this.contexts[k]!.find(gramKey(seq, i - k + 1, k - 1));
      if (c < 0) break; // unseen context: higher orders back off entirely
      const ctx = this.contexts[k]!;
      const b = ctx.a[c]!;
      const n = ctx.b![c]!;
      const g = this.grams[k]!;
      const s = g.find(gramKey(seq, i - k + 1, k));
      const dk = discounts[k]!;
      p = (s >= 0 ? Math.max(g.a[s]! - dk, 0) / b : 0) + ((dk * n) / b) * p;
    }
    return Math.log(p);
  }

  /** Perplexity of a text (exp of the mean negative log-probability per word and `</s>`). */
  perplexity(text: string): { perplexity: number; tokens: number } {
    const order = this.meta.order;
    let sum = 0;
    let tokens = 0;
    for (const seq of lmSentences(text, order)) {
      for (let i = order - 1; i < seq.length; i++) {
        sum += this.logProb(seq, i);
        tokens += 1;
      }
    }
    return { perplexity: tokens ? Math.exp(-sum / tokens) : Number.POSITIVE_INFINITY, tokens };
  }

  async save(path: string): Promise<void> {
    const arrays: Record<string, Float64Array> = {};
    for (let k = 1; k <= this.meta.order; k++) {
      arrays[`g${k}_keys`] = this.grams[k]!.keys;
      arrays[`g${k}_a`] = this.grams[k]!.a;
      if (k >= 2) {
        arrays[`c${k}_keys`] = this.contexts[k]!.keys;
        arrays[`c${k}_a`] = this.contexts[k]!.a;
        arrays[`c${k}_b`] = this.contexts[k]!.b!;
      }
    }
    await writeModelFile(path, { kind: 'ngram-lm', meta: this.meta as unknown as Record<string, unknown>, arrays });
  }

  static load(path: string): NgramLm {
    const m = readModelFile(path, 'ngram-lm', 'train one with `moe lm train --in REFERENCE --out lm.bin`');
    const meta = m.meta as unknown as LmMeta;
    const grams: Table[] = [];
    const contexts: Table[] = [];
    const arr = (name: string): Float64Array => m.arrays[name] as Float64Array;
    for (let k = 1; k <= meta.order; k++) {
      grams[k] = new Table(arr(`g${k}_keys`), arr(`g${k}_a`));
      if (k >= 2) contexts[k] = new Table(arr(`c${k}_keys`), arr(`c${k}_a`), arr(`c${k}_b`));
    }
    return new NgramLm(meta, grams, contexts);
  }
}
