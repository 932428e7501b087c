/**
 * The MinHash inner loop in WebAssembly SIMD: for each permutation k, min over shingles x of
 * (a_k·x + b_k) mod 2^32, four permutations per i32x4 lane group and four groups per pass over
 * the shingles (13 live v128 values: they stay in registers). Same results as the scalar loop in
 * `dedup/minhash.ts` (JavaScript has no SIMD; V8 compiles this to SSE4.1 `pmulld`/`pminud`).
 *
 * Assembled at load time by `assembler.ts` from the instruction list below.
 */
import { assemble, BLOCK, br, brIf, code, END, ensureMemory, get, I32, i32c, instantiate, LOOP, memarg, OP, set, simd, V128, type WasmMemory } from './assembler.js';

// minhash(sh, n, a, b, out, groups): params 0..5; locals g=6 p=7 end=8 base=9, v128 10..22
const [SH, N, A, B, OUT, GROUPS, G, P, E, BASE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const av = (j: number) => 10 + j;
const bv = (j: number) => 14 + j;
const acc = (j: number) => 18 + j;
const X = 22;
const group = (f: (j: number) => number[]): number[] => [0, 1, 2, 3].flatMap(f);

function body(): number[] {
  return code(
    get(SH), get(N), i32c(2), OP.shl, OP.add, set(E), // end = sh + n*4
    BLOCK, LOOP, // $done, $groups
    get(G), get(GROUPS), OP.geU, brIf(1),
    get(G), i32c(6), OP.shl, set(BASE), // base = g * 64: byte offset of this group of 16 permutations
    group((j) => code(
      get(A), get(BASE), OP.add, simd(0x00, ...memarg(0, j * 16)), set(av(j)), // v128.load
      get(B), get(BASE), OP.add, simd(0x00, ...memarg(0, j * 16)), set(bv(j)),
      simd(0x0c, ...new Array(16).fill(0xff)), set(acc(j)), // v128.const all ones
    )),
    get(SH), set(P),
    BLOCK, LOOP, // $shingles, $next
    get(P), get(E), OP.geU, brIf(1),
    get(P), simd(0x09, ...memarg(2, 0)), set(X), // v128.load32_splat
    // acc_j = min_u(acc_j, x * a_j + b_j): i32x4.mul, i32x4.add, i32x4.min_u
    group((j) => code(get(acc(j)), get(X), get(av(j)), simd(0xb5), get(bv(j)), simd(0xae), simd(0xb7), set(acc(j)))),
    get(P), i32c(4), OP.add, set(P), br(0),
    END, END,
    group((j) => code(get(OUT), get(BASE), OP.add, get(acc(j)), simd(0x0b, ...memarg(0, j * 16)))), // v128.store
    get(G), i32c(1), OP.add, set(G), br(0),
    END, END,
  );
}

/** Permutations per group: the kernel works on 16 at a time (callers pad a and b). */
export const GROUP = 16;

export interface SimdMinHash {
  /** Minimum of (a_k·x + b_k) mod 2^32 over `shingles`, for each of `a.length` permutations. */
  signature(shingles: Uint32Array, out: Uint32Array): void;
}

/** The SIMD kernel for these permutations, or undefined where WebAssembly SIMD is unavailable. */
export function simdMinHash(a: Uint32Array, b: Uint32Array): SimdMinHash | undefined {
  const exports = instantiate(assemble({ name: 'minhash', params: [I32, I32, I32, I32, I32, I32], results: [], locals: [[4, I32], [13, V128]], body: body(), pages: 1 }));
  if (!exports) return undefined;
  const memory = exports.mem as WasmMemory;
  const run = exports.minhash as (sh: number, n: number, a: number, b: number, out: number, groups: number) => void;
  const groups = Math.ceil(a.length / GROUP);
  const padded = groups * GROUP;
  // layout: a | b | out | shingles (grows)
  const [offA, offB, offOut, offSh] = [0, padded * 4, padded * 8, padded * 12];
  let u32 = new Uint32Array(memory.buffer);
  u32.set(a, offA / 4);
  u32.fill(1, offA / 4 + a.length, offA / 4 + padded);
  u32.set(b, offB / 4);
  return {
    signature(shingles, out) {
      if (ensureMemory(memory, offSh + shingles.length * 4)) u32 = new Uint32Array(memory.buffer);
      u32.set(shingles, offSh / 4);
      run(offSh, shingles.length, offA, offB, offOut, groups);
      out.set(u32.subarray(offOut / 4, offOut / 4 + a.length));
    },
  };
}
