/**
 * Pass 2's parallel part: a chunk of input lines with the index's verdict for each document
 * (decided on the main thread, in input order) → the decontamination check, the metadata, and
 * the kept and removed documents serialised and compressed, so the main thread only appends.
 */
import type { Doc } from '../core/doc.js';
import { DataError } from '../core/errors.js';
import type { StageStats } from '../core/stats.js';
import { type DocChunk, type EncodedBatch, encodeBatch, parseChunk } from '../io/jsonl.js';
import { Contamination, type EvalSet } from './decontaminate.js';

export interface OutputInit {
  evals: EvalSet[];
  ngram: number;
  /** The input folder, for error messages. */
  input: string;
}

/** What the index decided for one document. */
export interface Verdict {
  /** The document id the index holds at this position (checked against the input). */
  id: string;
  keep: boolean;
  /** `metadata.dedup` of the written document. */
  dedup: Record<string, unknown>;
  /** For the report: why it was removed, and its cluster's root and size. */
  kind: 'kept' | 'exact' | 'near' | 'all_copies';
  root: number;
  size: number;
}

export interface OutputTask {
  chunk: DocChunk;
  verdicts: Verdict[];
}

export interface CheckedChunk {
  kept?: EncodedBatch;
  removed?: EncodedBatch;
  /** Per document, the evaluation set it is contaminated by, or -1. */
  contaminated: Int32Array;
}

let cached: { init: unknown; c: Contamination } | undefined;

export async function* runTask(
  task: OutputTask,
  init: OutputInit,
  stats: StageStats,
): AsyncGenerator<CheckedChunk[], number> {
  if (cached?.init !== init) cached = { init, c: new Contamination(init.evals, init.ngram) };
  const docs = parseChunk(task.chunk);
  const kept: Doc[] = [];
  const removed: Doc[] = [];
  const contaminated = new Int32Array(docs.length);
  docs.forEach((doc, k) => {
    stats.count('bytes_in', Buffer.byteLength(doc.text));
    const verdict = task.verdicts[k];
    if (verdict?.id !== doc.id)
      throw new DataError(
        `${init.input} does not match the index (document ${doc.id})`,
        'the input changed during the run; run moe dedup again',
      );
    const evalIndex = cached!.c.check(doc.text);
    contaminated[k] = evalIndex;
    if (evalIndex >= 0) {
      doc.metadata.decontamination = { eval: init.evals[evalIndex]!.name, ngram: init.ngram };
      removed.push(doc);
      return;
    }
    doc.metadata.dedup = verdict.dedup;
    (verdict.keep ? kept : removed).push(doc);
  });
  if (task.verdicts.length !== docs.length)
    throw new DataError(
      `${init.input} does not match the index (${docs.length} documents where it recorded ${task.verdicts.length})`,
      'the input changed during the run; run moe dedup again',
    );
  yield [
    {
      kept: kept.length ? encodeBatch(kept) : undefined,
      removed: removed.length ? encodeBatch(removed) : undefined,
      contaminated,
    },
  ];
  return docs.length;
}
