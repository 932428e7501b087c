/**
 * Data parallelism on one machine: replica 0 lives in this thread (it also evaluates and writes
 * checkpoints), replicas 1… in worker threads, each with its own tfjs backend (wasm cannot use
 * threads in Node, so this is how training uses more than one core). Micro-batch m of a step
 * goes to replica m mod P; the driver adds the gradients in micro-batch order, exactly as one
 * replica would, so any number of workers gives bit-identical weights.
 */
import { Worker } from 'node:worker_threads';
import { DataError } from '../core/errors.js';
import { threadsAvailable } from '../core/pool.js';
import type { BackendName } from './backend.js';
import { meanLoss, type MicroRef, type MicroResult, Replica, type ReplicaInit } from './replica.js';

export interface ReplicaClient {
  grads(step: number, micro: number, next?: MicroRef): Promise<MicroResult>;
  apply(sum: Float32Array, present: Uint8Array, lr: number, biasDelta: number[][] | undefined): Promise<number>;
  evalBatches(maxTokens: number, part: number, of: number): Promise<Array<[number, number, number]>>;
  close(): Promise<void>;
}

/** Lets the caller post every worker's request before this thread starts its own (synchronous) work. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function local(replica: Replica): ReplicaClient {
  return {
    grads: async (step, micro, next) => {
      await yieldToLoop();
      return replica.grads(step, micro, next);
    },
    apply: async (sum, present, lr, biasDelta) => {
      await yieldToLoop();
      return replica.apply(sum, present, lr, biasDelta);
    },
    evalBatches: async (maxTokens, part, of) => {
      await yieldToLoop();
      return replica.evalBatches(maxTokens, part, of);
    },
    close: async () => replica.close(),
  };
}

/** A worker thread that died, or did not answer within the timeout: the run can restart it from a checkpoint. */
export class WorkerFailure extends Error {
  override readonly name = 'WorkerFailure';
}

export interface ReplicaOptions {
  /** A request not answered within this time is a hung worker. */
  timeoutMs?: number;
  /** Test-only fault injection (`faults.ts`): worker 1 exits (or hangs) at this step, once. */
  killAt?: number;
  hangAt?: number;
  killMarker?: string;
}

function remote(init: ReplicaInit, backend: BackendName, index: number, opts: ReplicaOptions): ReplicaClient {
  const worker = new Worker(new URL('./replica-worker.js', import.meta.url), {
    workerData: {
      init,
      backend,
      kill:
        index === 1 && (opts.killAt ?? opts.hangAt) !== undefined
          ? { step: (opts.killAt ?? opts.hangAt)!, hang: opts.hangAt !== undefined, marker: opts.killMarker }
          : undefined,
    },
  });
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer?: NodeJS.Timeout }
  >();
  let nextId = 0;
  let failure: unknown;
  let closing = false;
  worker.on('message', (msg: { id: number; result?: unknown; error?: string; user?: boolean; hint?: string }) => {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (p?.timer) clearTimeout(p.timer);
    if (msg.error === undefined) p?.resolve(msg.result);
    else
      p?.reject(msg.user ? new DataError(msg.error, msg.hint) : new Error(`in training worker ${index}: ${msg.error}`));
  });
  const fail = (e: unknown): void => {
    failure ??= e;
    for (const p of pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(failure);
    }
    pending.clear();
  };
  worker.on('error', (e) => fail(new WorkerFailure(`worker ${index} failed (${e.message})`)));
  // a thread that dies without an error event (out of memory, killed) must not leave the step waiting
  worker.on('exit', (code) => {
    if (!closing) fail(new WorkerFailure(`worker ${index} exited (code ${code})`));
  });
  const call = <R>(msg: Record<string, unknown>): Promise<R> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            fail(
              new WorkerFailure(
                `worker ${index} did not answer within ${opts.timeoutMs! / 1000} s (train.workerTimeout)`,
              ),
            );
            void worker.terminate();
          }, opts.timeoutMs)
        : undefined;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      worker.postMessage({ ...msg, id });
    });
  };
  return {
    grads: (step, micro, next) => call<MicroResult>({ op: 'grads', step, micro, next }),
    apply: (sum, present, lr, biasDelta) => call<number>({ op: 'apply', sum: sum.buffer, present, lr, biasDelta }),
    evalBatches: (maxTokens, part, of) => call<Array<[number, number, number]>>({ op: 'eval', maxTokens, part, of }),
    close: async () => {
      if (!failure) await call({ op: 'close' }).catch(() => undefined);
      closing = true;
      await worker.terminate();
    },
  };
}

export interface Replicas {
  /** Replica 0, in this thread. */
  main: Replica;
  clients: ReplicaClient[];
  /** The summed gradient, in memory every replica reads. */
  sum: Float32Array;
}

/**
 * Starts `count` replicas; where worker threads cannot run (`threadsAvailable`), the extra
 * replicas run in this thread, in turn, with the same results.
 */
export async function startReplicas(
  init: ReplicaInit,
  count: number,
  backend: BackendName,
  opts: ReplicaOptions = {},
): Promise<Replicas> {
  const main = await Replica.create(init);
  const clients = [local(main)];
  for (let i = 1; i < count; i++)
    clients.push(threadsAvailable ? remote(init, backend, i, opts) : local(await Replica.create(init)));
  return { main, clients, sum: new Float32Array(new SharedArrayBuffer(main.total * 4)) };
}

/**
 * Runs a step's micro-batches on the replicas and adds their gradients into `r.sum` in
 * micro-batch order. Returns the micro-batch results (gradients dropped) in order.
 */
export async function accumulate(
  r: Replicas,
  step: number,
  gradAccum: number,
): Promise<{ results: MicroResult[]; present: Uint8Array }> {
  const P = r.clients.length;
  const results: MicroResult[] = [];
  const waiting = new Map<number, MicroResult>();
  const present = new Uint8Array(r.main.trainable.length);
  const take = (m: MicroResult): void => {
    waiting.set(m.micro, m);
    for (let next = waiting.get(results.length); next; next = waiting.get(results.length)) {
      waiting.delete(next.micro);
      if (results.length === 0) r.sum.set(next.flat);
      else {
        const s = r.sum;
        const f = next.flat;
        for (let j = 0; j < s.length; j++) s[j] = s[j]! + f[j]!;
      }
      for (const [i, v] of next.present.entries()) present[i] = present[i]! | v;
      results.push({ ...next, flat: new Float32Array(0) });
    }
  };
  await Promise.all(
    r.clients.map(async (client, w) => {
      // each replica's next micro-batch: the next of this step, else its first of the next step
      for (let m = w; m < gradAccum; m += P)
        take(await client.grads(step, m, m + P < gradAccum ? { step, micro: m + P } : { step: step + 1, micro: w }));
    }),
  );
  return { results, present };
}

/** Applies the summed gradient on every replica; the gradient norm before clipping. */
export async function applyAll(
  r: Replicas,
  present: Uint8Array,
  lr: number,
  biasDelta: number[][] | undefined,
): Promise<number> {
  const norms = await Promise.all(r.clients.map((c) => c.apply(r.sum, present, lr, biasDelta)));
  return norms[0]!;
}

/** Validation loss with the batches shared out over the replicas, summed in batch order. */
export async function evaluateAll(r: Replicas, maxTokens: number): Promise<{ loss: number; tokens: number }> {
  const P = r.clients.length;
  const parts = await Promise.all(r.clients.map((c, w) => c.evalBatches(maxTokens, w, P)));
  return meanLoss(parts.flat());
}

export async function stopReplicas(r: Replicas): Promise<void> {
  await Promise.all(r.clients.map((c) => c.close()));
}
