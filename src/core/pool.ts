/**
 * Ordered parallel map over tasks with worker threads. Each task runs a module's
 * `runTask(task, init, stats)` async generator, which yields batches of items and returns a
 * result. Batches are delivered in task order whatever the number of workers or their timing,
 * so outputs are byte-identical for any `--workers N`.
 *
 * Tasks may be an array or an async iterable; they are pulled only when a worker is free, so a
 * producer that reads a large input stays just ahead of the workers. Memory stays bounded with
 * credit-based flow control: a worker may run at most `window` batches ahead of the consumer.
 * `workers` counts worker threads: the main thread only reads, coordinates and writes (as a
 * datatrove executor's workers exclude its launcher). Code running from TypeScript sources
 * (vitest) has no compiled worker module, so there the tasks run in this thread instead.
 */
import { Worker } from 'node:worker_threads';
import { DataError } from './errors.js';
import { type StatsData, StageStats } from './stats.js';

/** What a task module exports as `runTask`: for one task, batches of items, then a result. */
export type TaskFn<T, I, R, Init = unknown> = (task: T, init: Init, stats: StageStats) => AsyncGenerator<I[], R>;

/**
 * A task module: the URL a worker thread loads, typed by the `runTask` it exports. Made with
 * `taskModule<typeof import('./task.js').runTask>(new URL('./task.js', import.meta.url))`: the
 * type import loads nothing, and the pool's tasks, init, items and result are then checked
 * against that function.
 */
export interface TaskModule<F> {
  url: URL;
  /** Never set: carries the type of the module's `runTask`. */
  readonly runTask?: F;
}

export function taskModule<F extends TaskFn<never, unknown, unknown, never>>(url: URL): TaskModule<F> {
  return { url };
}

export type TaskOf<F> = F extends (task: infer T, init: never, stats: StageStats) => unknown ? T : never;
export type InitOf<F> = F extends (task: never, init: infer Init, stats: StageStats) => unknown ? Init : never;
export type ItemOf<F> = F extends (...args: never[]) => AsyncGenerator<Array<infer I>, unknown> ? I : never;
export type ResultOf<F> = F extends (...args: never[]) => AsyncGenerator<unknown, infer R> ? R : never;

export type PoolEvent<I, R> =
  | { type: 'batch'; index: number; items: I[] }
  | { type: 'done'; index: number; stats: StatsData; result: R };

export interface PoolOptions<F> {
  tasks: Iterable<TaskOf<F>> | AsyncIterable<TaskOf<F>>;
  workers: number;
  /** The module exporting `runTask` (compiled, for worker threads). */
  module: TaskModule<F>;
  /** Passed to every `runTask` call (config), structured-cloned to workers. */
  init: InitOf<F>;
  /** Batches a worker may send ahead of consumption (default 4). */
  window?: number;
}

interface TaskState<I, R> {
  batches: I[][];
  done?: { stats: StatsData; result: R };
  worker: Worker;
}

async function* inProcess<F, T, I, R>(opts: PoolOptions<F>): AsyncGenerator<PoolEvent<I, R>> {
  const mod = (await import(opts.module.url.href)) as { runTask: TaskFn<T, I, R, InitOf<F>> };
  let index = 0;
  for await (const task of opts.tasks) {
    const stats = new StageStats();
    const gen = mod.runTask(task as T, opts.init, stats);
    for (;;) {
      const r = await gen.next();
      if (r.done) {
        yield { type: 'done', index, stats: stats.data, result: r.value };
        break;
      }
      yield { type: 'batch', index, items: r.value };
    }
    index += 1;
  }
}

/**
 * Whether worker threads can run: they load compiled modules (dist/), which code running from
 * the TypeScript sources (vitest) does not have; there the work runs in this thread instead.
 */
export const threadsAvailable = !import.meta.url.endsWith('.ts');

/** What a worker thread sends: a batch of a task's items, the task's end, or an error. */
interface WorkerMessage<I, R> {
  type: string;
  index: number;
  items?: I[];
  stats?: StatsData;
  result?: R;
  error?: string;
  user?: boolean;
  hint?: string;
}

/**
 * Runs the tasks and yields their batches and completions in task order.
 *
 * Over 80 lines: the pull chain, the workers' callbacks and the in-order consumer share the
 * dispatch state (`pulled`, `total`, `failure`, `wake`); one scope keeps each variable beside
 * every place that writes it.
 */
export async function* orderedPool<F extends TaskFn<never, unknown, unknown, never>>(
  opts: PoolOptions<F>,
): AsyncGenerator<PoolEvent<ItemOf<F>, ResultOf<F>>> {
  type T = TaskOf<F>;
  type I = ItemOf<F>;
  type R = ResultOf<F>;
  const n = Array.isArray(opts.tasks) ? Math.min(opts.workers, opts.tasks.length) : opts.workers;
  if (n < 1 || !threadsAvailable) {
    yield* inProcess<F, T, I, R>(opts);
    return;
  }
  const source =
    Symbol.asyncIterator in opts.tasks
      ? opts.tasks[Symbol.asyncIterator]()
      : (opts.tasks as Iterable<T>)[Symbol.iterator]();
  // workers run the compiled JavaScript (dist/); tests exercise them through bin/moe
  const workerUrl = new URL('./worker.js', import.meta.url);
  const states = new Map<number, TaskState<I, R>>();
  let pulled = 0;
  let total = Number.POSITIVE_INFINITY;
  let pulls: Promise<unknown> = Promise.resolve();
  let wake: (() => void) | undefined;
  let failure: unknown;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // pulls are chained, so task indices follow the source's order
  const assign = (worker: Worker): void => {
    pulls = pulls.then(async () => {
      if (pulled >= total) return;
      try {
        const r = await source.next();
        if (r.done) total = pulled;
        else {
          const index = pulled++;
          states.set(index, { batches: [], worker });
          worker.postMessage({ type: 'task', index, task: r.value });
        }
      } catch (e) {
        failure = e;
      }
      notify();
    });
  };
  const onMessage = (worker: Worker, msg: WorkerMessage<I, R>): void => {
    const state = states.get(msg.index);
    if (msg.type === 'batch' && state) state.batches.push(msg.items!);
    else if (msg.type === 'done' && state) {
      state.done = { stats: msg.stats!, result: msg.result as R };
      assign(worker);
    } else if (msg.type === 'error')
      failure = msg.user ? new DataError(msg.error!, msg.hint) : new Error(`in a worker thread: ${msg.error}`);
    notify();
  };
  const workers: Worker[] = [];
  for (let i = 0; i < n; i++) {
    const worker = new Worker(workerUrl, {
      workerData: { module: opts.module.url.href, init: opts.init, window: opts.window ?? 4 },
    });
    worker.on('message', (msg: WorkerMessage<I, R>) => onMessage(worker, msg));
    worker.on('error', (e) => {
      failure = e;
      notify();
    });
    workers.push(worker);
  }
  try {
    // two tasks per worker: the next one is already there when the current one ends
    for (const w of [...workers, ...workers]) assign(w);
    for (let head = 0; head < total; ) {
      if (failure) throw failure;
      const state = states.get(head);
      if (state?.batches.length) {
        const items = state.batches.shift()!;
        state.worker.postMessage({ type: 'credit' });
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
