/**
 * `moe dedup`: exact and near-duplicate removal against a persistent SQLite index. Pass 1 computes
 * each document's signature (workers, input order) and stores the batch's documents and LSH
 * buckets; candidates are clustered (union-find, optionally checked by true Jaccard); pass 2, the
 * stage's driven loop, writes each document kept or removed with its verdict.
 */
import { taskModule } from '../core/pool.js';
import { stageLoop } from '../core/stage-loop.js';
import type { Stage, StageContext } from '../core/stage-contract.js';
import { displayPath, type StageReport } from '../core/stage.js';
import { type DriverFields, inputParts, runStage, stageFingerprint } from '../io/stage-dir.js';
import type { StageStats } from '../core/stats.js';
import { DedupDb } from '../io/dedup-db.js';
import { removeFile, sha256File, sha256Text } from '../io/files.js';
import { docBound, MAX_DOC_BYTES, type PartInfo, readChunks } from '../io/jsonl.js';
import { Clusters } from './clusters.js';
import type { EvalSet } from './decontaminate.js';
import type { MinHashParams } from '../io/signatures.js';
import { verifiedUnions } from './verify.js';
import { OutputPass, Tally } from './output.js';
import type { CheckedChunk, OutputInit, OutputTask } from './output-task.js';
import type { SignedChunk } from './task.js';

/** Bump when normalisation or shingling changes: an index built otherwise is refused. */
export const SCHEME = 1;
/** Documents stored per index transaction. */
const COMMIT_DOCS = 50_000;

export interface DedupRun {
  input: string;
  out: string;
  db: string;
  params: MinHashParams;
  workers: number;
  /** Evaluation sets to decontaminate against (`--against`). */
  evals?: EvalSet[];
  /** Words per decontamination n-gram (13, as GPT-3 and Dolma). */
  evalNgram?: number;
  /** Remove every member of a duplicate cluster, the earliest too (`--drop-all-copies`). */
  dropAllCopies?: boolean;
  /**
   * The index belongs to this run alone (curate's RUN/dedup.sqlite): when the stage has to run
   * again (its input or settings changed), start from an empty index instead of deduplicating
   * the new input against the previous version of itself.
   */
  privateIndex?: boolean;
  /** Longest document line read from the input (bytes; `dedup.maxDocBytes`): longer ones are skipped and reported. */
  maxDocBytes?: number;
  /** `curate --strict`: a skipped document stops the run before the stage is written. */
  strict?: boolean;
  /** `curate --from`: run even when the output is complete for these inputs and settings. */
  force?: boolean;
  /** `curate --plan`: only say whether the stage would run (a `StagePlan` is thrown when it would). */
  plan?: boolean;
  /**
   * `--verify`: compute the true Jaccard similarity of each candidate pair from its shingles and
   * join only pairs at or above this threshold (pairs with a document of an earlier batch, whose
   * text is gone, use the MinHash estimate).
   */
  verifyThreshold?: number;
  silent?: boolean;
}

/**
 * The dedup stage's own report fields; the driver adds `stats` and `timing`, whose
 * `index_seconds` is pass 1 and clustering (reading, shingles, signatures, the SQLite LSH index,
 * candidates, union-find), the part a MinHash library such as datasketch does; the rest of
 * `seconds` is pass 2 (writing the outputs).
 */
export interface DedupOwn {
  input: string;
  db: string;
  params: MinHashParams;
  batch: number;
  docs_in: number;
  docs_out: number;
  exact_duplicates: number;
  near_duplicates: number;
  /** Clusters with more than one member that this batch touched. */
  clusters: number;
  bridged_clusters: number;
  decontamination: Record<string, { items: number; ngrams: number; docs_removed: number }>;
  dropped_all_copies: number;
  outputs: PartInfo[];
  removed_outputs: PartInfo[];
}

export type DedupReport = StageReport & DedupOwn & DriverFields;

async function removeIndex(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await removeFile(`${path}${suffix}`);
}

export async function fingerprintOf(run: DedupRun): Promise<string> {
  const parts = await inputParts(run.input, 'filter');
  const bound =
    run.maxDocBytes !== undefined && run.maxDocBytes !== MAX_DOC_BYTES ? { maxDocBytes: run.maxDocBytes } : {};
  return stageFingerprint({
    params: run.params,
    verify: run.verifyThreshold ?? null,
    ...bound,
    parts: parts.map((p) => sha256File(p)),
  });
}

/** Signatures of the input's documents (or of the given part files), computed in parallel, in input order. */
export async function* computeSignatures(
  run: DedupRun,
  stats: StageStats,
  parts?: string[],
): AsyncGenerator<SignedChunk> {
  const bound = docBound(run.maxDocBytes ?? MAX_DOC_BYTES, 'dedup.maxDocBytes', stats, run.strict);
  const pool = {
    tasks: readChunks(run.input, parts, bound),
    workers: run.workers,
    module: taskModule<typeof import('./task.js').runTask>(new URL('./task.js', import.meta.url)),
    init: run.params,
  };
  for await (const items of stageLoop(pool, { label: 'dedup: signatures', silent: run.silent, stats })) yield* items;
}

/** Pass 1 and clustering: stores this batch's documents and buckets, then its cluster roots. */
export async function indexBatch(
  run: DedupRun,
  index: DedupDb,
  batch: number,
  firstSeq: number,
  stats: StageStats,
  source: AsyncIterable<SignedChunk>,
): Promise<number> {
  const w = index.writer();
  const exactPairs: Array<[number, number]> = [];
  const { bands } = run.params;
  const size = bands * run.params.rows;
  let seq = firstSeq;
  const store = (c: SignedChunk): void => {
    const lshSeqs: number[] = [];
    const lshIndex: number[] = []; // where the document's band keys start in c.bands
    for (let i = 0; i < c.ids.length; i++, seq++) {
      const exact = c.exact[i]!;
      const earlier = w.earliestExact(exact);
      w.insertDoc(seq, c.ids[i]!, batch, exact, Buffer.from(c.sigs.buffer, c.sigs.byteOffset + i * size * 4, size * 4));
      if (earlier !== null) {
        exactPairs.push([seq, earlier]);
        continue; // exact duplicates never reach MinHash
      }
      lshSeqs.push(seq);
      lshIndex.push(i * bands);
    }
    // in key order (band, bucket, seq), the B-tree inserts walk its pages in order instead of at random
    const params: number[] = [];
    for (let b = 0; b < bands; b++) {
      const order = lshSeqs
        .map((_, k) => k)
        .sort((x, y) => c.bands[lshIndex[x]! + b]! - c.bands[lshIndex[y]! + b]! || x - y);
      for (const k of order) params.push(b, c.bands[lshIndex[k]! + b]!, lshSeqs[k]!);
    }
    w.insertBuckets(params);
  };
  // one transaction per COMMIT_DOCS documents, not per chunk
  await index.writeInTransactions(source, (c) => c.ids.length, COMMIT_DOCS, store);
  const count = seq - firstSeq;
  const clusters = new Clusters(firstSeq, count, (s) => index.clusterOf(s));
  for (const [a, b] of exactPairs) clusters.union(a, b);
  if (run.verifyThreshold === undefined) {
    for (const row of index.candidateGroups(firstSeq)) {
      const seqs = row.seqs.split(',').map(Number);
      for (let k = 1; k < seqs.length; k++) clusters.union(seqs[0]!, seqs[k]!);
    }
  } else await verifiedUnions(run, index, firstSeq, index.candidateGroups(firstSeq), clusters, stats);
  const bridged = clusters.bridged();
  const roots = function* (): Generator<[number, number]> {
    for (let s = firstSeq; s < firstSeq + count; s++) {
      const root = clusters.find(s);
      if (root !== s) yield [s, root];
    }
  };
  // a document of this batch joined clusters an earlier batch kept apart: they become one
  index.completeBatch(batch, count, roots(), bridged);
  return bridged.length;
}

type OutputTaskFn = typeof import('./output-task.js').runTask;

/**
 * Dedup as a stage: opening it runs pass 1 into the index (its own pool loop, the signatures)
 * and clusters the batch; the driver's loop is pass 2, the input again with each document's
 * verdict, kept and removed documents written in input order.
 */
class DedupStage implements Stage<OutputTaskFn, DedupOwn> {
  readonly name = 'dedup';
  readonly label = 'dedup: output';
  readonly module = taskModule<OutputTaskFn>(new URL('./output-task.js', import.meta.url));
  readonly input: string;
  readonly workers: number;
  /** The batch's fingerprint and the output's settings (eval sets, n-gram, dropping every copy). */
  readonly fingerprint: string;
  private readonly evals: EvalSet[];
  private readonly ngram: number;
  private index?: DedupDb;
  private batch = 0;
  private bridged = 0;
  private tally?: Tally;
  private pass?: OutputPass;

  constructor(
    private readonly run: DedupRun,
    /** The index batch's fingerprint (input and MinHash settings). */
    private readonly batchFingerprint: string,
  ) {
    this.input = run.input;
    this.workers = run.workers;
    this.evals = run.evals ?? [];
    this.ngram = run.evalNgram ?? 13;
    this.fingerprint = sha256Text(
      JSON.stringify({
        fingerprint: batchFingerprint,
        evals: this.evals.map((e) => [e.name, sha256Text(Buffer.from(e.keys.buffer).toString('base64'))]),
        evalNgram: this.ngram,
        drop: Boolean(run.dropAllCopies),
      }),
    );
  }

  async open(ctx: StageContext): Promise<void> {
    const { run } = this;
    if (run.privateIndex) await removeIndex(run.db);
    const index = (this.index = DedupDb.open(run.db, { ...run.params, scheme: SCHEME }));
    const b = index.batchFor(this.batchFingerprint, 0);
    this.batch = b.batch;
    if (!b.completed)
      this.bridged = await indexBatch(run, index, b.batch, b.firstSeq, ctx.stats, computeSignatures(run, ctx.stats));
    ctx.mark('index_seconds');
    this.tally = new Tally(this.evals.length, ctx.stats);
    this.pass = new OutputPass(run, ctx.dir!, index, index.batchDocs(b.batch), this.tally);
  }

  init(): OutputInit {
    return { evals: this.evals, ngram: this.ngram, input: this.run.input };
  }

  tasks(): AsyncGenerator<OutputTask> {
    return this.pass!.tasks();
  }

  /** The workers count only the bytes they read, for the progress line. */
  onTaskStats(): void {}

  write(out: CheckedChunk): Promise<void> {
    return this.pass!.write(out);
  }

  async close({ dir, stats }: StageContext): Promise<DedupOwn> {
    const { run } = this;
    const tally = this.tally!;
    const { kept, removed } = await this.pass!.close();
    const rel = (parts: PartInfo[]): PartInfo[] => parts.map((p) => ({ ...p, file: p.file.slice(dir!.length + 1) }));
    stats.count('docs_out', tally.docsOut);
    return {
      input: displayPath(run.input),
      db: displayPath(run.db),
      params: run.params,
      batch: this.batch,
      docs_in: tally.docsIn,
      docs_out: tally.docsOut,
      exact_duplicates: tally.exact,
      near_duplicates: tally.near,
      clusters: tally.touched.size,
      bridged_clusters: this.bridged,
      decontamination: Object.fromEntries(
        this.evals.map((e, i) => [
          e.name,
          { items: e.items, ngrams: e.keys.length, docs_removed: tally.contaminatedBy[i]! },
        ]),
      ),
      dropped_all_copies: tally.allCopies,
      outputs: rel(kept),
      removed_outputs: rel(removed),
    };
  }

  dispose(): void {
    this.index?.close();
  }
}

export async function runDedup(run: DedupRun): Promise<{ report: DedupReport; skipped: boolean }> {
  const started = Date.now();
  const stage = new DedupStage(run, await fingerprintOf(run));
  return runStage(stage, { out: run.out, force: run.force, plan: run.plan, silent: run.silent, started });
}
