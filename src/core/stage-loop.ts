/**
 * The loop every chunk-reading stage runs over the ordered pool (filter, dedup's signatures and
 * output pass, tokenize): the items of each task in input order, each task's stats merged,
 * progress counted. The stage keeps only what is its own: what to do with the items.
 */
import { Progress } from './log.js';
import { type ItemOf, orderedPool, type PoolOptions, type TaskFn } from './pool.js';
import type { StageStats, StatsData } from './stats.js';

export interface StageLoopOptions {
  /** Progress label (`filter`, `dedup: signatures`). */
  label: string;
  silent?: boolean;
  /** Where each task's stats are merged. */
  stats: StageStats;
  /** Called with each finished task's stats instead of merging them (a stage that keeps only some). */
  onTaskStats?: (stats: StatsData) => void;
}

/**
 * Yields each task's batches of items in input order. A task's result is its document count, and
 * its `bytes_in` count its bytes, for the progress line.
 */
export async function* stageLoop<F extends TaskFn<never, unknown, number, never>>(
  pool: PoolOptions<F>,
  opts: StageLoopOptions,
): AsyncGenerator<ItemOf<F>[]> {
  const progress = new Progress({ label: opts.label, silent: opts.silent });
  for await (const ev of orderedPool(pool)) {
    if (ev.type === 'batch') {
      yield ev.items;
      continue;
    }
    if (opts.onTaskStats) opts.onTaskStats(ev.stats);
    else opts.stats.merge(ev.stats);
    progress.add(ev.result as number, ev.stats.counts.bytes_in ?? 0);
  }
  progress.done();
}
