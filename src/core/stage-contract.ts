/**
 * The contract every stage (ingest, filter, dedup, tokenize) implements for the driver,
 * `runStage` in `io/stage-dir.ts`.
 */
import type { InitOf, ItemOf, ResultOf, TaskFn, TaskModule, TaskOf } from './pool.js';
import type { StageStats, StatsData } from './stats.js';

/** What the driver (`runStage` in `io/stage-dir.ts`) gives a stage while it runs. */
export interface StageContext {
  /** The temporary stage folder, renamed into place when the stage is done; none on a dry run. */
  dir: string | undefined;
  /** Where every task's stats are merged: the report's `stats`. */
  stats: StageStats;
  /** Seconds since the stage started. */
  seconds(): number;
  /** Records a named time (seconds so far) in the report's `timing`, e.g. `index_seconds`. */
  mark(name: string): void;
}

/**
 * A stage as the driver runs it: what its output depends on, the task module its workers run
 * with their init and tasks, and the per-batch work on the workers' items (in input order). The
 * driver owns the stage folder, the ordered pool loop, progress, the stats merge, timing and the
 * report's common fields (`stage`, `tool_version`, `fingerprint`, `stats`, `timing`); the stage
 * returns its own fields from `close`. One instance runs once: writers live on it.
 */
export interface Stage<F extends TaskFn<never, unknown, unknown, never>, Own extends object> {
  /** The report's `stage`, and the progress label unless `label` says otherwise. */
  readonly name: string;
  readonly label?: string;
  /** `stageFingerprint` of the inputs and resolved settings: a finished folder with it is not run again. */
  readonly fingerprint: string;
  /** The stage folder read (`--in`): the output may not be it, nor hold it. */
  readonly input?: string;
  readonly workers: number;
  readonly module: TaskModule<F>;
  /** Total input bytes, for the progress line's share done. */
  readonly totalBytes?: number;
  /** Inside the stage folder, before the pool starts (writers; dedup's index pass). */
  open?(ctx: StageContext): Promise<void> | void;
  /** What every worker is given. */
  init(ctx: StageContext): InitOf<F>;
  tasks(ctx: StageContext): Iterable<TaskOf<F>> | AsyncIterable<TaskOf<F>>;
  /** The per-batch work: one item of a worker's batch, in input order. */
  write(item: ItemOf<F>, ctx: StageContext): Promise<void> | void;
  /** A task's stats, instead of the default merge into `ctx.stats`. */
  onTaskStats?(stats: StatsData, ctx: StageContext): void;
  /** A finished task's result, in task order. */
  onTaskDone?(result: ResultOf<F>): void;
  /** The documents an item holds, when progress counts them per item (ingest) instead of per task result. */
  itemDocs?(item: ItemOf<F>): number;
  /** After the last item: closes the outputs and returns the stage's own report fields. */
  close(ctx: StageContext): Promise<Own>;
  /** Always called at the end, after a failure too (dedup closes its index). */
  dispose?(): void;
}
