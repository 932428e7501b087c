/**
 * `moe ingest`: plan the inputs, read them in parallel (ordered), write part files and
 * `report.json` into the stage folder.
 */
import { resolve, sep } from 'node:path';
import type { IngestConfig } from '../config/schema.js';
import { hashConfig } from '../io/config-file.js';
import { taskModule } from '../core/pool.js';
import { stageLoop } from '../core/stage-loop.js';
import { displayPath, type StageReport } from '../core/stage.js';
import { runStageDir, stageFingerprint } from '../io/stage-dir.js';
import {
  type FileError,
  failOnFirst,
  StageStats,
  type StatsData,
  type StatsReport,
  statsToReport,
} from '../core/stats.js';
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

export interface IngestReport extends StageReport {
  config_sha256: string;
  config: IngestConfig;
  shard: string;
  inputs: InputRecord[];
  outputs: PartInfo[];
  docs_out: number;
  stats: StatsReport;
  timing: { seconds: number; workers: number };
}

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

export async function runIngest(run: IngestRun): Promise<IngestResult> {
  const t0 = Date.now();
  const planStats = new StageStats();
  const all = await planInputs(
    run.inputs,
    { source: run.config.source, code: run.config.code, exclude: [resolve(run.out).split(sep).join('/')] },
    planStats,
  );
  if (run.strict) failOnFirst(planStats.data.errors);
  const units = run.shard ? all.filter((_, i) => i % run.shard!.count === run.shard!.index) : all;
  const fingerprint = fingerprintOf(units, run);
  const result = await runStageDir<IngestReport>(
    { stage: 'ingest', out: run.out, fingerprint, force: run.force, plan: run.plan },
    async (dir) => {
      const stats = new StageStats();
      stats.merge(planStats.data);
      const writer = new PartWriter({ dir, maxPartBytes: run.config.partMaxBytes });
      const init: TaskOptions = { arxiv: run.config.arxiv, web: run.config.web };
      const inputs: InputRecord[] = [];
      const pool = {
        tasks: makeTasks(units),
        workers: run.workers,
        module: taskModule<typeof import('./task.js').runTask>(new URL('./task.js', import.meta.url)),
        init,
      };
      const loop = {
        label: 'ingest',
        silent: run.silent,
        stats,
        totalBytes: units.reduce((s, u) => s + u.size, 0),
        // a task is whole input files: documents are counted as they come
        itemDocs: (batch: EncodedBatch) => batch.docs,
        onTaskStats: (s: StatsData) => {
          if (run.strict) failOnFirst(s.errors);
          stats.merge(s);
        },
        onTaskDone: (records: InputRecord[]) => {
          inputs.push(...records.map((r) => ({ ...r, path: displayPath(r.path) })));
        },
      };
      let docsOut = 0;
      for await (const batches of stageLoop(pool, loop)) {
        for (const batch of batches) {
          await writer.writeEncoded(batch);
          docsOut += batch.docs;
        }
      }
      const outputs = (await writer.close()).map((p) => ({ ...p, file: p.file.slice(dir.length + 1) }));
      stats.count('docs_out', docsOut);
      return {
        config_sha256: hashConfig(run.config),
        config: run.config,
        shard: run.shard ? `${run.shard.index}/${run.shard.count}` : '0/1',
        inputs,
        outputs,
        docs_out: docsOut,
        stats: statsToReport({
          ...stats.data,
          errors: stats.data.errors.map((e) => ({ ...e, path: displayPath(e.path) })),
        }),
        timing: { seconds: (Date.now() - t0) / 1000, workers: run.workers },
      };
    },
  );
  return { ...result, errors: result.report.stats.errors as FileError[] };
}
