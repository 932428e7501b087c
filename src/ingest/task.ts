/**
 * The unit of parallel ingest work: a few units (code files are batched, papers and web files
 * go alone) read into documents. Runs in a worker thread or in-process (see `core/pool.ts`).
 * A unit that fails is reported with its path and reason; documents it yielded before failing
 * were complete and are kept; nothing partial is ever yielded.
 */
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Doc } from '../core/doc.js';
import { reasonOf } from '../core/errors.js';
import type { StageStats } from '../core/stats.js';
import { sha256File } from '../io/files.js';
import { type ArxivOptions, readArxiv } from './arxiv.js';
import { readCode } from './code.js';
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

const BATCH_DOCS = 256;
const BATCH_BYTES = 1 << 20;

async function* unitDocs(unit: Unit, opts: TaskOptions, stats: StageStats): AsyncGenerator<Doc> {
  if (unit.kind === 'code') {
    const doc = await readCode(unit, stats);
    if (doc) yield doc;
  } else if (unit.kind === 'arxiv') {
    const doc = await readArxiv(unit, opts.arxiv, stats);
    if (doc) yield doc;
  } else yield* webDocs(unit, opts.web, stats);
}

async function recordInputs(unit: Unit): Promise<InputRecord[]> {
  const paths = unit.kind === 'arxiv' && unit.files ? unit.files.map((f) => posix.join(unit.path, f)) : [unit.path];
  const out: InputRecord[] = [];
  for (const path of paths) {
    try {
      out.push({ path, size: (await stat(path)).size, sha256: await sha256File(path) });
    } catch {
      /* unreadable: already reported by the reader */
    }
  }
  return out;
}

export async function* runTask(task: IngestTask, init: unknown, stats: StageStats): AsyncGenerator<Doc[], InputRecord[]> {
  const opts = init as TaskOptions;
  const inputs: InputRecord[] = [];
  let batch: Doc[] = [];
  let bytes = 0;
  for (const unit of task.units) {
    stats.count('files_in');
    stats.count('bytes_in', unit.size);
    try {
      for await (const doc of unitDocs(unit, opts, stats)) {
        batch.push(doc);
        bytes += doc.text.length;
        if (batch.length >= BATCH_DOCS || bytes >= BATCH_BYTES) {
          yield batch;
          batch = [];
          bytes = 0;
        }
      }
    } catch (e) {
      stats.error(unit.path, reasonOf(e));
    }
    inputs.push(...(await recordInputs(unit)));
  }
  if (batch.length) yield batch;
  return inputs;
}
