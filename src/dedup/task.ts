/**
 * The parallel part of dedup: a chunk of documents → their exact keys (xxhash-wasm 64-bit of the
 * normalised text's unit hashes), MinHash signatures and band keys, packed in typed arrays.
 */
import xxhash from 'xxhash-wasm';
import type { StageStats } from '../core/stats.js';
import { type DocChunk, parseChunk } from '../io/jsonl.js';
import type { MinHashParams } from '../io/signatures.js';
import { MinHasher, shinglesOf, unitHashes } from './minhash.js';

export interface SignedChunk {
  /** The part file the chunk came from (as displayed). */
  file: string;
  ids: string[];
  /** Exact keys, signed 64-bit (as SQLite stores integers). */
  exact: BigInt64Array;
  /** Signatures, `ids.length × bands·rows`. */
  sigs: Uint32Array;
  /** Band keys, `ids.length × bands`. */
  bands: Float64Array;
}

const hasher = xxhash();
let minhasher: { key: string; m: MinHasher } | undefined;

/** Exact keys, signatures and band keys of documents' texts (what a task computes once its chunk is parsed). */
export async function signTexts(
  file: string,
  ids: string[],
  texts: string[],
  params: MinHashParams,
  stats?: StageStats,
): Promise<SignedChunk> {
  const key = JSON.stringify(params);
  if (minhasher?.key !== key) minhasher = { key, m: new MinHasher(params) };
  const m = minhasher.m;
  const { h64Raw } = await hasher;
  const out: SignedChunk = {
    file,
    ids,
    exact: new BigInt64Array(texts.length),
    sigs: new Uint32Array(texts.length * m.size),
    bands: new Float64Array(texts.length * params.bands),
  };
  texts.forEach((text, i) => {
    // the exact key hashes the normalised units, so texts equal after normalisation collide
    const units = unitHashes(text);
    out.exact[i] = BigInt.asIntN(64, h64Raw(new Uint8Array(units.buffer, units.byteOffset, units.byteLength)));
    const sig = m.signature(shinglesOf(units, params.ngram));
    out.sigs.set(sig, i * m.size);
    out.bands.set(m.bandKeys(sig), i * params.bands);
    stats?.count('bytes_in', Buffer.byteLength(text));
  });
  stats?.count('docs_in', texts.length);
  return out;
}

export async function* runTask(
  chunk: DocChunk,
  init: MinHashParams,
  stats: StageStats,
): AsyncGenerator<SignedChunk[], number> {
  const docs = parseChunk(chunk);
  yield [
    await signTexts(
      chunk.file,
      docs.map((d) => d.id),
      docs.map((d) => d.text),
      init,
      stats,
    ),
  ];
  return docs.length;
}
