/**
 * Dedup beyond one machine: each machine computes the signatures of its share of the input's
 * part files (`moe dedup --shard I/N`), and `moe dedup merge` indexes them all in input order,
 * exactly as a single run would, so the output pass then writes what one run writes.
 */
import { basename, join } from 'node:path';
import { DataError, UserError } from '../core/errors.js';
import { displayPath } from '../core/stage.js';
import { StageStats } from '../core/stats.js';
import { DedupDb } from '../io/dedup-db.js';
import { listParts } from '../io/jsonl.js';
import { readSignatures, type SignaturePart, writeSignatures } from '../io/signatures.js';
import { computeSignatures, type DedupRun, fingerprintOf, indexBatch, SCHEME } from './run.js';
import type { SignedChunk } from './task.js';

/** The input part files of shard I of N: the k-th part (sorted) belongs to shard k mod N. */
async function shardParts(input: string, shard: { index: number; count: number }): Promise<string[]> {
  return (await listParts(input)).filter((_, k) => k % shard.count === shard.index);
}

/** `moe dedup --shard I/N`: writes this shard's signature part into `out`; no index is touched. */
export async function writeShardSignatures(
  run: DedupRun,
  shard: { index: number; count: number },
): Promise<{ file: string; docs: number; parts: number }> {
  const stats = new StageStats();
  const parts = await shardParts(run.input, shard);
  const ids: string[] = [];
  const exact: bigint[] = [];
  const sigs: Uint32Array[] = [];
  const bands: Float64Array[] = [];
  const counts = new Map<string, number>(parts.map((p) => [displayPath(p), 0]));
  for await (const c of computeSignatures(run, stats, parts)) {
    ids.push(...c.ids);
    exact.push(...c.exact);
    sigs.push(c.sigs);
    bands.push(c.bands);
    counts.set(c.file, (counts.get(c.file) ?? 0) + c.ids.length);
  }
  const concat = <T extends Uint32Array | Float64Array>(xs: T[], make: (n: number) => T): T => {
    const out = make(xs.reduce((s, x) => s + x.length, 0));
    let at = 0;
    for (const x of xs) {
      out.set(x as never, at);
      at += x.length;
    }
    return out;
  };
  const file = join(run.out, `signatures-${shard.index}-of-${shard.count}.bin`);
  await writeSignatures(file, {
    params: run.params,
    shard,
    parts: parts.map((p) => ({ file: basename(p), docs: counts.get(displayPath(p)) ?? 0 })),
    ids,
    exact: BigInt64Array.from(exact),
    sigs: concat(sigs, (n) => new Uint32Array(n)),
    bands: concat(bands, (n) => new Float64Array(n)),
  });
  return { file, docs: ids.length, parts: parts.length };
}

/**
 * `moe dedup merge`: builds the index and clusters of the whole input from every shard's
 * signature part, in the input's order, as the single run would have; the output pass then
 * finds the batch complete and writes exactly what one run writes.
 */
export async function mergeShardSignatures(
  run: DedupRun,
  files: string[],
): Promise<{ docs: number; alreadyMerged: boolean }> {
  const sigParts = files.map(readSignatures);
  const count = sigParts[0]?.shard.count;
  const seen = new Set<number>();
  for (const [i, sp] of sigParts.entries()) {
    if (JSON.stringify(sp.params) !== JSON.stringify(run.params))
      throw new UserError(
        `${files[i]} was made with other MinHash parameters (${JSON.stringify(sp.params)})`,
        'merge parts made with the same --bands/--rows/--ngram',
      );
    if (sp.shard.count !== count)
      throw new UserError(
        `${files[i]} is shard ${sp.shard.index}/${sp.shard.count}, not of ${count} shards`,
        'merge the parts of one sharded run',
      );
    if (seen.has(sp.shard.index))
      throw new UserError(`shard ${sp.shard.index}/${count} is given twice`, 'pass each signature part once');
    seen.add(sp.shard.index);
  }
  if (!count || seen.size !== count) {
    const missing = Array.from({ length: count ?? 0 }, (_, i) => i).filter((i) => !seen.has(i));
    throw new UserError(
      `merge needs the signature parts of all ${count ?? '?'} shards; missing shard ${missing.map((i) => `${i}/${count}`).join(', ') || '?'}`,
      'run moe dedup --shard I/N for every I, then merge all parts',
    );
  }
  // where each input part's documents are: which signature part, and from which offset
  const where = new Map<string, { sp: SignaturePart; start: number; docs: number }>();
  for (const sp of sigParts) {
    let start = 0;
    for (const p of sp.parts) {
      where.set(p.file, { sp, start, docs: p.docs });
      start += p.docs;
    }
  }
  const inputParts = await listParts(run.input);
  for (const [k, p] of inputParts.entries()) {
    const w = where.get(basename(p));
    if (!w || w.sp.shard.index !== k % count)
      throw new DataError(
        `the signature parts do not match ${run.input} (part ${basename(p)})`,
        'compute the signatures of this input with --shard I/N',
      );
  }
  const fingerprint = await fingerprintOf(run);
  const index = DedupDb.open(run.db, { ...run.params, scheme: SCHEME });
  try {
    const b = index.batchFor(fingerprint, 0);
    if (b.completed) return { docs: b.docs, alreadyMerged: true };
    const size = run.params.bands * run.params.rows;
    const nb = run.params.bands;
    async function* source(): AsyncGenerator<SignedChunk> {
      for (const p of inputParts) {
        const { sp, start, docs } = where.get(basename(p))!;
        yield {
          file: displayPath(p),
          ids: sp.ids.slice(start, start + docs),
          exact: sp.exact.slice(start, start + docs),
          sigs: sp.sigs.slice(start * size, (start + docs) * size),
          bands: sp.bands.slice(start * nb, (start + docs) * nb),
        };
      }
    }
    await indexBatch(run, index, b.batch, b.firstSeq, new StageStats(), source());
    return { docs: sigParts.reduce((s, sp) => s + sp.ids.length, 0), alreadyMerged: false };
  } finally {
    index.close();
  }
}
