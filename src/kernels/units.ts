/**
 * `unitHashes`' scan in WebAssembly: the text's UTF-16 code units are copied into the module's
 * memory (Buffer.write, native) and each is looked up in a 64 Ki-entry table (separator, '0'
 * for digits, else its lower case) filled lazily by a JavaScript callback, then hashed (FNV-1a
 * per word, or per unit for space-less scripts). Same results as the JavaScript loop, lone
 * surrogates included. It reads UTF-16 code units rather than UTF-8 bytes: no decoding and no
 * well-formedness check.
 */
import { BLOCK, br, brIf, call, code, ELSE, END, ensureMemory, get, I32, i32c, IF, LOOP, memarg, OP, set, tableKernel, writeUtf16 } from './assembler.js';

export const SEPARATOR = -1;
export const UNKNOWN = -2;
const FNV = 0x811c9dc5;
const PRIME = 0x01000193;
const TABLE = 0; // 65536 i32 units
const SRC = 65536 * 4;

// units(src, bytes, out, cjk) -> count; memory: 8 pages (the table and a first text). params 0..3; locals p=4 end=5 n=6 h=7 inWord=8 c=9 u=10
const [S, LEN, OUT, CJK, P, E, N, H, W, C, U] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

function body(): number[] {
  const push = (value: number[]): number[] => code(get(OUT), get(N), i32c(2), OP.shl, OP.add, value, OP.store, memarg(2, 0), get(N), i32c(1), OP.add, set(N));
  return code(
    get(S), set(P),
    get(S), get(LEN), OP.add, set(E),
    i32c(FNV), set(H),
    BLOCK, LOOP, // $done, $next
    // the next UTF-16 code unit → c
    get(P), get(E), OP.geU, brIf(1), // → $done
    get(P), OP.load16u, memarg(1, 0), set(C),
    get(P), i32c(2), OP.add, set(P),
    // u = table[c], classified on first sight
    get(C), i32c(2), OP.shl, OP.load, memarg(2, TABLE), set(U),
    get(U), i32c(UNKNOWN), OP.eq, IF, get(C), get(P), call(0), set(U), END,
    get(U), i32c(SEPARATOR), OP.eq, IF,
      get(W), IF, push(get(H)), END,
      i32c(FNV), set(H), i32c(0), set(W),
    ELSE, get(CJK), IF,
      push(code(i32c(FNV), get(U), OP.xor, i32c(PRIME), OP.mul)),
    ELSE,
      get(H), get(U), OP.xor, i32c(PRIME), OP.mul, set(H), i32c(1), set(W),
    END, END,
    br(0),
    END, END,
    get(W), IF, push(get(H)), END,
    get(N),
  );
}

export interface UnitScanner {
  /** Unit hashes of well-formed text `t` (already NFKC-normalised), words or (cjk) single units. */
  scan(t: string, cjk: boolean): Uint32Array;
}

/** The kernel, with `classify(c)` giving the unit of code unit c; undefined where wasm is unavailable. */
export function unitScanner(classify: (c: number) => number): UnitScanner | undefined {
  const kernel = tableKernel(
    { name: 'units', params: [I32, I32, I32, I32], results: [I32], locals: [[7, I32]], body: body(), pages: 8, imports: [{ name: 'classify', params: [I32, I32], results: [I32] }] },
    { at: TABLE, type: Int32Array, empty: UNKNOWN },
    classify,
  );
  if (!kernel) return undefined;
  const { memory } = kernel;
  const run = kernel.exports.units as (src: number, len: number, out: number, cjk: number) => number;
  return {
    scan(t, cjk) {
      const bytes = 2 * t.length;
      const out = SRC + ((bytes + 3) & ~3);
      ensureMemory(memory, out + 4 * (t.length + 1));
      writeUtf16(memory, SRC, t);
      const n = run(SRC, bytes, out, cjk ? 1 : 0);
      return new Uint32Array(memory.buffer, out, n).slice();
    },
  };
}
