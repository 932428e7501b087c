/**
 * The lines of a text (Python's `str.splitlines()` boundaries) in WebAssembly, each with what
 * `c4-lines` and Gopher quality read: where it starts and ends, its first and last character
 * that is not white space, its words (runs without white space), its longest word in code
 * units, and the OR of its characters' classes. The classes come from a 64 Ki-entry table the
 * caller gives (`LINE_CLASS` in `filter/line-scan.ts`), with its bits for a line break, for white
 * space and for a possible sentence end. Each word with a possible sentence end is also written
 * as a chunk record (its range, its classes and the shape bits `ChunkShape` names), which C4's
 * sentence count reads instead of the text. The loop is the JavaScript one's
 * (`scanLines(text, { wasm: false })`), state for state; when the room for line records is full it
 * returns, the memory grows and it goes on.
 */
import { assemble, BLOCK, br, brIf, code, ELSE, END, ensureMemory, get, I32, i32c, IF, instantiate, LOOP, memarg, OP, set, type WasmMemory, writeUtf16 } from './assembler.js';

/** A line record's fields, in order; `STRIDE` numbers per line. */
export const START = 0;
export const LINE_END = 1;
export const FIRST = 2;
export const LAST = 3;
export const WORDS = 4;
export const LONGEST = 5;
export const FLAGS = 6;
/** The number of chunk records up to the end of this line (its chunks are those after the previous line's). */
export const CHUNK_END = 7;
export const STRIDE = 8;

/** A chunk record's fields: its range and bits (the OR of its classes, and `ChunkShape`'s). */
export const CHUNK_STRIDE = 3;

/** What the scan notes of a chunk's code units, above the 8 bits of the class table. */
export const ChunkShape = {
  /** a code unit above U+007E */
  HIGH: 1 << 8,
  /** a code unit below `!` */
  CONTROL: 1 << 9,
  /** a `.` first in the chunk or after a character that is no ASCII letter or digit */
  DOT_NOT_AFTER_ALNUM: 1 << 10,
  /** a `.` followed in the chunk by a character that is no ASCII lower-case letter or digit */
  DOT_NOT_BEFORE_LOWER: 1 << 11,
  /** a surrogate */
  SURROGATE: 1 << 12,
  /** a `!` or `?` that is not the chunk's last code unit */
  BANG_INSIDE: 1 << 13,
} as const;

const { HIGH, CONTROL, DOT_NOT_AFTER_ALNUM, DOT_NOT_BEFORE_LOWER, SURROGATE, BANG_INSIDE } = ChunkShape;

const TABLE = 0; // 65536 u8 classes
const CHUNK_COUNT = 65536; // the chunk records written so far (read and written by each call)
const SRC = 65536 + 16;
const BATCH = 4096; // room for line records to start with

// lines(start, n, out, cap, chunks) -> count; params 0..4;
// locals count=5 end=6 k=7 flags=8 first=9 last=10 words=11 longest=12 ws=13 wf=14 cn=15 j=16 c=17 pc=18 bits=19 pe=20 x=21
const [S, N, OUT, CAP, CHUNKS, COUNT, E, K, FL, F1, L1, W, LG, WS, WF, CN, J, C, PC, BITS, PE, X] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
] as const;

const unit = (index: number[]): number[] => code(index, i32c(1), OP.shl, OP.load16u, memarg(1, SRC));
/** 1 when lo <= x < lo + size (unsigned compare of x - lo). */
const inRange = (x: number[], lo: number, size: number): number[] => code(x, i32c(lo), OP.sub, i32c(size), OP.ltU);
const lowerOrDigit = (x: number[]): number[] => code(inRange(x, 97, 26), inRange(x, 48, 10), OP.or);
const alnum = (x: number[]): number[] => code(lowerOrDigit(x), inRange(x, 65, 26), OP.or);
const mark = (bit: number): number[] => code(get(BITS), i32c(bit), OP.or, set(BITS));

/**
 * The shape bits of chunk record `x` (the word text[ws, end) whose classes are `wf`), from one
 * pass over it, stored in the record. `pe` is 1 while the code unit before is `.` `!` or `?`
 * (what the next one is checked for). Run after the line loop, so that loop stays small.
 */
function chunkShape(): number[] {
  const field = (f: number): number[] => code(get(CHUNKS), get(X), i32c(4 * CHUNK_STRIDE), OP.mul, OP.add, OP.load, memarg(2, 4 * f));
  return code(
    field(0), set(WS), field(1), set(E), field(2), set(WF),
    get(WF), set(BITS), i32c(-1), set(PC), i32c(0), set(PE),
    get(WS), set(J),
    BLOCK, LOOP,
      get(J), get(E), OP.geU, brIf(1),
      unit(get(J)), set(C),
      get(PE), IF,
        get(PC), i32c(46), OP.eq, IF,
          lowerOrDigit(get(C)), OP.eqz, IF, mark(DOT_NOT_BEFORE_LOWER), END,
        ELSE,
          mark(BANG_INSIDE),
        END,
      END,
      inRange(get(C), 33, 94), OP.eqz, IF,
        get(C), i32c(126), OP.gtU, IF,
          mark(HIGH),
          inRange(get(C), 0xd800, 0x800), IF, mark(SURROGATE), END,
        ELSE,
          mark(CONTROL),
        END,
        i32c(0), set(PE),
      ELSE,
        get(C), i32c(46), OP.eq, IF,
          inRange(get(PC), 0, 0x10000), IF,
            alnum(get(PC)), OP.eqz, IF, mark(DOT_NOT_AFTER_ALNUM), END,
          ELSE,
            mark(DOT_NOT_AFTER_ALNUM),
          END,
          i32c(1), set(PE),
        ELSE,
          get(C), i32c(33), OP.eq, get(C), i32c(63), OP.eq, OP.or, set(PE),
        END,
      END,
      get(C), set(PC),
      get(J), i32c(1), OP.add, set(J),
      br(0),
    END, END,
    get(CHUNKS), get(X), i32c(4 * CHUNK_STRIDE), OP.mul, OP.add, get(BITS), OP.store, memarg(2, 8),
  );
}

function body(breakBit: number, spaceBit: number, endBit: number): number[] {
  const field = (f: number, value: number[]): number[] =>
    code(get(OUT), get(COUNT), i32c(4 * STRIDE), OP.mul, OP.add, value, OP.store, memarg(2, 4 * f));
  const chunk = (f: number, value: number[]): number[] =>
    code(get(CHUNKS), get(CN), i32c(4 * CHUNK_STRIDE), OP.mul, OP.add, value, OP.store, memarg(2, 4 * f));
  const endWord = code(
    get(E), get(WS), OP.sub, get(LG), OP.gtU, IF, get(E), get(WS), OP.sub, set(LG), END,
    get(E), i32c(1), OP.sub, set(L1),
    get(WF), i32c(endBit), OP.and, IF,
      chunk(0, get(WS)), chunk(1, get(E)), chunk(2, get(WF)),
      get(CN), i32c(1), OP.add, set(CN),
    END,
  );
  return code(
    i32c(0), set(COUNT),
    i32c(CHUNK_COUNT), OP.load, memarg(2, 0), set(CN),
    get(CN), set(X),
    BLOCK, LOOP, // $done, $line
      get(S), get(N), OP.geU, brIf(1),
      get(COUNT), get(CAP), OP.geU, brIf(1),
      i32c(-1), set(F1), i32c(-1), set(L1), i32c(0), set(W), i32c(0), set(LG), i32c(0), set(FL),
      get(S), set(E),
      BLOCK, LOOP, // $eol, $char: white space, or the start of a word
        get(E), get(N), OP.geU, brIf(1),
        unit(get(E)), OP.load8u, memarg(0, TABLE), set(K),
        get(K), i32c(breakBit | spaceBit), OP.and, OP.eqz, IF,
          get(E), set(WS),
          get(K), set(WF),
          get(W), i32c(1), OP.add, set(W),
          get(F1), i32c(0), OP.ltS, IF, get(E), set(F1), END,
          get(E), i32c(1), OP.add, set(E),
          BLOCK, LOOP, // the rest of the word, in a loop of its own
            get(E), get(N), OP.geU, brIf(1),
            unit(get(E)), OP.load8u, memarg(0, TABLE), set(K),
            get(K), i32c(breakBit | spaceBit), OP.and, brIf(1),
            get(WF), get(K), OP.or, set(WF),
            get(E), i32c(1), OP.add, set(E),
            br(0),
          END, END,
          get(FL), get(WF), OP.or, set(FL),
          endWord,
          br(1), // → $char, which reads the unit after the word again
        END,
        get(FL), get(K), OP.or, set(FL),
        get(K), i32c(breakBit), OP.and, brIf(1), // → $eol
        get(E), i32c(1), OP.add, set(E),
        br(0),
      END, END,
      field(START, get(S)),
      field(LINE_END, get(E)),
      field(FIRST, get(F1)),
      field(LAST, get(L1)),
      field(WORDS, get(W)),
      field(LONGEST, get(LG)),
      field(FLAGS, code(get(FL), i32c(~breakBit), OP.and)),
      field(CHUNK_END, get(CN)),
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
    i32c(CHUNK_COUNT), get(CN), OP.store, memarg(2, 0),
    // the shapes of the chunks this call recorded
    BLOCK, LOOP,
      get(X), get(CN), OP.geU, brIf(1),
      chunkShape(),
      get(X), i32c(1), OP.add, set(X),
      br(0),
    END, END,
    get(COUNT),
  );
}

/** A text's line records (`STRIDE` numbers per line) and chunk records (`CHUNK_STRIDE` per chunk). */
export interface LineScan {
  lines: Int32Array;
  chunks: Int32Array;
}

export interface LineScanner {
  scan(text: string): LineScan;
}

/**
 * The kernel for a class table whose `breakBit` marks line breaks (a break has only that bit),
 * `spaceBit` white space and `endBit` a possible sentence end; undefined where WebAssembly is missing.
 */
export function lineScanner(classes: Uint8Array, breakBit: number, spaceBit: number, endBit: number): LineScanner | undefined {
  const exports = instantiate(
    assemble({
      name: 'lines',
      params: [I32, I32, I32, I32, I32],
      results: [I32],
      locals: [[17, I32]],
      body: body(breakBit, spaceBit, endBit),
      pages: 2,
    }),
  );
  if (!exports) return undefined;
  const memory = exports.mem as WasmMemory;
  new Uint8Array(memory.buffer, TABLE, 65536).set(classes);
  const run = exports.lines as (start: number, n: number, out: number, cap: number, chunks: number) => number;
  return {
    scan(text) {
      const n = text.length;
      // a chunk takes at least one code unit and a separator after it (or ends the text)
      const chunkCap = (n >> 1) + 1;
      const chunksAt = (SRC + 2 * n + 3) & ~3;
      // the line records come last in memory, so more room for them is memory grown in place
      const linesAt = chunksAt + 4 * CHUNK_STRIDE * chunkCap;
      let cap = Math.max(BATCH, n >> 5);
      ensureMemory(memory, linesAt + 4 * STRIDE * cap);
      writeUtf16(memory, SRC, text);
      new Int32Array(memory.buffer, CHUNK_COUNT, 1)[0] = 0;
      let lines = 0;
      for (let start = 0; start < n; ) {
        if (lines === cap) {
          cap *= 2;
          ensureMemory(memory, linesAt + 4 * STRIDE * cap);
        }
        lines += run(start, n, linesAt + 4 * STRIDE * lines, cap - lines, chunksAt);
        const end = new Int32Array(memory.buffer, linesAt + 4 * (STRIDE * (lines - 1) + LINE_END), 1)[0]!;
        start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
      }
      const chunkCount = new Int32Array(memory.buffer, CHUNK_COUNT, 1)[0]!;
      return {
        lines: new Int32Array(memory.buffer, linesAt, STRIDE * lines).slice(),
        chunks: new Int32Array(memory.buffer, chunksAt, CHUNK_STRIDE * chunkCount).slice(),
      };
    },
  };
}
