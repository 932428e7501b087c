/**
 * `moe filter`: read a stage folder's parts, judge every document in parallel (ordered), write
 * the kept documents (and, with `--keep-rejected`, the rejected ones under `rejected/`), and a
 * report of what each filter cost. `--dry-run` measures everything and writes nothing.
 */
import { join } from 'node:path';
import type { FilterConfig } from '../config/filter-schema.js';
import { hashConfig, resolveFromConfig } from '../io/config-file.js';
import { type ItemOf, taskModule } from '../core/pool.js';
import type { Stage, StageContext } from '../core/stage-contract.js';
import { displayPath, type StageReport } from '../core/stage.js';
import { type DriverFields, inputParts, runStage, stageFingerprint } from '../io/stage-dir.js';
import type { StatsData, StatsReport } from '../core/stats.js';
import { sha256File, sha256Text } from '../io/files.js';
import { docBound, type PartInfo, PartWriter, quietBound, readChunks, readDocs } from '../io/jsonl.js';
import { Chains, chainNames } from './chain.js';
import { resolveParams, stepParams } from './resolve.js';
import type { Learnable } from './model-filters.js';
import { STEPS } from './registry.js';
import { type FilterInit, loadModels } from './task.js';
import { TextView } from './view.js';
import { dialectOf, textOf, type Transform } from './types.js';

export interface FilterRun {
  input: string;
  out?: string;
  config: FilterConfig;
  /** Resolved model paths by step name. */
  modelPaths: Record<string, string>;
  workers: number;
  keepRejected: boolean;
  dryRun: boolean;
  /** `curate --strict`: a skipped document stops the run (a DataError naming it) before the stage is written. */
  strict?: boolean;
  /** `curate --from`: run even when the output is complete for these inputs and settings. */
  force?: boolean;
  /** `curate --plan`: only say whether the stage would run (a `StagePlan` is thrown when it would). */
  plan?: boolean;
  silent?: boolean;
}

export interface FilterSummary {
  dropped: number;
  dropped_bytes: number;
  would_drop: number;
  alone: number;
  reasons: Record<string, { dropped: number; dropped_bytes: number; would_drop: number; alone: number }>;
  histograms: StatsReport['histograms'];
}

/** The filter stage's own report fields; the driver adds `stats` and `timing`. */
export interface FilterOwn {
  input: string;
  config_sha256: string;
  config: FilterConfig;
  models: Record<string, { path: string; sha256: string }>;
  learned_thresholds: Record<string, { value: number; sample_docs: number }>;
  docs_in: number;
  docs_out: number;
  bytes_in: number;
  bytes_out: number;
  filters: Record<string, FilterSummary>;
  outputs: PartInfo[];
  rejected_outputs: PartInfo[];
}

export type FilterReport = StageReport & FilterOwn & DriverFields;

/** The filter models a config names (`filter.models`), as paths resolved against the config file. */
export function modelPaths(config: FilterConfig, configFile: string | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config.models).flatMap(([k, v]) => (v ? [[k, resolveFromConfig(configFile, v)]] : [])),
  );
}

/** Learns the thresholds of model filters set by `dropWorstFraction`, on the input's first documents. */
export async function learnThresholds(
  run: FilterRun,
  models: Record<string, unknown>,
): Promise<Record<string, { value: number; sample_docs: number }>> {
  const learners: Array<{ source: string; name: string; sampleSize: number; learn: Learnable }> = [];
  const ctx = { language: 'und', models, learned: {}, dialect: dialectOf(run.config.compat) };
  for (const source of ['web', 'arxiv', 'code'] as const) {
    for (const name of chainNames(run.config, source)) {
      const def = STEPS[name] as { learnable?: (p: unknown, c: typeof ctx) => Learnable | undefined };
      if (!def.learnable || learners.some((l) => l.name === name)) continue;
      const params = stepParams(run.config, source, 'und', name) as { sampleSize: number };
      const learn = def.learnable(params, ctx);
      if (learn) learners.push({ source, name, sampleSize: params.sampleSize, learn });
    }
  }
  if (!learners.length) return {};
  const chains = new Chains({ config: run.config, params: resolveParams(run.config), models, learned: {} });
  const transforms = new Map<string, Transform>();
  const scores = new Map<string, number[]>(learners.map((l) => [l.name, []]));
  const limit = Math.max(...learners.map((l) => l.sampleSize));
  let seen = 0;
  for await (const input of readDocs(run.input, quietBound(run.config.maxDocBytes))) {
    if (seen++ >= limit) break;
    const doc = { ...input, metadata: { ...input.metadata } };
    const lang = chains.annotateLanguage(doc);
    // the text as the model step sees it: after the transforms that come before it in the chain
    let text = doc.text;
    for (const name of chainNames(run.config, doc.source)) {
      if (STEPS[name]!.kind === 'transform') {
        const key = `${doc.source}\u0000${lang}\u0000${name}`;
        let t = transforms.get(key);
        if (!t)
          transforms.set(
            key,
            (t = STEPS[name]!.create(stepParams(run.config, doc.source, lang, name), {
              ...ctx,
              language: lang,
            }) as Transform),
          );
        text = textOf(t.apply(text, () => {}));
      }
      const l = learners.find((x) => x.name === name && x.source === doc.source);
      if (l && seen <= l.sampleSize) {
        const s = l.learn.score({ ...doc, text }, new TextView(text, lang));
        if (s !== undefined) scores.get(l.name)!.push(s);
      }
    }
  }
  return Object.fromEntries(
    learners.map((l) => [
      l.name,
      { value: l.learn.threshold(scores.get(l.name)!), sample_docs: scores.get(l.name)!.length },
    ]),
  );
}

/** Per-filter summary from the stats' counts (`filter.<name>.…`) and histograms (`<name>.<metric>`). */
export function summarize(data: StatsData, names: string[]): Record<string, FilterSummary> {
  const c = data.counts;
  const out: Record<string, FilterSummary> = {};
  for (const name of names) {
    if (STEPS[name]?.kind !== 'filter') continue;
    const reasons: FilterSummary['reasons'] = {};
    const prefix = `filter.${name}.reason.`;
    for (const key of Object.keys(c).sort()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const dot = rest.lastIndexOf('.');
      const reason = rest.slice(0, dot);
      const r = (reasons[reason] ??= { dropped: 0, dropped_bytes: 0, would_drop: 0, alone: 0 });
      r[rest.slice(dot + 1) as keyof typeof r] = c[key]!;
    }
    out[name] = {
      dropped: c[`filter.${name}.dropped`] ?? 0,
      dropped_bytes: c[`filter.${name}.dropped_bytes`] ?? 0,
      would_drop: c[`filter.${name}.would_drop`] ?? 0,
      alone: c[`filter.${name}.alone`] ?? 0,
      reasons,
      histograms: Object.fromEntries(
        Object.entries(data.histograms)
          .filter(([k]) => k.startsWith(`${name}.`))
          .map(([k, h]) => [k.slice(name.length + 1), h]),
      ),
    };
  }
  return out;
}

async function modelInfo(paths: Record<string, string>): Promise<Record<string, { path: string; sha256: string }>> {
  return Object.fromEntries(
    Object.entries(paths).map(([name, path]) => [name, { path: displayPath(path), sha256: sha256File(path) }]),
  );
}

async function inputFingerprint(dir: string): Promise<string> {
  const parts = await inputParts(dir, 'ingest');
  return sha256Text(JSON.stringify(parts.map((p) => [p, sha256File(p)])));
}

type FilterTask = typeof import('./task.js').runTask;

/** The filter as a stage: the workers judge every chunk; kept (and rejected) documents written in input order. */
class FilterStage implements Stage<FilterTask, FilterOwn> {
  readonly name = 'filter';
  readonly module = taskModule<FilterTask>(new URL('./task.js', import.meta.url));
  readonly input: string;
  readonly workers: number;
  private kept?: PartWriter;
  private rejected?: PartWriter;

  constructor(
    private readonly run: FilterRun,
    readonly fingerprint: string,
    private readonly learned: FilterOwn['learned_thresholds'],
    private readonly models: FilterOwn['models'],
  ) {
    this.input = run.input;
    this.workers = run.workers;
  }

  open({ dir }: StageContext): void {
    if (!dir) return;
    this.kept = new PartWriter({ dir });
    if (this.run.keepRejected) this.rejected = new PartWriter({ dir: join(dir, 'rejected') });
  }

  init({ dir }: StageContext): FilterInit {
    const { config, modelPaths, keepRejected } = this.run;
    const learned = Object.fromEntries(Object.entries(this.learned).map(([k, v]) => [k, v.value]));
    return { config, params: resolveParams(config), modelPaths, learned, keepRejected, dryRun: !dir };
  }

  tasks({ stats }: StageContext): ReturnType<typeof readChunks> {
    const bound = docBound(this.run.config.maxDocBytes, 'filter.maxDocBytes', stats, this.run.strict);
    return readChunks(this.run.input, undefined, bound);
  }

  async write(out: ItemOf<FilterTask>): Promise<void> {
    if (out.kept) await this.kept!.writeEncoded(out.kept);
    if (out.rejected) await this.rejected?.writeEncoded(out.rejected);
  }

  async close({ dir, stats }: StageContext): Promise<FilterOwn> {
    const rel = async (w: PartWriter | undefined): Promise<PartInfo[]> =>
      w && dir ? (await w.close()).map((p) => ({ ...p, file: p.file.slice(dir.length + 1) })) : [];
    const { config } = this.run;
    const names = [...new Set((['web', 'code', 'arxiv'] as const).flatMap((s) => chainNames(config, s)))];
    const c = stats.data.counts;
    return {
      input: displayPath(this.run.input),
      config_sha256: hashConfig(config),
      config,
      models: this.models,
      learned_thresholds: this.learned,
      docs_in: c.docs_in ?? 0,
      docs_out: c.docs_out ?? 0,
      bytes_in: c.bytes_in ?? 0,
      bytes_out: c.bytes_out ?? 0,
      filters: summarize(stats.data, names),
      outputs: await rel(this.kept),
      rejected_outputs: await rel(this.rejected),
    };
  }
}

/** Runs the filter stage (or, with `dryRun`, measures it) and returns its report. */
export async function runFilter(run: FilterRun): Promise<{ report: FilterReport; skipped: boolean }> {
  const started = Date.now();
  const models = loadModels(run.modelPaths);
  const learned = await learnThresholds(run, models);
  const modelsInfo = await modelInfo(run.modelPaths);
  const fingerprint = stageFingerprint({
    input: await inputFingerprint(run.input),
    config: hashConfig(run.config),
    models: modelsInfo,
    keep: run.keepRejected,
  });
  const stage = new FilterStage(run, fingerprint, learned, modelsInfo);
  const out = run.dryRun ? undefined : run.out;
  return runStage(stage, { out, force: run.force, plan: run.plan, silent: run.silent, started });
}
