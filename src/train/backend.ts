/**
 * TensorFlow.js backends, in DESIGN §6's order for `auto`: @tensorflow/tfjs-node-gpu (CUDA),
 * @tensorflow/tfjs-node, @tensorflow/tfjs-backend-wasm, the pure-JS cpu backend. The native
 * packages are optional dependencies whose install fails where libtensorflow cannot be
 * downloaded; a missing one is skipped by `auto` and a clear error when asked for by name.
 *
 * wasm lacks the UnsortedSegmentSum kernel, which every gather gradient (embeddings, MoE
 * dispatch) and the MoE combine need: a JavaScript kernel is registered for it
 * (research/stack-feasibility.md §3).
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';

export type BackendName = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

const require = createRequire(import.meta.url);

function tryRequire(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

let shimRegistered = false;

function registerWasmShims(): void {
  if (shimRegistered) return;
  shimRegistered = true;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array; makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo };
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const inner = x.shape.slice(1).reduce((a, n) => a * n, 1);
      const out = b.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
      const xs = b.typedArrayFromHeap(x);
      const ids = b.typedArrayFromHeap(segmentIds);
      const os = b.typedArrayFromHeap(out);
      os.fill(0);
      for (let r = 0; r < ids.length; r++) {
        const s = ids[r]!;
        if (s < 0 || s >= numSegments) continue;
        for (let k = 0; k < inner; k++) os[s * inner + k]! += xs[r * inner + k]!;
      }
      return out;
    },
  });
}

/** Selects and initialises a backend; returns the name in use (`tensorflow`, `wasm`, `cpu`). */
export async function selectBackend(requested: BackendName): Promise<string> {
  const order: BackendName[] = requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested];
  for (const name of order) {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      if (tryRequire(pkg) && (await tf.setBackend('tensorflow'))) return name === 'tensorflow-gpu' ? 'tensorflow (GPU, tfjs-node-gpu)' : 'tensorflow (tfjs-node)';
      if (requested !== 'auto') throw new UserError(`backend ${name} is not available: ${pkg} is not installed or cannot load libtensorflow`, `npm install ${pkg} (its install downloads libtensorflow), or use --backend wasm`);
      continue;
    }
    if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmShims();
      if (await tf.setBackend('wasm')) return 'wasm';
      if (requested !== 'auto') throw new UserError('the wasm backend failed to initialise', 'use --backend cpu');
      continue;
    }
    if (await tf.setBackend('cpu')) return 'cpu';
  }
  throw new UserError('no TensorFlow.js backend could be initialised');
}
