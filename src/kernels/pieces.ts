/**
 * The pieces of a text between runs of line feeds, with a hash of each, in WebAssembly: what
 * `text.split(/\n+/)` and `text.split(/\n{2,}/)` make, as ranges, for the duplicate-line and
 * duplicate-paragraph rules. The text's UTF-16 code units are copied into the module's memory
 * once (`load`) and split as often as asked. A run of line feeds shorter than `minRun` belongs
 * to the piece (and its hash). Hashes are FNV-1a of the piece's code units, `hashRange`'s (`text/hash.ts`).
 */
import { BLOCK, br, brIf, code, ELSE, END, ensureMemory, get, I32, i32c, IF, instantiate, assemble, LOOP, memarg, OP, set, type WasmMemory, writeUtf16 } from './assembler.js';

const FNV = 0x811c9dc5;
const PRIME = 0x01000193;
const LF = 10;
const SRC = 0;

// pieces(a, b, out, cap, minRun) -> n; params 0..4; locals i=5 start=6 h=7 n=8 c=9 j=10
const [A, B, OUT, CAP, MIN_RUN, I, START, H, N, C, J] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const unit = (index: number): number[] => code(get(index), i32c(1), OP.shl, OP.load16u, memarg(1, SRC));

function push(from: number[], to: number[]): number[] {
  const store = (array: number, value: number[]): number[] =>
    code(get(OUT), i32c(array), get(CAP), OP.mul, i32c(2), OP.shl, OP.add, get(N), i32c(2), OP.shl, OP.add, value, OP.store, memarg(2, 0));
  return code(store(0, from), store(1, to), store(2, get(H)), get(N), i32c(1), OP.add, set(N));
}

function body(): number[] {
  return code(
    get(A), set(I), get(A), set(START), i32c(FNV), set(H), i32c(0), set(N),
    BLOCK, LOOP, // $done, $next
      get(I), get(B), OP.geU, brIf(1),
      unit(I), set(C),
      get(C), i32c(LF), OP.eq, IF,
        // j: the end of this run of line feeds
        get(I), i32c(1), OP.add, set(J),
        BLOCK, LOOP,
          get(J), get(B), OP.geU, brIf(1),
          unit(J), i32c(LF), OP.ne, brIf(1),
          get(J), i32c(1), OP.add, set(J),
          br(0),
        END, END,
        get(J), get(I), OP.sub, get(MIN_RUN), OP.geU, IF,
          push(get(START), get(I)),
          get(J), set(START), i32c(FNV), set(H),
        ELSE,
          // a shorter run is part of the piece
          BLOCK, LOOP,
            get(I), get(J), OP.geU, brIf(1),
            get(H), i32c(LF), OP.xor, i32c(PRIME), OP.mul, set(H),
            get(I), i32c(1), OP.add, set(I),
            br(0),
          END, END,
        END,
        get(J), set(I),
      ELSE,
        get(H), get(C), OP.xor, i32c(PRIME), OP.mul, set(H),
        get(I), i32c(1), OP.add, set(I),
      END,
      br(0),
    END, END,
    push(get(START), get(B)),
    get(N),
  );
}

/** Ranges of a text with a hash each: piece i is text[starts[i], ends[i]). */
export interface PieceSpans {
  n: number;
  starts: Int32Array;
  ends: Int32Array;
  hashes: Int32Array;
}

export interface PieceSplitter {
  /** Copies `text` into the kernel's memory for the `split` calls after it. */
  load(text: string): void;
  /**
   * The pieces of the loaded text's [from, to) between runs of at least `minRun` line feeds: views
   * of the kernel's memory, valid until the next `load` or `split` (read them before).
   */
  split(from: number, to: number, minRun: number): PieceSpans;
}

/** The kernel; undefined where WebAssembly is missing. */
export function pieceSplitter(): PieceSplitter | undefined {
  const exports = instantiate(
    assemble({ name: 'pieces', params: [I32, I32, I32, I32, I32], results: [I32], locals: [[6, I32]], body: body(), pages: 1 }),
  );
  if (!exports) return undefined;
  const memory = exports.mem as WasmMemory;
  const run = exports.pieces as (a: number, b: number, out: number, cap: number, minRun: number) => number;
  let length = 0;
  return {
    load(text) {
      length = text.length;
      // room for the text and, after it, three arrays of the most pieces a text of this length has
      ensureMemory(memory, SRC + 2 * length + 4 + 12 * ((length >> 1) + 2));
      writeUtf16(memory, SRC, text);
    },
    split(from, to, minRun) {
      // every piece but the last ends at a run of line feeds, so there are at most (to - from) / 2 + 2
      const cap = ((to - from) >> 1) + 2;
      const out = (SRC + 2 * length + 3) & ~3;
      const n = run(from, to, out, cap, minRun);
      const view = (k: number): Int32Array => new Int32Array(memory.buffer, out + 4 * k * cap, n);
      return { n, starts: view(0), ends: view(1), hashes: view(2) };
    },
  };
}
