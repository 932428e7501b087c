/**
 * The lines of a text (Python's `str.splitlines()` boundaries) in WebAssembly, each with what
 * `c4-lines` and Gopher quality read: where it starts and ends, its first and last character
 * that is not white space, its words (runs without white space), its longest word in code
 * units, and the OR of its characters' classes. The classes come from a 64 Ki-entry table the
 * caller gives (`lineClasses` in `filter/line-scan.ts`), with its bits for a line break and for
 * white space. The loop is the JavaScript one's (`scanLines(text, { wasm: false })`), state for
 * state; records are written in batches, so memory stays small whatever the number of lines.
 */
import { assemble, BLOCK, br, brIf, code, ELSE, END, ensureMemory, get, I32, i32c, IF, instantiate, LOOP, memarg, OP, set, type WasmMemory, writeUtf16 } from './assembler.js';

/** A record's fields, in order; `STRIDE` numbers per line. */
export const START = 0;
export const LINE_END = 1;
export const FIRST = 2;
export const LAST = 3;
export const WORDS = 4;
export const LONGEST = 5;
export const FLAGS = 6;
export const STRIDE = 7;

const TABLE = 0; // 65536 u8 classes
const SRC = 65536;
const BATCH = 4096; // lines per call

// lines(start, n, out, cap) -> count; params 0..3; locals count=4 end=5 k=6 flags=7 first=8 last=9 words=10 longest=11 ws=12
const [S, N, OUT, CAP, COUNT, E, K, FL, F1, L1, W, LG, WS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

const unit = (index: number[]): number[] => code(index, i32c(1), OP.shl, OP.load16u, memarg(1, SRC));

function body(breakBit: number, spaceBit: number): number[] {
  const field = (f: number, value: number[]): number[] =>
    code(get(OUT), get(COUNT), i32c(4 * STRIDE), OP.mul, OP.add, value, OP.store, memarg(2, 4 * f));
  const endWord = code(
    get(E), get(WS), OP.sub, get(LG), OP.gtU, IF, get(E), get(WS), OP.sub, set(LG), END,
    get(E), i32c(1), OP.sub, set(L1),
  );
  return code(
    i32c(0), set(COUNT),
    BLOCK, LOOP, // $done, $line
      get(S), get(N), OP.geU, brIf(1),
      get(COUNT), get(CAP), OP.geU, brIf(1),
      i32c(-1), set(F1), i32c(-1), set(L1), i32c(0), set(W), i32c(0), set(LG), i32c(0), set(FL), i32c(-1), set(WS),
      get(S), set(E),
      BLOCK, LOOP, // $eol, $char
        get(E), get(N), OP.geU, brIf(1),
        unit(get(E)), OP.load8u, memarg(0, TABLE), set(K),
        get(FL), get(K), OP.or, set(FL),
        get(K), i32c(breakBit | spaceBit), OP.and, OP.eqz, IF,
          get(WS), i32c(0), OP.ltS, IF,
            get(E), set(WS),
            get(W), i32c(1), OP.add, set(W),
            get(F1), i32c(0), OP.ltS, IF, get(E), set(F1), END,
          END,
        ELSE,
          get(WS), i32c(0), OP.geS, IF, endWord, i32c(-1), set(WS), END,
          get(K), i32c(breakBit), OP.and, brIf(2), // → $eol
        END,
        get(E), i32c(1), OP.add, set(E),
        br(0),
      END, END,
      get(WS), i32c(0), OP.geS, IF, endWord, END,
      field(START, get(S)),
      field(LINE_END, get(E)),
      field(FIRST, get(F1)),
      field(LAST, get(L1)),
      field(WORDS, get(W)),
      field(LONGEST, get(LG)),
      field(FLAGS, code(get(FL), i32c(~breakBit), OP.and)),
      get(COUNT), i32c(1), OP.add, set(COUNT),
      // the next line starts after the break (`\r\n` is one)
      get(E), i32c(1), OP.add, set(S),
      get(S), get(N), OP.ltU, IF,
        unit(get(E)), i32c(13), OP.eq, unit(get(S)), i32c(10), OP.eq, OP.and, IF,
          get(S), i32c(1), OP.add, set(S),
        END,
      END,
      br(0),
    END, END,
    get(COUNT),
  );
}

export interface LineScanner {
  /** The records of `text`'s lines, `STRIDE` numbers each. */
  scan(text: string): Int32Array;
}

/**
 * The kernel for a class table whose `breakBit` marks line breaks and `spaceBit` white space
 * (a line break has only `breakBit`); undefined where WebAssembly is missing.
 */
export function lineScanner(classes: Uint8Array, breakBit: number, spaceBit: number): LineScanner | undefined {
  const exports = instantiate(
    assemble({ name: 'lines', params: [I32, I32, I32, I32], results: [I32], locals: [[9, I32]], body: body(breakBit, spaceBit), pages: 2 }),
  );
  if (!exports) return undefined;
  const memory = exports.mem as WasmMemory;
  new Uint8Array(memory.buffer, TABLE, 65536).set(classes);
  const run = exports.lines as (start: number, n: number, out: number, cap: number) => number;
  return {
    scan(text) {
      const n = text.length;
      const out = (SRC + 2 * n + 3) & ~3;
      ensureMemory(memory, out + 4 * STRIDE * BATCH);
      writeUtf16(memory, SRC, text);
      let records = new Int32Array(STRIDE * Math.min(BATCH, (n >> 4) + 1));
      let lines = 0;
      for (let start = 0; start < n; ) {
        const count = run(start, n, out, BATCH);
        if (STRIDE * (lines + count) > records.length) {
          const grown = new Int32Array(Math.max(2 * records.length, STRIDE * (lines + count)));
          grown.set(records.subarray(0, STRIDE * lines));
          records = grown;
        }
        records.set(new Int32Array(memory.buffer, out, STRIDE * count), STRIDE * lines);
        lines += count;
        const end = records[STRIDE * (lines - 1) + LINE_END]!;
        start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
      }
      return records.subarray(0, STRIDE * lines);
    },
  };
}
