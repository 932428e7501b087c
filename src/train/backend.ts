/**
 * TensorFlow.js backends, in docs/DESIGN.md §6's order for `auto`: @tensorflow/tfjs-node-gpu (CUDA),
 * @tensorflow/tfjs-node, @tensorflow/tfjs-backend-wasm, the pure-JS cpu backend. The native
 * packages are optional dependencies whose install fails where libtensorflow cannot be
 * downloaded; a missing one is skipped by `auto` and a clear error when asked for by name.
 *
 * wasm lacks the UnsortedSegmentSum kernel, which every gather gradient (embeddings, MoE
 * dispatch) and the MoE combine need: a JavaScript kernel is registered for it
 * here. Its Slice and SplitV copy the whole input out of the wasm
 * heap for every slice (`readSync`): replaced by kernels that read the heap in place, which
 * makes splitting attention into heads 20× cheaper.
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

interface WasmBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** x[begin : begin + size] of a tensor of `shape`, copied run by run (the innermost axis is contiguous). */
function sliceInto(
  xs: Float32Array | Int32Array,
  shape: number[],
  begin: number[],
  size: number[],
  out: Float32Array | Int32Array,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = xs[0]!;
    return;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  const inner = size[rank - 1]!;
  const idx = new Array<number>(rank - 1).fill(0);
  let runs = 1;
  for (let d = 0; d < rank - 1; d++) runs *= size[d]!;
  for (let n = 0, o = 0; n < runs; n++, o += inner) {
    let off = begin[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) off += (begin[d]! + idx[d]!) * strides[d]!;
    out.set(xs.subarray(off, off + inner), o);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
}

function wasmSlice(x: tf.TensorInfo, begin: number[], size: number[], backend: WasmBackend): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype); // may grow the heap: views are taken after
  if (size.some((n) => n === 0)) return out;
  sliceInto(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

let shimRegistered = false;

function registerWasmShims(): void {
  if (shimRegistered) return;
  shimRegistered = true;
  for (const name of ['Slice', 'SplitV']) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const a = attrs as unknown as { begin: number | number[]; size: number | number[] };
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, a.begin, a.size) as [number[], number[]];
      return wasmSlice(x, begin, size, backend as unknown as WasmBackend);
    },
  });
  tf.registerKernel({
    kernelName: 'SplitV',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const a = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
      const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis);
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((n) => {
        const size = x.shape.slice();
        size[axis] = n;
        const out = wasmSlice(x, begin.slice(), size, backend as unknown as WasmBackend);
        begin[axis]! += n;
        return out;
      });
    },
  });
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackend;
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
      if (tryRequire(pkg) && (await tf.setBackend('tensorflow')))
        return name === 'tensorflow-gpu' ? 'tensorflow (GPU, tfjs-node-gpu)' : 'tensorflow (tfjs-node)';
      if (requested !== 'auto')
        throw new UserError(
          `backend ${name} is not available: ${pkg} is not installed or cannot load libtensorflow`,
          `npm install ${pkg} (its install downloads libtensorflow), or use --backend wasm`,
        );
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
