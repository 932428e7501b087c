/**
 * A worker thread holding one `Replica`: selects its own tfjs backend, then answers the
 * driver's requests (`replicas.ts`) one at a time. Gradients go back as transferred buffers;
 * the summed gradient comes in through shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../core/errors.js';
import { type BackendName, selectBackend } from './backend.js';
import { type MicroRef, Replica, type ReplicaInit } from './replica.js';
import { existsNow, writeTextSync } from '../io/files.js';

const { init, backend, kill } = workerData as {
  init: ReplicaInit;
  backend: BackendName;
  kill?: { step: number; hang: boolean; marker?: string };
};
const port = parentPort!;

type Request =
  | { id: number; op: 'grads'; step: number; micro: number; next?: MicroRef }
  | { id: number; op: 'apply'; sum: SharedArrayBuffer; present: Uint8Array; lr: number; biasDelta?: number[][] }
  | { id: number; op: 'eval'; maxTokens: number; part: number; of: number }
  | { id: number; op: 'close' };

let replica: Replica;
const ready = selectBackend(backend).then(async () => {
  replica = await Replica.create(init);
});

port.on('message', (msg: Request) => {
  ready
    .then(() => {
      if (msg.op === 'grads') {
        // test-only fault injection (faults.ts): die, or stop answering, at a step, once
        if (kill && msg.step + 1 === kill.step && kill.marker && !existsNow(kill.marker)) {
          writeTextSync(kill.marker, `${kill.hang ? 'hung' : 'killed'} at step ${kill.step}\n`);
          if (kill.hang) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
          process.exit(1);
        }
        return replica
          .grads(msg.step, msg.micro, msg.next)
          .then((r) => port.postMessage({ id: msg.id, result: r }, [r.flat.buffer as ArrayBuffer]));
      } else if (msg.op === 'apply') {
        port.postMessage({
          id: msg.id,
          result: replica.apply(new Float32Array(msg.sum), msg.present, msg.lr, msg.biasDelta),
        });
      } else if (msg.op === 'eval') {
        port.postMessage({ id: msg.id, result: replica.evalBatches(msg.maxTokens, msg.part, msg.of) });
      } else {
        replica.close();
        port.postMessage({ id: msg.id, result: null });
      }
    })
    .catch((e: unknown) => {
      if (isUserError(e)) port.postMessage({ id: msg.id, error: e.message, user: true, hint: e.hint });
      else port.postMessage({ id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    });
});
