/**
 * `moe ingest`: plan the inputs, read them in parallel (ordered), write part files and
 * `report.json` into the stage folder.
 */
import { resolve, sep } from 'node:path';
import type { IngestConfig } from '../config/schema.js';
import { hashConfig } from '../io/config-file.js';
import { taskModule } from '../core/pool.js';
import type { Stage, StageContext } from '../core/stage-contract.js';
import { displayPath, type StageReport } from '../core/stage.js';
import { type DriverFields, runStage, stageFingerprint } from '../io/stage-dir.js';
import { type FileError, failOnFirst, StageStats, type StatsData } from '../core/stats.js';
import { type EncodedBatch, type PartInfo, PartWriter } from '../io/jsonl.js';
import { fileStampSync } from '../io/files.js';
import { type Unit, planInputs } from './plan.js';
import type { IngestTask, InputRecord, TaskOptions } from './task.js';

export interface IngestRun {
  inputs: string[];
  out: string;
  config: IngestConfig;
  shard?: { index: number; count: number };
  workers: number;
  /** `--strict`: stop at the first input problem (a DataError naming it) before the stage is written. */
  strict?: boolean;
  /** `curate --from`: run even when the output is complete for these inputs and settings. */
  force?: boolean;
  /** `curate --plan`: only say whether the stage would run (a `StagePlan` is thrown when it would). */
  plan?: boolean;
  /** No progress lines (tests). */
  silent?: boolean;
}

/** The ingest stage's own report fields; the driver adds `stats` (input problems with their paths) and `timing`. */
export interface IngestOwn {
  config_sha256: string;
  config: IngestConfig;
  shard: string;
  inputs: InputRecord[];
  outputs: PartInfo[];
  docs_out: number;
}

export type IngestReport = StageReport & IngestOwn & DriverFields;

export interface IngestResult {
  report: IngestReport;
  skipped: boolean;
  errors: FileError[];
}

const CODE_BATCH_FILES = 64;
const CODE_BATCH_BYTES = 4 << 20;

/** Groups units into tasks: consecutive code files share a task, the rest go alone. */
export function makeTasks(units: Unit[]): IngestTask[] {
  const tasks: IngestTask[] = [];
  let code: Unit[] = [];
  let codeBytes = 0;
  const flush = (): void => {
    if (code.length) tasks.push({ units: code });
    code = [];
    codeBytes = 0;
  };
  for (const u of units) {
    if (u.kind !== 'code') {
      flush();
      tasks.push({ units: [u] });
      continue;
    }
    if (code.length >= CODE_BATCH_FILES || codeBytes + u.size > CODE_BATCH_BYTES) flush();
    code.push(u);
    codeBytes += u.size;
  }
  flush();
  return tasks;
}

function fingerprintOf(units: Unit[], run: IngestRun): string {
  const files: Array<[string, number, number]> = [];
  for (const u of units) {
    const s = fileStampSync(u.path);
    files.push(s ? [u.path, s.size, Math.floor(s.mtimeMs)] : [u.path, -1, 0]);
  }
  return stageFingerprint({ config: hashConfig(run.config), shard: run.shard ?? null, files });
}

type IngestTaskFn = typeof import('./task.js').runTask;

/** Stats as the report records them: paths relative to the working directory. */
function displayed(s: StatsData): StatsData {
  return { ...s, errors: s.errors.map((e) => ({ ...e, path: displayPath(e.path) })) };
}

/** Ingest as a stage: the workers read whole input files; their documents written in input order. */
class IngestStage implements Stage<IngestTaskFn, IngestOwn> {
  readonly name = 'ingest';
  readonly module = taskModule<IngestTaskFn>(new URL('./task.js', import.meta.url));
  readonly workers: number;
  readonly totalBytes: number;
  private writer?: PartWriter;
  private readonly inputs: InputRecord[] = [];
  private docsOut = 0;

  constructor(
    private readonly run: IngestRun,
    readonly fingerprint: string,
    private readonly units: Unit[],
    private readonly planned: StatsData,
  ) {
    this.workers = run.workers;
    this.totalBytes = units.reduce((s, u) => s + u.size, 0);
  }

  open({ dir, stats }: StageContext): void {
    stats.merge(displayed(this.planned));
    this.writer = new PartWriter({ dir: dir!, maxPartBytes: this.run.config.partMaxBytes });
  }

  init(): TaskOptions {
    return { arxiv: this.run.config.arxiv, web: this.run.config.web };
  }

  tasks(): IngestTask[] {
    return makeTasks(this.units);
  }

  /** A task is whole input files: documents are counted as they come. */
  itemDocs(batch: EncodedBatch): number {
    return batch.docs;
  }

  onTaskStats(s: StatsData, { stats }: StageContext): void {
    if (this.run.strict) failOnFirst(s.errors);
    stats.merge(displayed(s));
  }

  onTaskDone(records: InputRecord[]): void {
    this.inputs.push(...records.map((r) => ({ ...r, path: displayPath(r.path) })));
  }

  async write(batch: EncodedBatch): Promise<void> {
    await this.writer!.writeEncoded(batch);
    this.docsOut += batch.docs;
  }

  async close({ dir, stats }: StageContext): Promise<IngestOwn> {
    const outputs = (await this.writer!.close()).map((p) => ({ ...p, file: p.file.slice(dir!.length + 1) }));
    stats.count('docs_out', this.docsOut);
    const { config, shard } = this.run;
    return {
      config_sha256: hashConfig(config),
      config,
      shard: shard ? `${shard.index}/${shard.count}` : '0/1',
      inputs: this.inputs,
      outputs,
      docs_out: this.docsOut,
    };
  }
}

export async function runIngest(run: IngestRun): Promise<IngestResult> {
  const started = Date.now();
  const planStats = new StageStats();
  const all = await planInputs(
    run.inputs,
    { source: run.config.source, code: run.config.code, exclude: [resolve(run.out).split(sep).join('/')] },
    planStats,
  );
  if (run.strict) failOnFirst(planStats.data.errors);
  const units = run.shard ? all.filter((_, i) => i % run.shard!.count === run.shard!.index) : all;
  const stage = new IngestStage(run, fingerprintOf(units, run), units, planStats.data);
  const result = await runStage(stage, { out: run.out, force: run.force, plan: run.plan, silent: run.silent, started });
  return { ...result, errors: result.report.stats.errors as FileError[] };
}
