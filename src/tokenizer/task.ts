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

export async function* runTask(
  chunk: DocChunk,
  init: TokenizeInit,
  stats: StageStats,
): AsyncGenerator<TokenizedChunk[], number> {
  if (loaded?.path !== init.tokenizer) loaded = { path: init.tokenizer, tok: BpeTokenizer.load(init.tokenizer) };
  const tok = loaded.tok;
  const parts = {
    train: { lengths: [] as number[], ids: [] as number[] },
    val: { lengths: [] as number[], ids: [] as number[] },
  };
  const docs = parseChunk(chunk);
  for (const doc of docs) {
    const ids = tok.encode(doc.text);
    ids.push(init.eot);
    const val = isValidation(doc.id, init.valFraction);
    const split = val ? parts.val : parts.train;
    split.lengths.push(ids.length);
    stats.count(`tokens.${val ? 'val' : 'train'}.${doc.source}`, ids.length);
    for (const id of ids) split.ids.push(id);
    stats.count('bytes_in', Buffer.byteLength(doc.text));
  }
  const pack = (s: { lengths: number[]; ids: number[] }): SplitTokens => ({
    lengths: Int32Array.from(s.lengths),
    ids: init.uint16 ? Uint16Array.from(s.ids) : Int32Array.from(s.ids),
  });
  yield [{ train: pack(parts.train), val: pack(parts.val) }];
  return docs.length;
}
