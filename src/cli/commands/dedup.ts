/** `moe dedup --in DIR --out DIR --db FILE` and `moe dedup inspect`. */
import { resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { minhashParams } from '../../dedup/params.js';
import { type DedupReport, runDedup } from '../../dedup/run.js';
import { mergeShardSignatures, writeShardSignatures } from '../../dedup/shards.js';
import { parseShard } from '../../ingest/plan.js';
import { DedupDb } from '../../io/dedup-db.js';
import { dedupRun } from '../../pipeline/stages.js';
import { loadStageConfig, printJson, reportFileErrors } from './shared.js';

export interface DedupFlags {
  /** Required; optional here because the bare `moe dedup` checks them itself (see `folders`). */
  in?: string;
  out?: string;
  db?: string;
  config?: string;
  set: string[];
  threshold?: number;
  bands?: number;
  rows?: number;
  ngram?: number;
  workers: number;
  against?: string[];
  againstNgram?: number;
  dropAllCopies?: boolean;
  verify?: boolean;
  shard?: string;
  json?: boolean;
  quiet?: boolean;
}

export function printDedupSummary(r: DedupReport): void {
  info(
    `dedup: kept ${r.docs_out} of ${r.docs_in} docs; removed ${r.exact_duplicates} exact and ${r.near_duplicates} near duplicates; ${r.clusters} clusters (${r.params.bands} bands × ${r.params.rows} rows, ${r.params.ngram}-grams)`,
  );
  for (const [name, d] of Object.entries(r.decontamination))
    info(`dedup: ${d.docs_removed} docs share a word n-gram with ${name} (${d.items} items)`);
  if (r.dropped_all_copies) info(`dedup: --drop-all-copies removed ${r.dropped_all_copies} cluster survivors too`);
  if (r.bridged_clusters)
    info(`dedup: ${r.bridged_clusters} clusters of earlier batches were joined by documents of this one (see README)`);
}

/** --in, --out and --db, resolved; each is required. */
function folders(flags: DedupFlags): { input: string; out: string; db: string } {
  const need = (key: 'in' | 'out' | 'db'): string => {
    const value = flags[key];
    if (!value)
      throw new UserError(
        `moe dedup needs --${key}`,
        'e.g. moe dedup --in runs/demo/filter --out runs/demo/dedup --db runs/dedup.sqlite',
      );
    return resolve(value);
  };
  return { input: need('in'), out: need('out'), db: need('db') };
}

export async function dedupCommand(flags: DedupFlags): Promise<number> {
  if (flags.shard) return shardCommand(flags);
  const io = folders(flags);
  const { config, file } = await loadStageConfig(flags.config, flags.set);
  const run = await dedupRun(config.dedup, file, io, { workers: flags.workers, silent: flags.quiet }, flags);
  const { report, skipped } = await runDedup(run);
  if (skipped) info(`dedup: ${flags.out} is up to date; nothing to do`);
  printDedupSummary(report);
  reportFileErrors(report.stats.errors, report.stats.counts.errors ?? 0, false);
  if (flags.json)
    printJson({
      command: 'dedup',
      out: flags.out,
      skipped,
      docs_in: report.docs_in,
      docs_out: report.docs_out,
      exact_duplicates: report.exact_duplicates,
      near_duplicates: report.near_duplicates,
      clusters: report.clusters,
      bridged_clusters: report.bridged_clusters,
      decontamination: report.decontamination,
      dropped_all_copies: report.dropped_all_copies,
      params: report.params,
      seconds: report.timing.seconds,
      index_seconds: report.timing.index_seconds,
    });
  return 0;
}

export async function dedupInspectCommand(flags: {
  db: string;
  cluster?: string;
  doc?: string;
  json?: boolean;
}): Promise<number> {
  if (!flags.cluster && !flags.doc)
    throw new UserError(
      'moe dedup inspect needs --cluster ID or --doc ID',
      'ids are document ids, as in metadata.dedup.cluster_id or duplicate_of',
    );
  const index = DedupDb.openExisting(resolve(flags.db));
  try {
    const id = (flags.cluster ?? flags.doc)!;
    const row = index.firstWithId(id);
    if (!row) throw new UserError(`no document "${id}" in ${flags.db}`, 'use a document id from a dedup output');
    const members = index.clusterMembers(row.cluster);
    const survivor = members.find((m) => m.survivor)!;
    if (flags.json)
      printJson({
        cluster_id: survivor.id,
        size: members.length,
        members: members.map((m) => ({ id: m.id, batch: m.batch, survivor: m.survivor })),
      });
    else {
      process.stdout.write(`cluster ${survivor.id} (${members.length} document${members.length === 1 ? '' : 's'})\n`);
      for (const m of members)
        process.stdout.write(`  ${m.survivor ? 'kept   ' : 'removed'}  batch ${m.batch}  ${m.id}\n`);
    }
    return 0;
  } finally {
    index.close();
  }
}

async function shardCommand(flags: DedupFlags): Promise<number> {
  if (!flags.in || !flags.out)
    throw new UserError('moe dedup --shard needs --in and --out', 'e.g. moe dedup --in in/ --shard 0/4 --out sigs/');
  const { config } = await loadStageConfig(flags.config, flags.set);
  const shard = parseShard(flags.shard)!;
  const r = await writeShardSignatures(
    {
      input: resolve(flags.in),
      out: resolve(flags.out),
      db: '',
      params: minhashParams(config.dedup, flags),
      maxDocBytes: config.dedup.maxDocBytes,
      workers: flags.workers,
      silent: flags.quiet,
    },
    shard,
  );
  info(
    `dedup: shard ${shard.index}/${shard.count}: signatures of ${r.docs} docs from ${r.parts} part files → ${r.file}`,
  );
  if (flags.json) printJson({ command: 'dedup', shard: flags.shard, file: r.file, docs: r.docs, parts: r.parts });
  return 0;
}

export async function dedupMergeCommand(flags: DedupFlags & { signatures: string[] }): Promise<number> {
  // the run one machine would do with this config (its eval sets and drop-all-copies too)
  const io = folders(flags);
  const { config, file } = await loadStageConfig(flags.config, flags.set);
  const run = await dedupRun(config.dedup, file, io, { workers: flags.workers, silent: flags.quiet }, flags);
  const merged = await mergeShardSignatures(
    run,
    flags.signatures.map((f) => resolve(f)),
  );
  info(
    `dedup merge: ${merged.alreadyMerged ? 'index already holds this input' : `indexed ${merged.docs} docs from ${flags.signatures.length} signature parts`}`,
  );
  const { report, skipped } = await runDedup(run);
  if (skipped) info(`dedup: ${flags.out} is up to date; nothing to do`);
  printDedupSummary(report);
  if (flags.json)
    printJson({
      command: 'dedup merge',
      out: flags.out,
      docs_in: report.docs_in,
      docs_out: report.docs_out,
      exact_duplicates: report.exact_duplicates,
      near_duplicates: report.near_duplicates,
    });
  return 0;
}
