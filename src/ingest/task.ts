/**
 * The unit of parallel ingest work: a few units (code files are batched, papers and web files
 * go alone) read into documents. Runs in a worker thread or in-process (see `core/pool.ts`).
 * A unit that fails is reported with its path and reason; documents it yielded before failing
 * were complete and are kept; nothing partial is ever yielded.
 */
import { posix } from 'node:path';
import type { Doc } from '../core/doc.js';
import { reasonOf } from '../core/errors.js';
import type { StageStats } from '../core/stats.js';
import { fileSizeSync, readBytes, sha256Bytes, sha256File } from '../io/files.js';
import { type EncodedBatch, encodeBatch } from '../io/jsonl.js';
import { type ArxivOptions, arxivDocs } from './arxiv.js';
import { codeDoc } from './code.js';
import type { Unit } from './plan.js';
import { type WebOptions, webDocs } from './web.js';

export interface IngestTask {
  units: Unit[];
}

export interface TaskOptions {
  arxiv: ArxivOptions;
  web: WebOptions;
}

/** One input file as recorded in the report and manifest. */
export interface InputRecord {
  path: string;
  size: number;
  sha256: string;
}

/** A batch (one gzip member in the output) closes at this many documents or text bytes. */
const BATCH_DOCS = 1024;
const BATCH_BYTES = 1 << 20;

async function* unitDocs(unit: Unit, opts: TaskOptions, stats: StageStats, inputs: InputRecord[]): AsyncGenerator<Doc> {
  if (unit.kind === 'code') {
    // read once: the same bytes make the document and its input hash
    const bytes = readBytes(unit.path);
    inputs.push({ path: unit.path, size: bytes.length, sha256: sha256Bytes(bytes) });
    const doc = codeDoc(unit, bytes, stats);
    if (doc) yield doc;
    return;
  }
  // hashed first, so a file that turns out corrupt is still recorded as an input
  const paths = unit.kind === 'arxiv' && unit.files ? unit.files.map((f) => posix.join(unit.path, f)) : [unit.path];
  for (const path of paths) inputs.push({ path, size: fileSizeSync(path), sha256: sha256File(path) });
  if (unit.kind === 'arxiv') yield* arxivDocs(unit, opts.arxiv, stats);
  else yield* webDocs(unit, opts.web, stats);
}

export async function* runTask(
  task: IngestTask,
  opts: TaskOptions,
  stats: StageStats,
): AsyncGenerator<EncodedBatch[], InputRecord[]> {
  const inputs: InputRecord[] = [];
  let batch: Doc[] = [];
  let bytes = 0;
  for (const unit of task.units) {
    stats.count('files_in');
    stats.count('bytes_in', unit.size);
    try {
      for await (const doc of unitDocs(unit, opts, stats, inputs)) {
        batch.push(doc);
        bytes += doc.text.length;
        stats.count(`docs_out.${doc.source}`);
        stats.observe('doc_chars', doc.text.length);
        if (batch.length >= BATCH_DOCS || bytes >= BATCH_BYTES) {
          yield [encodeBatch(batch)];
          batch = [];
          bytes = 0;
        }
      }
    } catch (e) {
      stats.error(unit.path, reasonOf(e));
    }
  }
  if (batch.length) yield [encodeBatch(batch)];
  return inputs;
}
