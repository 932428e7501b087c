/**
 * The pipeline of docs/DESIGN.md §2 into a run folder (`moe curate`). Each stage reads the
 * previous stage's folder and is skipped when already complete for the same inputs and config;
 * `manifest.json` (inputs, resolved config and its hash, every output file with its sha256,
 * per-stage counts) is written last, atomically, and holds no timings, so two runs of the same
 * config produce the same manifest byte for byte. The CLI prints; this module runs.
 */
import { join, resolve } from 'node:path';
import { CurateSchema, type CurateConfig } from '../config/schema.js';
import { UserError } from '../core/errors.js';
import { info } from '../core/log.js';
import type { FileError } from '../core/stats.js';
import { type DedupReport, runDedup } from '../dedup/run.js';
import { type FilterReport, runFilter } from '../filter/run.js';
import { runIngest } from '../ingest/ingest.js';
import { loadConfig, resolveFromConfig } from '../io/config-file.js';
import { removeFile, writeJsonAtomic } from '../io/files.js';
import { checkOutFolder } from '../io/stage-dir.js';
import { writeReport } from '../report/html.js';
import { runTokenize } from '../tokenizer/run.js';
import { curateManifest } from './manifest.js';
import { checkRunFolder } from './run-folder.js';
import { dedupRun, filterRun, ingestRun, tokenizeRun } from './stages.js';
import { tokenizerFor } from './tokenizer.js';

/** The stages of a curate run, in order (`--from`, `--until`). */
export const STAGES = ['ingest', 'filter', 'dedup', 'tokenize'] as const;
export type CurateStage = (typeof STAGES)[number];

export interface CurateOptions {
  /** The YAML config file, and `--set` overrides. */
  config: string;
  set: string[];
  /** The run folder (default runs/<config name>). */
  out?: string;
  /** This stage and the ones after it run even when up to date. */
  from?: CurateStage;
  /** The run stops after this stage (no manifest). */
  until?: CurateStage;
  /** Say which stages would run and why (a `StagePlan` is thrown naming the first); write nothing. */
  plan?: boolean;
  workers: number;
  strict?: boolean;
  quiet?: boolean;
}

/** What the CLI shows of a stage as it finishes (the filter table, the dedup summary). */
export interface CurateHooks {
  filterDone?: (report: FilterReport) => void;
  dedupDone?: (report: DedupReport) => void;
}

export interface CurateResult {
  /** The run folder, absolute, and as the user named it (for messages). */
  run: string;
  shown: string;
  config_sha256: string;
  /** `done`: through tokenize, manifest written; `stopped`: `--until`; `planned`: `--plan`, all up to date. */
  end: 'done' | 'stopped' | 'planned';
  /** Input problems of every stage (the first few, and the count). */
  problems: FileError[];
  problemCount: number;
  /** The one-line-per-stage summary `--json` prints. */
  summary: Record<string, unknown>;
}

/** Runs `moe curate`; throws `StagePlan` under `plan` when a stage would run. */
export async function runCurate(opts: CurateOptions, hooks: CurateHooks = {}): Promise<CurateResult> {
  const { config, hash, file } = await loadConfig(CurateSchema, opts.config, opts.set);
  if (opts.plan && opts.until)
    throw new UserError('--plan writes nothing, so --until would change nothing', 'drop one of them');
  if (opts.from && opts.until && STAGES.indexOf(opts.from) > STAGES.indexOf(opts.until)) {
    throw new UserError(
      `--from ${opts.from} comes after --until ${opts.until}`,
      `the stages run in the order ${STAGES.join(', ')}`,
    );
  }
  const shown = opts.out ?? join('runs', config.name);
  const run = resolve(shown);
  await checkOutFolder(run);
  await checkRunFolder(run);
  const ctx = new CurateRun(opts, config, hash, file, run, shown);
  return ctx.go(hooks);
}

/** One curate run's state: the stage summaries for report.json and the problems seen so far. */
class CurateRun {
  private readonly stages: Record<string, unknown> = {};
  private readonly problems: FileError[] = [];
  private problemCount = 0;

  constructor(
    private readonly opts: CurateOptions,
    private readonly config: CurateConfig,
    private readonly hash: string,
    private readonly file: string | undefined,
    private readonly run: string,
    private readonly shown: string,
  ) {}

  /** --from S: S and the stages after it run even when up to date. */
  private force(s: CurateStage): boolean {
    return this.opts.from !== undefined && STAGES.indexOf(s) >= STAGES.indexOf(this.opts.from);
  }

  private note(stats: { errors: FileError[]; counts: Record<string, number> }): void {
    this.problems.push(...stats.errors);
    this.problemCount += stats.counts.errors ?? 0;
  }

  private result(end: CurateResult['end'], summary: Record<string, unknown> = {}): CurateResult {
    const { run, shown, hash, problems, problemCount } = this;
    return { run, shown, config_sha256: hash, end, problems, problemCount, summary };
  }

  /** --until S: after S, report.json without a manifest (an earlier one would no longer describe the folder). */
  private async stopsAfter(s: CurateStage): Promise<boolean> {
    if (this.opts.until !== s) return false;
    await removeFile(join(this.run, 'manifest.json'));
    const { name } = this.config;
    await writeJsonAtomic(join(this.run, 'report.json'), {
      name,
      config_sha256: this.hash,
      until: s,
      stages: this.stages,
    });
    info(`curate: stopped after ${s} (--until ${s}); manifest.json is written when a run goes through tokenize`);
    return true;
  }

  /** The shared settings of every stage run. */
  private common(s: CurateStage) {
    const { workers, strict, plan, quiet } = this.opts;
    return { workers, strict, plan, silent: quiet, force: this.force(s) };
  }

  /** The four stages in order, each skipped when up to date; --until stops after its stage. */
  async go(hooks: CurateHooks): Promise<CurateResult> {
    const ingest = await this.ingest();
    if (await this.stopsAfter('ingest')) return this.result('stopped');
    const filter = await this.filter(hooks);
    if (await this.stopsAfter('filter')) return this.result('stopped');
    const dedup = await this.dedup(hooks);
    if (await this.stopsAfter('dedup')) return this.result('stopped');
    const tokenized = await this.tokenize(dedup.report.fingerprint);
    if (this.opts.plan) {
      info('curate: every stage is up to date; --plan wrote nothing');
      return this.result('planned');
    }
    const { run, config, hash } = this;
    await writeJsonAtomic(join(run, 'report.json'), { name: config.name, config_sha256: hash, stages: this.stages });
    const manifest = await curateManifest({ run, config, hash, ingest, filter, dedup, tokenized });
    await writeJsonAtomic(join(run, 'manifest.json'), manifest);
    await writeReport([run], join(run, 'report.html'));
    info(`curate: run folder ${this.shown} (manifest.json, report.json); charts: ${join(this.shown, 'report.html')}`);
    const [fr, dr] = [filter.report, dedup.report];
    return this.result('done', {
      ingest: {
        docs_out: ingest.report.docs_out,
        errors: ingest.report.stats.counts.errors ?? 0,
        skipped: ingest.skipped,
      },
      filter: { docs_in: fr.docs_in, docs_out: fr.docs_out, skipped: filter.skipped },
      dedup: { docs_in: dr.docs_in, docs_out: dr.docs_out, skipped: dedup.skipped },
      tokenize: { splits: tokenized.report.splits, skipped: tokenized.skipped },
    });
  }

  private async ingest() {
    const { config, run, file } = this;
    const inputs = config.inputs.map((p) => resolveFromConfig(file, p));
    const ingest = await runIngest(
      ingestRun(config.ingest, { inputs, out: join(run, 'ingest') }, this.common('ingest')),
    );
    const ingestErrors = ingest.report.stats.counts.errors ?? 0;
    this.problems.push(...ingest.errors);
    this.problemCount += ingestErrors;
    info(`curate: ingest ${ingest.skipped ? 'up to date' : 'done'}: ${ingest.report.docs_out} docs`);
    const { counts, errors } = ingest.report.stats;
    this.stages.ingest = { skipped: ingest.skipped, counts, errors, seconds: ingest.report.timing.seconds };
    return ingest;
  }

  private async filter(hooks: CurateHooks) {
    const { config, run, file } = this;
    const io = { input: join(run, 'ingest'), out: join(run, 'filter') };
    const filter = await runFilter(filterRun(config.filter, file, io, this.common('filter')));
    const fr = filter.report;
    info(`curate: filter ${filter.skipped ? 'up to date' : 'done'}: kept ${fr.docs_out} of ${fr.docs_in} docs`);
    if (!this.opts.quiet) hooks.filterDone?.(fr);
    this.note(fr.stats);
    this.stages.filter = {
      skipped: filter.skipped,
      docs_in: fr.docs_in,
      docs_out: fr.docs_out,
      bytes_in: fr.bytes_in,
      bytes_out: fr.bytes_out,
      filters: fr.filters,
      learned_thresholds: fr.learned_thresholds,
      seconds: fr.timing.seconds,
    };
    return filter;
  }

  private async dedup(hooks: CurateHooks) {
    const { config, run, file } = this;
    const io = {
      input: join(run, 'filter'),
      out: join(run, 'dedup'),
      db: config.dedup.db ? resolveFromConfig(file, config.dedup.db) : join(run, 'dedup.sqlite'),
      privateIndex: !config.dedup.db,
    };
    const dedup = await runDedup(await dedupRun(config.dedup, file, io, this.common('dedup')));
    const dr = dedup.report;
    info(`curate: dedup ${dedup.skipped ? 'up to date' : 'done'}: kept ${dr.docs_out} of ${dr.docs_in} docs`);
    if (!this.opts.quiet) hooks.dedupDone?.(dr);
    this.note(dr.stats);
    this.stages.dedup = {
      skipped: dedup.skipped,
      docs_in: dr.docs_in,
      docs_out: dr.docs_out,
      exact_duplicates: dr.exact_duplicates,
      near_duplicates: dr.near_duplicates,
      clusters: dr.clusters,
      decontamination: dr.decontamination,
      seconds: dr.timing.seconds,
    };
    return dedup;
  }

  /** The tokenizer (trained when the config names none), then the shards. */
  private async tokenize(dedupFingerprint: string) {
    const { config, run, file } = this;
    const tk = config.tokenize;
    const tokenizer = await tokenizerFor({
      run,
      shown: this.shown,
      config: tk,
      configFile: file,
      dedupFingerprint,
      force: this.force('tokenize'),
      plan: this.opts.plan,
    });
    const io = { input: join(run, 'dedup'), out: join(run, 'shards'), tokenizer };
    const settings = { valFraction: tk.valFraction, maxDocBytes: tk.maxDocBytes };
    const tokenized = await runTokenize(tokenizeRun(io, settings, this.common('tokenize')));
    const tr = tokenized.report;
    info(
      `curate: tokenize ${tokenized.skipped ? 'up to date' : 'done'}: ${tr.splits.train.tokens} train and ${tr.splits.val.tokens} validation tokens`,
    );
    this.note(tr.stats);
    const { splits, vocab_size, dtype } = tr;
    // a report written before tokenize's time moved under `timing` has none
    const seconds = tr.timing?.seconds;
    this.stages.tokenize = { skipped: tokenized.skipped, splits, vocab_size, dtype, seconds };
    return tokenized;
  }
}
