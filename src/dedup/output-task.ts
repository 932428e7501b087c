/** Pass 2's parallel part: a chunk's documents, with the evaluation set each is contaminated by (or -1). */
import type { Doc } from '../core/doc.js';
import type { StageStats } from '../core/stats.js';
import { type DocChunk, parseChunk } from '../io/jsonl.js';
import { Contamination, type EvalSet } from './decontaminate.js';

export interface OutputInit {
  evals: EvalSet[];
  ngram: number;
}

export interface CheckedChunk {
  docs: Doc[];
  contaminated: Int32Array;
}

let cached: { init: unknown; c: Contamination } | undefined;

export async function* runTask(chunk: DocChunk, initData: unknown, _stats: StageStats): AsyncGenerator<CheckedChunk[], number> {
  const init = initData as OutputInit;
  if (cached?.init !== initData) cached = { init: initData, c: new Contamination(init.evals, init.ngram) };
  const docs = parseChunk(chunk);
  yield [{ docs, contaminated: Int32Array.from(docs, (d) => cached!.c.check(d.text)) }];
  return docs.length;
}
