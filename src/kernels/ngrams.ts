/**
 * Gopher repetition's n-gram measures in WebAssembly, the JavaScript algorithm of
 * `gopher-repetition.ts` step for step: n-gram keys advanced order by order (2 … 10) over the
 * candidate positions whose shorter n-gram repeated, counted in an open-addressing table
 * (slots of [key, count, first position, unused]; key 0 is counted as 1, as `IntCounter`
 * does), the candidates pruned to repeated ones, then per order either the most frequent
 * n-gram (count and first position, for n = 2–4) or the characters of duplicated n-grams found
 * by datatrove's left-to-right scan (n = 5–10). Once an order finds no repetition, the higher
 * orders are 0 without being computed, as in JavaScript.
 */
import { assemble, BLOCK, br, brIf, code, ELSE, END, ensureMemory, get, I32, i32c, IF, instantiate, LOOP, memarg, MEMORY_FILL, OP, set, type WasmMemory } from './assembler.js';

export const MAX_ORDER = 10;
const FIRST_DUP_ORDER = 5;

// ngrams(w, hashes, starts, ends, prefix, keys, cand, slotOf, table, out)
const [W, HASHES, STARTS, ENDS, PREFIX, KEYS, CAND, SLOTOF, TABLE, OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
// locals
const [M, CUR, TARGET, REPEATS, J, I, M2, MASK, CAP, KEY, SLOT, ADDR, KK, CNT, BEST, BEST_AT, CHARS, NEXT, F, RES] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29];

const at = (base: number, index: number): number[] => code(get(base), get(index), i32c(2), OP.shl, OP.add);
const load = (address: number[], offset = 0): number[] => code(address, OP.load, memarg(2, offset));
const store = (address: number[], value: number[], offset = 0): number[] => code(address, value, OP.store, memarg(2, offset));
const inc = (local: number, by: number[] = i32c(1)): number[] => code(get(local), by, OP.add, set(local));

/** Adds one occurrence of KEY at position I to the table: ADDR = its slot, CNT = its count after. */
function insert(): number[] {
  return code(
    get(KEY), i32c(1), get(KEY), OP.select, set(KEY), // key 0 → 1
    get(KEY), get(MASK), OP.and, set(SLOT),
    BLOCK, LOOP,
      get(TABLE), get(SLOT), i32c(4), OP.shl, OP.add, set(ADDR),
      load(get(ADDR)), set(KK),
      get(KK), get(KEY), OP.eq, IF,
        load(get(ADDR), 4), i32c(1), OP.add, set(CNT),
        store(get(ADDR), get(CNT), 4),
        br(2),
      END,
      get(KK), OP.eqz, IF,
        store(get(ADDR), get(KEY)),
        store(get(ADDR), i32c(1), 4),
        store(get(ADDR), get(I), 8),
        i32c(1), set(CNT),
        br(2),
      END,
      get(SLOT), i32c(1), OP.add, get(MASK), OP.and, set(SLOT),
      br(0),
    END, END,
  );
}

/** Empties the table, sized to twice the candidates (a power of two, at least 16). */
function clearTable(): number[] {
  return code(
    i32c(16), set(CAP),
    BLOCK, LOOP, get(CAP), get(M), i32c(1), OP.shl, OP.geU, brIf(1), get(CAP), i32c(1), OP.shl, set(CAP), br(0), END, END,
    get(CAP), i32c(1), OP.sub, set(MASK),
    get(TABLE), i32c(0), get(CAP), i32c(4), OP.shl, MEMORY_FILL,
  );
}

/** Loops J over 0 … M − 1 around `inner`. */
const forCandidates = (inner: number[]): number[] => code(i32c(0), set(J), BLOCK, LOOP, get(J), get(M), OP.geU, brIf(1), inner, inc(J), br(0), END, END);

/**
 * The function's instructions. Over 80 lines: a WebAssembly listing, read top to bottom beside the
 * JavaScript loop of `gopher-repetition.ts` it mirrors step for step.
 */
function body(): number[] {
  return code(
    // prefix sums of word lengths; keys = word hashes; every position a candidate
    store(get(PREFIX), i32c(0)),
    i32c(0), set(I),
    BLOCK, LOOP,
      get(I), get(W), OP.geU, brIf(1),
      store(at(PREFIX, I), code(load(at(PREFIX, I)), load(at(ENDS, I)), OP.add, load(at(STARTS, I)), OP.sub), 4),
      store(at(KEYS, I), load(at(HASHES, I))),
      store(at(CAND, I), get(I)),
      inc(I), br(0),
    END, END,
    get(W), set(M), i32c(1), set(CUR), i32c(1), set(REPEATS), i32c(2), set(TARGET),
    BLOCK, LOOP, // $orders
      get(TARGET), i32c(MAX_ORDER), OP.gtU, brIf(1),
      // result of this order: OUT[(target − 2) · 2 …] = [count, first] (top) or [chars, 0] (duplicated)
      get(OUT), get(TARGET), i32c(2), OP.sub, i32c(3), OP.shl, OP.add, set(RES),
      store(get(RES), i32c(0)), store(get(RES), i32c(0), 4),
      get(REPEATS), IF,
        // keys of the candidates advanced to this order (the next word mixed in)
        BLOCK, LOOP,
          get(CUR), get(TARGET), OP.geU, brIf(1),
          i32c(0), set(M2),
          forCandidates(code(
            load(at(CAND, J)), set(I),
            get(I), get(CUR), OP.add, get(W), OP.geU, brIf(1), // ascending: no longer n-gram from here on
            store(at(KEYS, I), code(
              load(at(KEYS, I)),
              get(I), get(CUR), OP.add, i32c(2), OP.shl, get(HASHES), OP.add, OP.load, memarg(2, 0), i32c(0x85ebca6b | 0), OP.mul,
              OP.xor, i32c(0x01000193), OP.mul, get(CUR), OP.add,
            )),
            store(at(CAND, M2), get(I)),
            inc(M2),
          )),
          get(M2), set(M),
          inc(CUR), br(0),
        END, END,
        get(W), get(TARGET), OP.leU, IF,
          i32c(0), set(REPEATS),
        ELSE,
          // count the candidates' n-grams, then keep the candidates whose n-gram repeats (and the top one)
          clearTable(),
          forCandidates(code(
            load(at(CAND, J)), set(I),
            load(at(KEYS, I)), set(KEY),
            insert(),
            store(at(SLOTOF, J), get(ADDR)),
          )),
          i32c(0), set(M2), i32c(0), set(BEST), i32c(0), set(BEST_AT),
          forCandidates(code(
            load(at(SLOTOF, J)), set(ADDR),
            load(get(ADDR), 4), set(CNT),
            get(CNT), i32c(1), OP.gtU, IF,
              store(at(CAND, M2), load(at(CAND, J))),
              inc(M2),
              load(get(ADDR), 8), set(F),
              get(CNT), get(BEST), OP.gtU,
              get(CNT), get(BEST), OP.eq, get(F), get(BEST_AT), OP.ltU, OP.and,
              OP.or, IF, get(CNT), set(BEST), get(F), set(BEST_AT), END,
            END,
          )),
          get(M2), set(M),
          get(TARGET), i32c(FIRST_DUP_ORDER), OP.ltU, IF,
            store(get(RES), get(BEST)), store(get(RES), get(BEST_AT), 4),
            get(BEST), i32c(1), OP.gtU, set(REPEATS),
          ELSE,
            // datatrove's scan: a hit if the n-gram was seen before; after a hit, jump past it
            clearTable(),
            i32c(0), set(CHARS), i32c(0), set(NEXT),
            forCandidates(code(
              load(at(CAND, J)), set(I),
              get(I), get(NEXT), OP.geU, IF,
                load(at(KEYS, I)), set(KEY),
                insert(),
                get(CNT), i32c(1), OP.gtU, IF,
                  get(CHARS), get(I), get(TARGET), OP.add, i32c(2), OP.shl, get(PREFIX), OP.add, OP.load, memarg(2, 0), OP.add, load(at(PREFIX, I)), OP.sub, set(CHARS),
                  get(I), get(TARGET), OP.add, set(NEXT),
                END,
              END,
            )),
            store(get(RES), get(CHARS)),
            get(CHARS), i32c(0), OP.ne, set(REPEATS),
          END,
        END,
      END,
      inc(TARGET), br(0),
    END, END,
  );
}

export interface NgramMeasures {
  /** n = 2, 3, 4: the most frequent n-gram's count (0 when none repeats) and first position. */
  top: Array<{ count: number; at: number }>;
  /** n = 5 … 10: characters of words in duplicated n-grams. */
  duplicated: number[];
}

export interface NgramKernel {
  measure(tokens: { n: number; starts: Int32Array; ends: Int32Array; hashes: Int32Array }): NgramMeasures;
}

/** The kernel, or undefined where WebAssembly is missing. */
export function ngramKernel(): NgramKernel | undefined {
  const exports = instantiate(assemble({ name: 'ngrams', params: new Array(10).fill(I32), results: [], locals: [[20, I32]], body: body(), pages: 1 }));
  if (!exports) return undefined;
  const memory = exports.mem as WasmMemory;
  const run = exports.ngrams as (...args: number[]) => void;
  return {
    measure(t) {
      const w = t.n;
      // layout: out (9 × 2 i32) | hashes | starts | ends | prefix (w + 1) | keys | cand | slotOf | table (≤ 4w slots of 16 bytes)
      const out = 0;
      const hashes = 128;
      const starts = hashes + 4 * w;
      const ends = starts + 4 * w;
      const prefix = ends + 4 * w;
      const keys = prefix + 4 * (w + 1);
      const cand = keys + 4 * w;
      const slotOf = cand + 4 * w;
      const table = (slotOf + 4 * w + 15) & ~15;
      ensureMemory(memory, table + 16 * Math.max(16, 4 * w));
      const i32 = new Int32Array(memory.buffer);
      i32.set(t.hashes.subarray(0, w), hashes >> 2);
      i32.set(t.starts.subarray(0, w), starts >> 2);
      i32.set(t.ends.subarray(0, w), ends >> 2);
      run(w, hashes, starts, ends, prefix, keys, cand, slotOf, table, out);
      const r = new Int32Array(memory.buffer, out, 2 * (MAX_ORDER - 1));
      return {
        top: [0, 1, 2].map((k) => ({ count: r[2 * k]!, at: r[2 * k + 1]! })),
        duplicated: [3, 4, 5, 6, 7, 8].map((k) => r[2 * k]!),
      };
    },
  };
}
