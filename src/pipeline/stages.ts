/**
 * Each stage's run options from a resolved config, built in one place for `moe curate` and for
 * the stage commands (`moe ingest`, `filter`, `dedup`, `tokenize`): the same config gives the same
 * run whichever way it is started. Paths a config names are read from the config file's folder;
 * paths on the command line from the shell's.
 */
import { resolve } from 'node:path';
import type { FilterConfig } from '../config/filter-schema.js';
import type { DedupConfig, IngestConfig } from '../config/schema.js';
import { loadEvalSet } from '../dedup/decontaminate.js';
import { type MinHashFlags, minhashParams } from '../dedup/params.js';
import type { DedupRun } from '../dedup/run.js';
import { type FilterRun, modelPaths } from '../filter/run.js';
import type { IngestRun } from '../ingest/ingest.js';
import { resolveFromConfig } from '../io/config-file.js';
import type { TokenizeRun } from '../tokenizer/run.js';

/** What every stage run takes from its caller: threads, progress, and curate's `--strict`, `--from`, `--plan`. */
export interface StageCommon {
  workers: number;
  silent?: boolean;
  strict?: boolean;
  force?: boolean;
  plan?: boolean;
}

export function ingestRun(
  config: IngestConfig,
  io: { inputs: string[]; out: string },
  common: StageCommon,
  flags: { source?: IngestConfig['source']; shard?: IngestRun['shard'] } = {},
): IngestRun {
  return {
    ...io,
    config: flags.source ? { ...config, source: flags.source } : config,
    ...(flags.shard ? { shard: flags.shard } : {}),
    ...common,
  };
}

export function filterRun(
  config: FilterConfig,
  configFile: string | undefined,
  io: { input: string; out?: string },
  common: StageCommon,
  flags: { annotate?: boolean; keepRejected?: boolean; dryRun?: boolean } = {},
): FilterRun {
  return {
    ...io,
    config: flags.annotate ? { ...config, annotate: true } : config,
    modelPaths: modelPaths(config, configFile),
    keepRejected: Boolean(flags.keepRejected) || config.keepRejected,
    dryRun: Boolean(flags.dryRun),
    ...common,
  };
}

/** The command line's dedup flags over the config's (`against` paths are the shell's). */
export interface DedupFlags extends MinHashFlags {
  against?: string[];
  againstNgram?: number;
  dropAllCopies?: boolean;
  verify?: boolean;
}

/** Reads the eval sets to decontaminate against, so it is async. */
export async function dedupRun(
  config: DedupConfig,
  configFile: string | undefined,
  io: { input: string; out: string; db: string; privateIndex?: boolean },
  common: StageCommon,
  flags: DedupFlags = {},
): Promise<DedupRun> {
  const ngram = flags.againstNgram ?? config.againstNgram;
  const against = flags.against?.map((p) => resolve(p)) ?? config.against.map((p) => resolveFromConfig(configFile, p));
  const evals = [];
  for (const path of against) evals.push(await loadEvalSet(path, ngram));
  return {
    ...io,
    params: minhashParams(config, flags),
    evals,
    evalNgram: ngram,
    dropAllCopies: flags.dropAllCopies ?? config.dropAllCopies,
    verifyThreshold: flags.verify ? (flags.threshold ?? config.threshold ?? 0.8) : undefined,
    maxDocBytes: config.maxDocBytes,
    ...common,
  };
}

export function tokenizeRun(
  io: { input: string; out: string; tokenizer: string },
  settings: { valFraction: number; maxDocBytes?: number },
  common: StageCommon,
): TokenizeRun {
  return { ...io, ...settings, ...common };
}
