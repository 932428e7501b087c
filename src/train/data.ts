/**
 * Training data from Megatron shards, without tfjs (nanoGPT's `get_batch`): a batch is B windows
 * of T+1 tokens at random offsets of the token stream, x = the first T, y = the last T. The
 * offsets come from a PRNG seeded with (seed, step), so batch n is the same in every run and
 * after every resume, with no loader state to save beyond the step. Evaluation uses consecutive,
 * non-overlapping windows from the start of the stream (docs/DESIGN.md §5).
 */
import { DataError } from '../core/errors.js';
import { findIdOutside, type MegatronIndex, MegatronReader, readMegatronIndex, tokenCounts } from '../io/megatron.js';
import { mulberry32 } from '../text/hash.js';

export interface BatchOptions {
  step: number;
  batchSize: number;
  seqLen: number;
  seed: number;
}

export interface Batch {
  /** [B·T] input ids. */
  x: Int32Array;
  /** [B·T] next-token targets. */
  y: Int32Array;
}

export class ShardLoader {
  private readonly reader: MegatronReader;

  /** `vocab`: ids at or above it (a corrupt or foreign shard) are a DataError, not an out-of-range embedding lookup. */
  constructor(
    readonly prefix: string,
    private readonly vocab = Number.POSITIVE_INFINITY,
  ) {
    this.reader = new MegatronReader(prefix);
  }

  get index(): MegatronIndex {
    return this.reader.index;
  }

  get tokens(): number {
    return this.reader.index.tokens;
  }

  /** Token ids [start, start + n) of the stream. */
  read(start: number, n: number): Int32Array {
    return this.checked(this.reader.read(start, n), start);
  }

  /** The ids, each checked against the vocabulary. */
  private checked(ids: Int32Array, start: number): Int32Array {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.vocab))
        throw new DataError(
          `${this.prefix}.bin holds id ${id} at token ${start + i}, outside the model's vocabulary of ${this.vocab} ids`,
          "the shard is corrupt or was made with another tokenizer: tokenize again with the run's tokenizer",
        );
    }
    return ids;
  }

  /** The stream offsets of batch `step`'s B windows: the same for the same (seed, step). */
  private starts(opts: BatchOptions): number[] {
    const T = opts.seqLen;
    if (this.tokens < T + 1)
      throw new DataError(
        `${this.prefix} has ${this.tokens} tokens, fewer than one window of ${T + 1}`,
        'lower max_seq_len or tokenize more text',
      );
    const rand = mulberry32((Math.imul(opts.seed, 0x9e3779b1) ^ opts.step) >>> 0);
    return Array.from({ length: opts.batchSize }, () => Math.floor(rand() * (this.tokens - T)));
  }

  private assemble(windows: Int32Array[], T: number): Batch {
    const x = new Int32Array(windows.length * T);
    const y = new Int32Array(windows.length * T);
    windows.forEach((w, b) => {
      x.set(w.subarray(0, T), b * T);
      y.set(w.subarray(1), b * T);
    });
    return { x, y };
  }

  /** Batch `step` of B windows of T (+1) tokens; the same for the same (seed, step). */
  batch(opts: BatchOptions): Batch {
    return this.assemble(
      this.starts(opts).map((s) => this.read(s, opts.seqLen + 1)),
      opts.seqLen,
    );
  }

  /**
   * `batch`, read by the thread pool: started before a micro-batch computes, it is ready when the
   * next one starts (the step does not wait for the disk).
   */
  prefetch(opts: BatchOptions): Promise<Batch> {
    const n = opts.seqLen + 1;
    const reads = this.starts(opts).map((start) =>
      this.reader.readAsync(start, n).then((ids) => this.checked(ids, start)),
    );
    return Promise.all(reads).then((w) => this.assemble(w, opts.seqLen));
  }

  /** Consecutive non-overlapping windows of T+1 tokens from the start, up to `maxTokens` tokens. */
  *evalWindows(seqLen: number, maxTokens = Number.POSITIVE_INFINITY): Generator<Batch> {
    const usable = Math.min(this.tokens, maxTokens);
    for (let start = 0; start + seqLen + 1 <= usable; start += seqLen + 1) {
      const w = this.read(start, seqLen + 1);
      yield { x: w.subarray(0, seqLen), y: w.subarray(1) };
    }
  }

  close(): void {
    this.reader.close();
  }
}

/** Refuses a shard holding an id outside the model's vocabulary (corrupt, or made with another tokenizer), naming it. */
export function checkShardIds(prefix: string, vocab: number): void {
  const bad = findIdOutside(prefix, readMegatronIndex(prefix), vocab);
  if (bad)
    throw new DataError(
      `${prefix}.bin holds id ${bad.id} at token ${bad.at}, outside the model's vocabulary of ${vocab} ids`,
      "the shard is corrupt or was made with another tokenizer: tokenize again with the run's tokenizer",
    );
}

/** Refuses shards whose vocabulary does not fit the model. */
export function checkVocab(shardsVocab: number, modelVocab: number, where: string): void {
  if (shardsVocab > modelVocab) {
    throw new DataError(
      `${where} was tokenized with ${shardsVocab} ids, more than the model's vocab_size ${modelVocab}`,
      `set vocab_size to at least ${shardsVocab} in the model config`,
    );
  }
}

/**
 * The entropy, in nats per token, of the unigram distribution of `prefix`'s own tokens: the loss
 * of the best model that ignores context, fitted on that very split. A language model that learned
 * anything from context ends below it on the same split.
 */
export function unigramEntropy(prefix: string, vocab: number): number {
  const counts = tokenCounts(prefix, readMegatronIndex(prefix), vocab);
  let total = 0;
  for (const c of counts) total += c;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h;
}
