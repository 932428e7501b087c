/**
 * `moe curate --config FILE [--out RUN]`: the pipeline of DESIGN §2 into a run folder. Each
 * stage reads the previous stage's folder and is skipped when already complete for the same
 * inputs and config; `manifest.json` (inputs, resolved config and its hash, every output file
 * with its sha256, per-stage counts) is written last, atomically, and holds no timings, so two
 * runs of the same config produce the same manifest byte for byte.
 */
import { join, resolve } from 'node:path';
import { loadConfig, resolveFromConfig } from '../../config/load.js';
import { CurateSchema } from '../../config/schema.js';
import { info } from '../../core/log.js';
import { TOOL_VERSION } from '../../core/stage.js';
import { writeJsonAtomic } from '../../io/files.js';
import { loadEvalSet } from '../../dedup/decontaminate.js';
import { runDedup } from '../../dedup/run.js';
import { runFilter } from '../../filter/run.js';
import { runIngest } from '../../ingest/ingest.js';
import { minhashParams, printDedupSummary } from './dedup.js';
import { modelPaths, printFilterTable } from './filter.js';
import { printJson, reportFileErrors } from './shared.js';

export interface CurateFlags {
  config: string;
  out?: string;
  workers: number;
  set: string[];
  strict?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export async function curateCommand(flags: CurateFlags): Promise<number> {
  const { config, hash, file } = await loadConfig(CurateSchema, flags.config, flags.set);
  const run = resolve(flags.out ?? join('runs', config.name));
  const inputs = config.inputs.map((p) => resolveFromConfig(file, p));

  const ingest = await runIngest({ inputs, out: join(run, 'ingest'), config: config.ingest, workers: flags.workers, silent: flags.quiet });
  const ingestErrors = ingest.report.stats.counts.errors ?? 0;
  info(`curate: ingest ${ingest.skipped ? 'up to date' : 'done'}: ${ingest.report.docs_out} docs`);

  const filter = await runFilter({
    input: join(run, 'ingest'),
    out: join(run, 'filter'),
    config: config.filter,
    modelPaths: modelPaths(config.filter, file),
    workers: flags.workers,
    keepRejected: config.filter.keepRejected,
    dryRun: false,
    silent: flags.quiet,
  });
  info(`curate: filter ${filter.skipped ? 'up to date' : 'done'}: kept ${filter.report.docs_out} of ${filter.report.docs_in} docs`);
  if (!flags.quiet) printFilterTable(filter.report);

  const dedupDb = config.dedup.db ? resolveFromConfig(file, config.dedup.db) : join(run, 'dedup.sqlite');
  const evals = [];
  for (const path of config.dedup.against) evals.push(await loadEvalSet(resolveFromConfig(file, path), config.dedup.againstNgram));
  const dedup = await runDedup({
    input: join(run, 'filter'),
    out: join(run, 'dedup'),
    db: dedupDb,
    params: minhashParams(config.dedup, {}),
    workers: flags.workers,
    evals,
    evalNgram: config.dedup.againstNgram,
    dropAllCopies: config.dedup.dropAllCopies,
    privateIndex: !config.dedup.db,
    silent: flags.quiet,
  });
  info(`curate: dedup ${dedup.skipped ? 'up to date' : 'done'}: kept ${dedup.report.docs_out} of ${dedup.report.docs_in} docs`);
  if (!flags.quiet) printDedupSummary(dedup.report);

  const stages = {
    ingest: { skipped: ingest.skipped, counts: ingest.report.stats.counts, errors: ingest.report.stats.errors, seconds: ingest.report.timing.seconds },
    filter: {
      skipped: filter.skipped,
      docs_in: filter.report.docs_in,
      docs_out: filter.report.docs_out,
      bytes_in: filter.report.bytes_in,
      bytes_out: filter.report.bytes_out,
      filters: filter.report.filters,
      learned_thresholds: filter.report.learned_thresholds,
      seconds: filter.report.timing.seconds,
    },
    dedup: {
      skipped: dedup.skipped,
      docs_in: dedup.report.docs_in,
      docs_out: dedup.report.docs_out,
      exact_duplicates: dedup.report.exact_duplicates,
      near_duplicates: dedup.report.near_duplicates,
      clusters: dedup.report.clusters,
      decontamination: dedup.report.decontamination,
      seconds: dedup.report.timing.seconds,
    },
  };
  await writeJsonAtomic(join(run, 'report.json'), { name: config.name, config_sha256: hash, stages });
  const outputs = (stage: string, parts: Array<{ file: string; docs: number; sha256: string }>) => parts.map((o) => ({ file: `${stage}/${o.file}`, docs: o.docs, sha256: o.sha256 }));
  const manifest = {
    tool_version: TOOL_VERSION,
    name: config.name,
    config_sha256: hash,
    config,
    seed: config.seed,
    inputs: ingest.report.inputs,
    models: filter.report.models,
    stages: {
      ingest: { docs_out: ingest.report.docs_out, counts: ingest.report.stats.counts },
      filter: { docs_in: filter.report.docs_in, docs_out: filter.report.docs_out, learned_thresholds: filter.report.learned_thresholds, dropped: Object.fromEntries(Object.entries(filter.report.filters).map(([k, f]) => [k, f.dropped])) },
      dedup: { params: dedup.report.params, docs_in: dedup.report.docs_in, docs_out: dedup.report.docs_out, exact_duplicates: dedup.report.exact_duplicates, near_duplicates: dedup.report.near_duplicates, decontamination: dedup.report.decontamination },
    },
    outputs: [
      ...outputs('ingest', ingest.report.outputs),
      ...outputs('filter', filter.report.outputs),
      ...outputs('filter', filter.report.rejected_outputs),
      ...outputs('dedup', dedup.report.outputs),
      ...outputs('dedup', dedup.report.removed_outputs),
    ],
  };
  await writeJsonAtomic(join(run, 'manifest.json'), manifest);
  info(`curate: run folder ${flags.out ?? join('runs', config.name)} (manifest.json, report.json)`);
  const code = reportFileErrors(ingest.errors, ingestErrors, flags.strict);
  if (flags.json) {
    printJson({
      command: 'curate',
      out: run,
      config_sha256: hash,
      stages: {
        ingest: { docs_out: ingest.report.docs_out, errors: ingestErrors, skipped: ingest.skipped },
        filter: { docs_in: filter.report.docs_in, docs_out: filter.report.docs_out, skipped: filter.skipped },
        dedup: { docs_in: dedup.report.docs_in, docs_out: dedup.report.docs_out, skipped: dedup.skipped },
      },
    });
  }
  return code;
}
