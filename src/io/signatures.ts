/**
 * Dedup signature parts, what each machine of a sharded dedup writes (`moe dedup --shard I/N`)
 * and `moe dedup merge` reads: for the input part files of one shard, every document's id,
 * exact key, MinHash signature and band keys, in input order. Stored in the model-file container
 * (`io/model-file.ts`), validated on read.
 */
import { readModelFile, writeModelFile } from './model-file.js';

/** The MinHash settings signatures are made with (`dedup.minhash` in the config). */
export interface MinHashParams {
  bands: number;
  rows: number;
  ngram: number;
  seed: number;
}

export interface SignaturePart {
  params: MinHashParams;
  shard: { index: number; count: number };
  /** Input part files of this shard (base names) and their document counts, in order. */
  parts: Array<{ file: string; docs: number }>;
  ids: string[];
  exact: BigInt64Array;
  sigs: Uint32Array;
  bands: Float64Array;
}

const KIND = 'dedup-signatures';

export async function writeSignatures(path: string, s: SignaturePart): Promise<void> {
  await writeModelFile(path, {
    kind: KIND,
    meta: { params: s.params, shard: s.shard, parts: s.parts, ids: s.ids },
    arrays: { exact: s.exact, sigs: s.sigs, bands: s.bands },
  });
}

export function readSignatures(path: string): SignaturePart {
  const m = readModelFile(path, KIND, 'write it with `moe dedup --shard I/N --out DIR` on the same input');
  const meta = m.meta as {
    params: MinHashParams;
    shard: SignaturePart['shard'];
    parts: SignaturePart['parts'];
    ids: string[];
  };
  return {
    ...meta,
    exact: m.arrays.exact as BigInt64Array,
    sigs: m.arrays.sigs as Uint32Array,
    bands: m.arrays.bands as Float64Array,
  };
}
