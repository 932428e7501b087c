/**
 * The loop every stage runs over the ordered pool (ingest, filter, dedup's signatures and
 * output pass, tokenize): the items of each task in input order, each task's stats merged,
 * progress counted. The stage keeps only what is its own: what to do with the items.
 */
import { Progress } from './log.js';
import { type ItemOf, orderedPool, type PoolOptions, type ResultOf, type TaskFn } from './pool.js';
import type { StageStats, StatsData } from './stats.js';

export interface StageLoopOptions<F extends TaskFn<never, unknown, unknown, never>> {
  /** Progress label (`filter`, `dedup: signatures`). */
  label: string;
  silent?: boolean;
  /** Where each task's stats are merged. */
  stats: StageStats;
  /** Called with each finished task's stats instead of merging them (a stage that keeps only some). */
  onTaskStats?: (stats: StatsData) => void;
  /** Total input bytes, for the progress line's share done. */
  totalBytes?: number;
  /**
   * The documents an item holds, when progress counts them as items arrive (ingest, whose tasks
   * are whole input files) rather than from each task's result (a document count).
   */
  itemDocs?: (item: ItemOf<F>) => number;
  /** Each finished task's result, in task order. */
  onTaskDone?: (result: ResultOf<F>) => void;
}

/**
 * Yields each task's batches of items in input order. Progress counts a task's result as its
 * documents (unless `itemDocs` counts them per item) and its stats' `bytes_in` as its bytes.
 */
export async function* stageLoop<F extends TaskFn<never, unknown, unknown, never>>(
  pool: PoolOptions<F>,
  opts: StageLoopOptions<F>,
): AsyncGenerator<ItemOf<F>[]> {
  const progress = new Progress({ label: opts.label, silent: opts.silent, totalBytes: opts.totalBytes });
  const itemDocs = opts.itemDocs;
  for await (const ev of orderedPool(pool)) {
    if (ev.type === 'batch') {
      if (itemDocs)
        progress.add(
          ev.items.reduce((n, item) => n + itemDocs(item), 0),
          0,
        );
      yield ev.items;
      continue;
    }
    if (opts.onTaskStats) opts.onTaskStats(ev.stats);
    else opts.stats.merge(ev.stats);
    progress.add(itemDocs ? 0 : (ev.result as number), ev.stats.counts.bytes_in ?? 0);
    opts.onTaskDone?.(ev.result);
  }
  progress.done();
}
