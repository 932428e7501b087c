/**
 * Ordered parallel map over tasks with worker threads. Each task runs a module's
 * `runTask(task, init, stats)` async generator, which yields batches of items and returns a
 * result. Batches are delivered in task order whatever the number of workers or their timing,
 * so outputs are byte-identical for any `--workers N`. Memory stays bounded with credit-based
 * flow control: a worker may run at most `window` batches ahead of the consumer.
 *
 * With one worker (or one task) the tasks run in this thread, through the same function.
 */
import { Worker } from 'node:worker_threads';
import { type StatsData, StageStats } from './stats.js';

/** What a task module exports. */
export type TaskFn<T, I, R> = (task: T, init: unknown, stats: StageStats) => AsyncGenerator<I[], R>;

export type PoolEvent<I, R> =
  | { type: 'batch'; index: number; items: I[] }
  | { type: 'done'; index: number; stats: StatsData; result: R };

export interface PoolOptions<T> {
  tasks: T[];
  workers: number;
  /** URL of the compiled module exporting `runTask`. */
  module: URL;
  /** Passed to every `runTask` call (config), structured-cloned to workers. */
  init: unknown;
  /** Batches a worker may send ahead of consumption (default 4). */
  window?: number;
}

interface TaskState<I, R> {
  batches: I[][];
  done?: { stats: StatsData; result: R };
  worker?: Worker;
}

async function* inProcess<T, I, R>(opts: PoolOptions<T>): AsyncGenerator<PoolEvent<I, R>> {
  const mod = (await import(opts.module.href)) as { runTask: TaskFn<T, I, R> };
  for (let index = 0; index < opts.tasks.length; index++) {
    const stats = new StageStats();
    const gen = mod.runTask(opts.tasks[index]!, opts.init, stats);
    for (;;) {
      const r = await gen.next();
      if (r.done) {
        yield { type: 'done', index, stats: stats.data, result: r.value };
        break;
      }
      yield { type: 'batch', index, items: r.value };
    }
  }
}

/** Runs the tasks and yields their batches and completions in task order. */
export async function* orderedPool<T, I, R>(opts: PoolOptions<T>): AsyncGenerator<PoolEvent<I, R>> {
  const n = Math.min(opts.workers, opts.tasks.length);
  if (n <= 1) {
    yield* inProcess<T, I, R>(opts);
    return;
  }
  // workers run the compiled JavaScript (dist/); tests exercise them through bin/moe
  const workerUrl = new URL('./worker.js', import.meta.url);
  const states = new Map<number, TaskState<I, R>>();
  let next = 0;
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const assign = (worker: Worker): void => {
    if (next >= opts.tasks.length) return;
    const index = next++;
    states.set(index, { batches: [], worker });
    worker.postMessage({ type: 'task', index, task: opts.tasks[index] });
  };
  const workers: Worker[] = [];
  for (let i = 0; i < n; i++) {
    const worker = new Worker(workerUrl, { workerData: { module: opts.module.href, init: opts.init, window: opts.window ?? 4 } });
    worker.on('message', (msg: { type: string; index: number; items?: I[]; stats?: StatsData; result?: R; error?: string }) => {
      const state = states.get(msg.index);
      if (msg.type === 'batch' && state) state.batches.push(msg.items!);
      else if (msg.type === 'done' && state) {
        state.done = { stats: msg.stats!, result: msg.result as R };
        assign(worker);
      } else if (msg.type === 'error') failure = new Error(msg.error);
      notify();
    });
    worker.on('error', (e) => {
      failure = e;
      notify();
    });
    workers.push(worker);
  }
  try {
    workers.forEach(assign);
    for (let head = 0; head < opts.tasks.length; ) {
      if (failure) throw failure;
      const state = states.get(head);
      if (state && state.batches.length) {
        const items = state.batches.shift()!;
        state.worker?.postMessage({ type: 'credit' });
        yield { type: 'batch', index: head, items };
      } else if (state?.done) {
        states.delete(head);
        yield { type: 'done', index: head, stats: state.done.stats, result: state.done.result };
        head += 1;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
