/**
 * Worker-thread side of `pool.ts`: runs its tasks one at a time, in the order sent, through the task module's
 * `runTask`, posting batches under credit-based flow control.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TaskFn } from './pool.js';
import { isUserError } from './errors.js';
import { StageStats } from './stats.js';

const { module, init, window } = workerData as { module: string; init: unknown; window: number };
const port = parentPort!;
const mod = (await import(module)) as { runTask: TaskFn<unknown, unknown, unknown> };

let credits = window;
let queue: Promise<void> = Promise.resolve();
let waiter: (() => void) | undefined;

async function run(index: number, task: unknown): Promise<void> {
  const stats = new StageStats();
  const gen = mod.runTask(task, init, stats);
  for (;;) {
    const r = await gen.next();
    if (r.done) {
      port.postMessage({ type: 'done', index, stats: stats.data, result: r.value });
      return;
    }
    while (credits <= 0) await new Promise<void>((resolve) => (waiter = resolve));
    credits -= 1;
    port.postMessage({ type: 'batch', index, items: r.value });
  }
}

port.on('message', (msg: { type: string; index: number; task: unknown }) => {
  if (msg.type === 'credit') {
    credits += 1;
    const w = waiter;
    waiter = undefined;
    w?.();
  } else if (msg.type === 'task') {
    // the pool sends the next task before this one ends (so the thread never waits for it): run in turn
    queue = queue.then(() =>
      run(msg.index, msg.task).catch((e: unknown) => {
        // a user/data error crosses the thread boundary as such (exit 1), anything else as a bug
        if (isUserError(e))
          port.postMessage({ type: 'error', index: msg.index, user: true, error: e.message, hint: e.hint });
        else
          port.postMessage({
            type: 'error',
            index: msg.index,
            error: e instanceof Error ? (e.stack ?? e.message) : String(e),
          });
      }),
    );
  }
});
