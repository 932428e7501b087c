/**
 * `moe dedup --verify`: candidate pairs from the LSH buckets are joined only when their true
 * Jaccard similarity (from the shingle sets of a second read of the input) reaches the threshold.
 * A pair with a document of an earlier batch, whose text is gone, uses the MinHash estimate.
 */
import type { StageStats } from '../core/stats.js';
import type { DedupDb } from '../io/dedup-db.js';
import type { MinHashParams } from '../io/signatures.js';
import { MAX_DOC_BYTES, quietBound, readDocs } from '../io/jsonl.js';
import type { Clusters } from './clusters.js';
import { estimateJaccard, shingles } from './minhash.js';

/** Members of a bucket compared pairwise when verifying (larger buckets: each against these). */
const VERIFY_PAIRS_PER_BUCKET = 50;

/** What verifying reads of the dedup run. */
export interface VerifyRun {
  input: string;
  maxDocBytes?: number;
  params: MinHashParams;
  verifyThreshold?: number;
}

/** `--verify`: joins only candidate pairs whose true Jaccard similarity reaches the threshold. */
export async function verifiedUnions(
  run: VerifyRun,
  index: DedupDb,
  firstSeq: number,
  groups: Iterable<{ seqs: string }>,
  clusters: Clusters,
  stats: StageStats,
): Promise<void> {
  const pairs = new Set<string>();
  for (const row of groups) {
    const seqs = row.seqs
      .split(',')
      .map(Number)
      .sort((a, b) => a - b);
    for (let i = 0; i < Math.min(seqs.length, VERIFY_PAIRS_PER_BUCKET); i++) {
      for (let j = i + 1; j < seqs.length; j++) pairs.add(`${seqs[i]},${seqs[j]}`);
    }
  }
  const needed = new Set<number>();
  for (const p of pairs) for (const s of p.split(',').map(Number)) if (s >= firstSeq) needed.add(s);
  // the shingles of this batch's candidate documents, from a second read of the input
  const sets = new Map<number, Uint32Array>();
  let seq = firstSeq;
  for await (const doc of readDocs(run.input, quietBound(run.maxDocBytes ?? MAX_DOC_BYTES))) {
    if (needed.has(seq)) sets.set(seq, Uint32Array.from(new Set(shingles(doc.text, run.params.ngram))).sort());
    seq += 1;
  }
  const threshold = run.verifyThreshold!;
  for (const p of [...pairs].sort()) {
    const [a, b] = p.split(',').map(Number) as [number, number];
    const sa = sets.get(a);
    const sb = sets.get(b);
    const j = sa && sb ? exactJaccard(sa, sb) : estimateJaccard(index.signature(a), index.signature(b));
    stats.count('verify.pairs');
    if (j >= threshold) clusters.union(a, b);
    else stats.count('verify.false_positives');
  }
}

/** |A ∩ B| / |A ∪ B| of two sorted sets. */
export function exactJaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  const union = a.length + b.length - inter;
  return union ? inter / union : 1;
}
