/**
 * Deduplication's output pass: the input read again, each document with the index's verdict
 * (kept, an exact or near copy of an earlier one, or one of a cluster dropped whole), through the
 * workers, which also remove documents holding an eval set's n-grams; kept and removed documents
 * written in input order, and counted.
 */
import { join } from 'node:path';
import { DataError } from '../core/errors.js';
import type { HistogramSpec, StageStats } from '../core/stats.js';
import { type DedupDb, sigOf } from '../io/dedup-db.js';
import { countLines, MAX_DOC_BYTES, type PartInfo, PartWriter, quietBound, readChunks } from '../io/jsonl.js';
import { estimateJaccard } from './minhash.js';
import type { CheckedChunk, OutputTask, Verdict } from './output-task.js';

/** What the output pass reads of a dedup run. */
export interface OutputRun {
  input: string;
  maxDocBytes?: number;
  /** Drop every copy of a duplicated document, the first included. */
  dropAllCopies?: boolean;
}

const SIZES: HistogramSpec = { kind: 'log2', maxExp: 20 };

/**
 * The output pass: the input again, each document with the index's verdict, through the workers
 * (which also look for eval sets' n-grams); kept and removed documents written in input order.
 * The dedup stage hands the driver its `tasks` and each worker item to `write`.
 */
export class OutputPass {
  private readonly kept: PartWriter;
  private readonly removed: PartWriter;
  private readonly verdict: () => Verdict;
  /** Each task's verdicts, in task order, until its item comes back. */
  private readonly sent: Verdict[][] = [];

  constructor(
    private readonly run: OutputRun,
    dir: string,
    index: DedupDb,
    private readonly rows: ReturnType<DedupDb['batchDocs']>,
    private readonly tally: Tally,
  ) {
    this.kept = new PartWriter({ dir });
    this.removed = new PartWriter({ dir: join(dir, 'removed') });
    this.verdict = verdictReader(index, rows, run);
  }

  async *tasks(): AsyncGenerator<OutputTask> {
    for await (const chunk of readChunks(
      this.run.input,
      undefined,
      quietBound(this.run.maxDocBytes ?? MAX_DOC_BYTES),
    )) {
      const verdicts = Array.from({ length: countLines(chunk.bytes) }, this.verdict);
      this.sent.push(verdicts);
      yield { chunk, verdicts };
    }
  }

  async write(out: CheckedChunk): Promise<void> {
    const verdicts = this.sent.shift()!;
    for (const [k, v] of verdicts.entries()) this.tally.add(v, out.contaminated[k]!);
    if (out.kept) await this.kept.writeEncoded(out.kept);
    if (out.removed) await this.removed.writeEncoded(out.removed);
  }

  async close(): Promise<{ kept: PartInfo[]; removed: PartInfo[] }> {
    if (!this.rows.next().done)
      throw new DataError(
        `${this.run.input} has fewer documents than the index recorded`,
        'the input changed during the run; run moe dedup again',
      );
    return { kept: await this.kept.close(), removed: await this.removed.close() };
  }
}

/** The index's verdict for the next document of the input, in input order, at each call. */
function verdictReader(index: DedupDb, rows: ReturnType<DedupDb['batchDocs']>, run: OutputRun): () => Verdict {
  const sizes = new Map<number, number>();
  return (): Verdict => {
    const row = rows.next().value as { seq: number; id: string; cluster: number } | undefined;
    if (!row)
      throw new DataError(
        `${run.input} has more documents than the index recorded`,
        'the input changed during the run; run moe dedup again',
      );
    const root = row.cluster;
    let size = sizes.get(root);
    if (size === undefined) sizes.set(root, (size = index.clusterSize(root)));
    if (root === row.seq) {
      if (run.dropAllCopies && size > 1)
        return {
          id: row.id,
          keep: false,
          kind: 'all_copies',
          root,
          size,
          dedup: { cluster_id: row.id, cluster_size: size, dropped_all_copies: true },
        };
      return {
        id: row.id,
        keep: true,
        kind: 'kept',
        root,
        size,
        dedup: { cluster_id: row.id, cluster_size: size },
      };
    }
    const me = index.docAt(row.seq);
    const other = index.docAt(root);
    const isExact = me.exact === other.exact;
    const jaccard = isExact ? 1 : Math.round(estimateJaccard(sigOf(me.sig), sigOf(other.sig)) * 1e4) / 1e4;
    return {
      id: row.id,
      keep: false,
      kind: isExact ? 'exact' : 'near',
      root,
      size,
      dedup: { duplicate_of: other.id, jaccard },
    };
  };
}

/** The output pass's counts: documents in and kept, duplicates by kind, clusters touched, documents per eval set. */
export class Tally {
  docsIn = 0;
  docsOut = 0;
  exact = 0;
  near = 0;
  allCopies = 0;
  readonly touched = new Set<number>();
  readonly contaminatedBy: number[];

  constructor(
    evals: number,
    readonly stats: StageStats,
  ) {
    this.contaminatedBy = new Array<number>(evals).fill(0);
  }

  /** One document's verdict; `evalIndex` ≥ 0 when it was removed for holding an eval set's n-gram. */
  add(v: Verdict, evalIndex: number): void {
    this.docsIn += 1;
    if (v.size > 1) this.touched.add(v.root);
    if (evalIndex >= 0) this.contaminatedBy[evalIndex]! += 1;
    else if (v.kind === 'exact') this.exact += 1;
    else if (v.kind === 'near') this.near += 1;
    else {
      this.stats.histogram('cluster_size', v.size, SIZES);
      if (v.kind === 'kept') this.docsOut += 1;
      else this.allCopies += 1;
    }
  }
}
