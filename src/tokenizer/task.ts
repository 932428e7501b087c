/**
 * The parallel part of `moe tokenize`: a chunk of documents → their token ids (each ending with
 * the end-of-text id), split into train and validation by a hash of the document id.
 */
import type { StageStats } from '../core/stats.js';
import { type DocChunk, parseChunk } from '../io/jsonl.js';
import { hash32, mix32 } from '../text/hash.js';
import { BpeTokenizer } from './bpe.js';

export interface TokenizeInit {
  tokenizer: string;
  eot: number;
  valFraction: number;
  /** true: ids fit uint16. */
  uint16: boolean;
}

/** A split's documents: their lengths and their ids back to back. */
export interface SplitTokens {
  lengths: Int32Array;
  ids: Uint16Array | Int32Array;
}

export interface TokenizedChunk {
  train: SplitTokens;
  val: SplitTokens;
}

/** Deterministic split by document id: validation when hash(id)/2^32 < fraction. */
export function isValidation(id: string, fraction: number): boolean {
  return fraction > 0 && mix32(hash32(`split:${id}`)) / 4294967296 < fraction;
}

let loaded: { path: string; tok: BpeTokenizer } | undefined;

/** Ids (or lengths) appended one at a time into a typed array that doubles when full. */
class IdBuffer {
  private ids = new Int32Array(1 << 16);
  length = 0;

  push(id: number): void {
    if (this.length === this.ids.length) {
      const more = new Int32Array(this.ids.length * 2);
      more.set(this.ids);
      this.ids = more;
    }
    this.ids[this.length++] = id;
  }

  get view(): Int32Array {
    return this.ids.subarray(0, this.length);
  }
}

export async function* runTask(
  chunk: DocChunk,
  init: TokenizeInit,
  stats: StageStats,
): AsyncGenerator<TokenizedChunk[], number> {
  if (loaded?.path !== init.tokenizer) loaded = { path: init.tokenizer, tok: BpeTokenizer.load(init.tokenizer) };
  const tok = loaded.tok;
  const parts = {
    train: { lengths: new IdBuffer(), ids: new IdBuffer() },
    val: { lengths: new IdBuffer(), ids: new IdBuffer() },
  };
  const docs = parseChunk(chunk);
  for (const doc of docs) {
    const val = isValidation(doc.id, init.valFraction);
    const split = val ? parts.val : parts.train;
    const before = split.ids.length;
    tok.encode(doc.text, split.ids).push(init.eot);
    const n = split.ids.length - before;
    split.lengths.push(n);
    stats.count(`tokens.${val ? 'val' : 'train'}.${doc.source}`, n);
    stats.count('bytes_in', Buffer.byteLength(doc.text));
  }
  const pack = (s: { lengths: IdBuffer; ids: IdBuffer }): SplitTokens => ({
    lengths: s.lengths.view.slice(),
    ids: init.uint16 ? new Uint16Array(s.ids.view) : s.ids.view.slice(),
  });
  yield [{ train: pack(parts.train), val: pack(parts.val) }];
  return docs.length;
}
