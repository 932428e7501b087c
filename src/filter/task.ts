/**
 * The unit of parallel filter work: a chunk of input JSONL lines (about 1 MiB), judged and
 * encoded as gzip members for the kept and the rejected output. Runs in a worker thread or
 * in-process (`core/pool.ts`); models are loaded once per thread.
 */
import type { FilterConfig } from '../config/filter-schema.js';
import type { Doc } from '../core/doc.js';
import type { StageStats } from '../core/stats.js';
import { type DocChunk, type EncodedBatch, encodeBatch, parseChunk } from '../io/jsonl.js';
import { Chains } from './chain.js';
import type { ResolvedParams } from './params.js';
import { QualityClassifier } from './models/classifier.js';
import { NgramLm } from './models/ngram-lm.js';

export interface FilterInit {
  config: FilterConfig;
  /** Every step's parameters, resolved on the main thread (`resolveParams`: a worker never loads zod). */
  params: ResolvedParams;
  /** Model files by step name, resolved paths. */
  modelPaths: Record<string, string>;
  learned: Record<string, number>;
  keepRejected: boolean;
  /** Measure only: encode nothing. */
  dryRun: boolean;
}

export interface FilterOutput {
  kept?: EncodedBatch;
  rejected?: EncodedBatch;
}

/** Loads the models a config names. */
export function loadModels(paths: Record<string, string>): Record<string, unknown> {
  const models: Record<string, unknown> = {};
  if (paths.perplexity) models.perplexity = NgramLm.load(paths.perplexity);
  if (paths.classifier) models.classifier = QualityClassifier.load(paths.classifier);
  return models;
}

let chains: { init: FilterInit; chains: Chains } | undefined;

function chainsFor(init: FilterInit): Chains {
  if (chains?.init !== init)
    chains = {
      init,
      chains: new Chains({
        config: init.config,
        params: init.params,
        models: loadModels(init.modelPaths),
        learned: init.learned,
      }),
    };
  return chains.chains;
}

export async function* runTask(
  task: DocChunk,
  init: FilterInit,
  stats: StageStats,
): AsyncGenerator<FilterOutput[], number> {
  const c = chainsFor(init);
  const kept: Doc[] = [];
  const rejected: Doc[] = [];
  const docs = parseChunk(task);
  await c.load(new Set(docs.map((d) => d.source)));
  for (const doc of docs) {
    const v = c.run(doc, stats);
    if (!v.drop) kept.push(v.doc);
    else if (init.keepRejected) rejected.push(v.doc);
  }
  if (!init.dryRun)
    yield [
      {
        kept: kept.length ? encodeBatch(kept) : undefined,
        rejected: rejected.length ? encodeBatch(rejected) : undefined,
      },
    ];
  return docs.length;
}
