/**
 * `moe curate --config FILE [--out RUN]`: the pipeline of docs/DESIGN.md §2 into a run folder. Each
 * stage reads the previous stage's folder and is skipped when already complete for the same
 * inputs and config; `manifest.json` (inputs, resolved config and its hash, every output file
 * with its sha256, per-stage counts) is written last, atomically, and holds no timings, so two
 * runs of the same config produce the same manifest byte for byte.
 */
import { join, resolve } from 'node:path';
import { loadConfig, resolveFromConfig } from '../../io/config-file.js';
import { CurateSchema } from '../../config/schema.js';
import { info } from '../../core/log.js';
import { StagePlan, TOOL_VERSION } from '../../core/stage.js';
import { checkOutFolder } from '../../io/stage-dir.js';
import { UserError } from '../../core/errors.js';
import type { FileError } from '../../core/stats.js';
import { exists, listDir, readText, removeFile, sha256File, sha256Text, writeFileAtomic, writeJsonAtomic } from '../../io/files.js';
import { readTexts } from '../../io/texts.js';
import { runTokenize } from '../../tokenizer/run.js';
import { countWords, trainBpe } from '../../tokenizer/train.js';
import { loadEvalSet } from '../../dedup/decontaminate.js';
import { runDedup } from '../../dedup/run.js';
import { runFilter } from '../../filter/run.js';
import { runIngest } from '../../ingest/ingest.js';
import { minhashParams, printDedupSummary } from './dedup.js';
import { modelPaths, printFilterTable } from './filter.js';
import { writeReport } from '../../report/html.js';
import { printJson, summarizeFileErrors } from './shared.js';

/** The stages of a curate run, in order (`--from`, `--until`). */
export const STAGES = ['ingest', 'filter', 'dedup', 'tokenize'] as const;
export type CurateStage = (typeof STAGES)[number];

export interface CurateFlags {
  config: string;
  out?: string;
  from?: CurateStage;
  until?: CurateStage;
  /** Say which stages would run and why; write nothing. */
  plan?: boolean;
  workers: number;
  set: string[];
  strict?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Files of the run (relative paths) with their sha256, for the manifest. */
async function filesWithHashes(run: string, files: string[]): Promise<Array<{ file: string; sha256: string }>> {
  const out: Array<{ file: string; sha256: string }> = [];
  for (const f of files) if (await exists(join(run, f))) out.push({ file: f, sha256: sha256File(join(run, f)) });
  return out;
}

/** Parses a JSON file, or undefined when it is missing or not JSON. */
async function jsonOf(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v: unknown = JSON.parse(await readText(path));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run folder is written into only when it is empty or new, or an earlier `moe curate` run:
 * the user's own `manifest.json`, `report.json`, `tokenizer.json` or `dedup.sqlite` in it are
 * never replaced. An interrupted run counts as moe's by its stage folders' reports.
 */
async function checkRunFolder(run: string): Promise<void> {
  if (!(await exists(run)) || (await listDir(run)).length === 0) return;
  const manifest = await jsonOf(join(run, 'manifest.json'));
  const report = await jsonOf(join(run, 'report.json'));
  const stage = await jsonOf(join(run, 'ingest', 'report.json'));
  const moeManifest = manifest !== undefined && typeof manifest.tool_version === 'string' && typeof manifest.config_sha256 === 'string' && Array.isArray(manifest.outputs);
  const moeReport = report !== undefined && typeof report.config_sha256 === 'string' && typeof report.stages === 'object';
  const moeStage = stage !== undefined && stage.stage === 'ingest' && typeof stage.tool_version === 'string';
  const ours = moeManifest || moeReport || moeStage;
  const foreign = [
    ...(await exists(join(run, 'manifest.json'))) && !moeManifest ? ['manifest.json'] : [],
    ...(await exists(join(run, 'report.json'))) && !moeReport ? ['report.json'] : [],
    ...(!ours ? (await listDir(run)).filter((n) => n !== 'manifest.json' && n !== 'report.json') : []),
  ];
  if (foreign.length > 0) {
    throw new UserError(`--out ${run} is not a moe curate run: it holds ${foreign.slice(0, 4).join(', ')}${foreign.length > 4 ? ', …' : ''}`, 'choose an empty or new --out folder; moe never overwrites files it did not write');
  }
}

export async function curateCommand(flags: CurateFlags): Promise<number> {
  try {
    return await runCurate(flags);
  } catch (e) {
    // --plan: the first stage that would run, and what follows it; nothing was written
    if (!(e instanceof StagePlan)) throw e;
    const order = ['ingest', 'filter', 'dedup', 'tokenizer training', 'tokenize'];
    const after = order.slice(order.indexOf(e.stage) + 1);
    info(`curate: ${e.stage} would run (${e.why})${after.length ? `, then ${after.join(', ')}` : ''}; --plan wrote nothing`);
    return 0;
  }
}

async function runCurate(flags: CurateFlags): Promise<number> {
  const { config, hash, file } = await loadConfig(CurateSchema, flags.config, flags.set);
  if (flags.plan && flags.until) throw new UserError('--plan writes nothing, so --until would change nothing', 'drop one of them');
  if (flags.from && flags.until && STAGES.indexOf(flags.from) > STAGES.indexOf(flags.until)) {
    throw new UserError(`--from ${flags.from} comes after --until ${flags.until}`, `the stages run in the order ${STAGES.join(', ')}`);
  }
  const run = resolve(flags.out ?? join('runs', config.name));
  await checkOutFolder(run);
  await checkRunFolder(run);
  const inputs = config.inputs.map((p) => resolveFromConfig(file, p));
  // --from S: S and the stages after it run even when up to date; --until S: the run stops after S
  const force = (s: CurateStage): boolean => flags.from !== undefined && STAGES.indexOf(s) >= STAGES.indexOf(flags.from);
  const stages: Record<string, unknown> = {};
  const problems: FileError[] = [];
  let problemCount = 0;
  const noteProblems = (stats: { errors: FileError[]; counts: Record<string, number> }): void => {
    problems.push(...stats.errors);
    problemCount += stats.counts.errors ?? 0;
  };
  const stopsAfter = async (s: CurateStage): Promise<boolean> => {
    if (flags.until !== s) return false;
    // a manifest of an earlier complete run would no longer describe the folder
    await removeFile(join(run, 'manifest.json'));
    await writeJsonAtomic(join(run, 'report.json'), { name: config.name, config_sha256: hash, until: s, stages });
    info(`curate: stopped after ${s} (--until ${s}); manifest.json is written when a run goes through tokenize`);
    return true;
  };
  const done = (): number => summarizeFileErrors(problems, problemCount, `the stage reports (${join(flags.out ?? join('runs', config.name), '*', 'report.json')})`, flags.strict);

  const ingest = await runIngest({ inputs, out: join(run, 'ingest'), config: config.ingest, workers: flags.workers, strict: flags.strict, force: force('ingest'), plan: flags.plan, silent: flags.quiet });
  const ingestErrors = ingest.report.stats.counts.errors ?? 0;
  problems.push(...ingest.errors);
  problemCount += ingestErrors;
  info(`curate: ingest ${ingest.skipped ? 'up to date' : 'done'}: ${ingest.report.docs_out} docs`);
  stages.ingest = { skipped: ingest.skipped, counts: ingest.report.stats.counts, errors: ingest.report.stats.errors, seconds: ingest.report.timing.seconds };
  if (await stopsAfter('ingest')) return done();

  const filter = await runFilter({
    input: join(run, 'ingest'),
    out: join(run, 'filter'),
    config: config.filter,
    modelPaths: modelPaths(config.filter, file),
    workers: flags.workers,
    keepRejected: config.filter.keepRejected,
    dryRun: false,
    strict: flags.strict,
    force: force('filter'),
    plan: flags.plan,
    silent: flags.quiet,
  });
  info(`curate: filter ${filter.skipped ? 'up to date' : 'done'}: kept ${filter.report.docs_out} of ${filter.report.docs_in} docs`);
  if (!flags.quiet) printFilterTable(filter.report);
  noteProblems(filter.report.stats);
  stages.filter = {
    skipped: filter.skipped,
    docs_in: filter.report.docs_in,
    docs_out: filter.report.docs_out,
    bytes_in: filter.report.bytes_in,
    bytes_out: filter.report.bytes_out,
    filters: filter.report.filters,
    learned_thresholds: filter.report.learned_thresholds,
    seconds: filter.report.timing.seconds,
  };
  if (await stopsAfter('filter')) return done();

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
    maxDocBytes: config.dedup.maxDocBytes,
    strict: flags.strict,
    force: force('dedup'),
    plan: flags.plan,
    silent: flags.quiet,
  });
  info(`curate: dedup ${dedup.skipped ? 'up to date' : 'done'}: kept ${dedup.report.docs_out} of ${dedup.report.docs_in} docs`);
  if (!flags.quiet) printDedupSummary(dedup.report);
  noteProblems(dedup.report.stats);
  stages.dedup = {
    skipped: dedup.skipped,
    docs_in: dedup.report.docs_in,
    docs_out: dedup.report.docs_out,
    exact_duplicates: dedup.report.exact_duplicates,
    near_duplicates: dedup.report.near_duplicates,
    clusters: dedup.report.clusters,
    decontamination: dedup.report.decontamination,
    seconds: dedup.report.timing.seconds,
  };
  if (await stopsAfter('dedup')) return done();

  // the tokenizer: the configured one, or one trained on the deduplicated text (kept when its inputs did not change)
  const tk = config.tokenize;
  let tokenizerPath: string;
  if (tk.tokenizer) tokenizerPath = resolveFromConfig(file, tk.tokenizer);
  else {
    tokenizerPath = join(run, 'tokenizer.json');
    const trainKey = sha256Text(JSON.stringify({ dedup: dedup.report.fingerprint, tk: { ...tk, valFraction: undefined } }));
    const keyFile = join(run, 'tokenizer.key');
    const previous = await readText(keyFile).catch(() => '');
    if (previous !== trainKey || !(await exists(tokenizerPath)) || force('tokenize')) {
      if (flags.plan) throw new StagePlan('tokenizer training', !previous ? 'no tokenizer yet' : force('tokenize') ? '--from' : 'the deduplicated text or the tokenize settings changed');
      const { words } = await countWords(readTexts(join(run, 'dedup')), tk.pattern, tk.maxBytes);
      if (words.size === 0) throw new UserError('no text left after dedup to train a tokenizer on', 'check the filter settings, or set tokenize.tokenizer to an existing tokenizer.json');
      await writeJsonAtomic(tokenizerPath, trainBpe(words, { vocabSize: tk.vocabSize, pattern: tk.pattern, specialTokens: tk.specialTokens, minFrequency: tk.minFrequency }));
      await writeFileAtomic(keyFile, trainKey);
      info(`curate: trained a ${tk.pattern} byte-level BPE tokenizer → ${join(flags.out ?? join('runs', config.name), 'tokenizer.json')}`);
    }
  }
  const tokenized = await runTokenize({ input: join(run, 'dedup'), out: join(run, 'shards'), tokenizer: tokenizerPath, valFraction: tk.valFraction, maxDocBytes: tk.maxDocBytes, strict: flags.strict, force: force('tokenize'), plan: flags.plan, workers: flags.workers, silent: flags.quiet });
  info(`curate: tokenize ${tokenized.skipped ? 'up to date' : 'done'}: ${tokenized.report.splits.train.tokens} train and ${tokenized.report.splits.val.tokens} validation tokens`);
  noteProblems(tokenized.report.stats);
  stages.tokenize = { skipped: tokenized.skipped, splits: tokenized.report.splits, vocab_size: tokenized.report.vocab_size, dtype: tokenized.report.dtype, seconds: tokenized.report.seconds };
  if (flags.plan) {
    info('curate: every stage is up to date; --plan wrote nothing');
    return 0;
  }

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
      tokenize: { tokenizer_sha256: tokenized.report.tokenizer_sha256, vocab_size: tokenized.report.vocab_size, dtype: tokenized.report.dtype, splits: tokenized.report.splits },
    },
    outputs: [
      ...outputs('ingest', ingest.report.outputs),
      ...outputs('filter', filter.report.outputs),
      ...outputs('filter', filter.report.rejected_outputs),
      ...outputs('dedup', dedup.report.outputs),
      ...outputs('dedup', dedup.report.removed_outputs),
      ...(await filesWithHashes(run, ['tokenizer.json', ...['train', 'val'].flatMap((p) => [`shards/${p}_text_document.bin`, `shards/${p}_text_document.idx`]), 'shards/shards.json', 'shards/tokenizer.json'])),
    ],
  };
  await writeJsonAtomic(join(run, 'manifest.json'), manifest);
  await writeReport([run], join(run, 'report.html'));
  info(`curate: run folder ${flags.out ?? join('runs', config.name)} (manifest.json, report.json); charts: ${join(flags.out ?? join('runs', config.name), 'report.html')}`);
  // under --strict a problem has already stopped the run; otherwise one line says how many there were
  const code = done();
  if (flags.json) {
    printJson({
      command: 'curate',
      out: run,
      config_sha256: hash,
      stages: {
        ingest: { docs_out: ingest.report.docs_out, errors: ingestErrors, skipped: ingest.skipped },
        filter: { docs_in: filter.report.docs_in, docs_out: filter.report.docs_out, skipped: filter.skipped },
        dedup: { docs_in: dedup.report.docs_in, docs_out: dedup.report.docs_out, skipped: dedup.skipped },
        tokenize: { splits: tokenized.report.splits, skipped: tokenized.skipped },
      },
    });
  }
  return code;
}
