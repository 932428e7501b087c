/**
 * Language ID's scoring loop in WebAssembly: for each trigram of the sample (key, count), find it
 * in the script's table (open addressing, slots of [key + 1, first pair, end of pairs, unused])
 * and add 300 − |count − rank − 1| to the credit of every language that ranks it (franc's
 * distance, as `language.ts` computes it in JavaScript). Credits are integer sums, so the
 * result does not depend on the order of the additions: it equals the JavaScript loop's.
 */
import { assemble, BLOCK, br, brIf, code, END, ensureMemory, get, I32, i32c, instantiate, LOOP, memarg, OP, set, type WasmMemory } from './assembler.js';

// credit(input, n, table, mask, credit, nlang); locals j=6 key1=7 c=8 slot=9 addr=10 k=11 p=12 end=13 d=14
const [IN, N, TABLE, MASK, CREDIT, NLANG, J, KEY1, C, SLOT, ADDR, K, P, END_, D] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
const MAX_DIFFERENCE = 300;

function body(): number[] {
  return code(
    // credit[0..nlang) = 0
    BLOCK, LOOP,
      get(J), get(NLANG), OP.geU, brIf(1),
      get(CREDIT), get(J), i32c(2), OP.shl, OP.add, i32c(0), OP.store, memarg(2, 0),
      get(J), i32c(1), OP.add, set(J), br(0),
    END, END,
    i32c(0), set(J),
    BLOCK, LOOP, // $done, $trigrams
      get(J), get(N), OP.geU, brIf(1),
      get(IN), get(J), i32c(3), OP.shl, OP.add, set(ADDR),
      get(ADDR), OP.load, memarg(2, 0), i32c(1), OP.add, set(KEY1),
      get(ADDR), OP.load, memarg(2, 4), set(C),
      get(KEY1), i32c(1), OP.sub, i32c(0x9e3779b1 | 0), OP.mul, get(MASK), OP.and, set(SLOT),
      BLOCK, BLOCK, LOOP, // $miss, $found, $probe
        get(TABLE), get(SLOT), i32c(4), OP.shl, OP.add, set(ADDR),
        get(ADDR), OP.load, memarg(2, 0), set(K),
        get(K), get(KEY1), OP.eq, brIf(1),
        get(K), OP.eqz, brIf(2),
        get(SLOT), i32c(1), OP.add, get(MASK), OP.and, set(SLOT),
        br(0),
      END, END,
      // found: the (language, rank) pairs of this trigram
      get(ADDR), OP.load, memarg(2, 4), set(P),
      get(ADDR), OP.load, memarg(2, 8), set(END_),
      BLOCK, LOOP,
        get(P), get(END_), OP.geU, brIf(1),
        // d = count − rank − 1; credit[language] += 300 − |d|
        get(C), get(P), OP.load, memarg(2, 4), OP.sub, i32c(1), OP.sub, set(D),
        get(CREDIT), get(P), OP.load, memarg(2, 0), i32c(2), OP.shl, OP.add, set(K),
        get(K),
        get(K), OP.load, memarg(2, 0),
        i32c(MAX_DIFFERENCE),
        get(D), get(D), i32c(31), OP.shrS, OP.xor, get(D), i32c(31), OP.shrS, OP.sub,
        OP.sub, OP.add, OP.store, memarg(2, 0),
        get(P), i32c(8), OP.add, set(P), br(0),
      END, END,
      END, // $miss
      get(J), i32c(1), OP.add, set(J), br(0),
    END, END,
  );
}

/** One script's model: trigram key → (language index, rank) pairs. */
export interface TrigramModel {
  languages: string[];
  /** Distinct trigram keys, and for each the range [from, to) of its pairs in `pairs`. */
  keys: number[];
  from: number[];
  to: number[];
  /** [language, rank, language, rank, …]. */
  pairs: Int32Array;
}

export interface LidKernel {
  /** Credits per language of the model for the (key, count) trigrams; the view is valid until the next call. */
  credit(model: number, keys: Int32Array, counts: Int32Array, n: number): Int32Array;
}

/** The kernel with the models laid out in its memory; undefined where WebAssembly is missing. */
export function lidKernel(models: TrigramModel[]): LidKernel | undefined {
  const exports = instantiate(assemble({ name: 'credit', params: [I32, I32, I32, I32, I32, I32], results: [], locals: [[9, I32]], body: body(), pages: 1 }));
  if (!exports) return undefined;
  const memory = exports.mem as WasmMemory;
  const run = exports.credit as (input: number, n: number, table: number, mask: number, credit: number, nlang: number) => void;
  // layout: per model its table then its pairs; then the credits; then the input (grows)
  const placed: Array<{ table: number; mask: number; nlang: number }> = [];
  const tables: Array<{ at: number; slots: Int32Array; pairsAt: number; pairs: Int32Array }> = [];
  let at = 0;
  let maxLang = 0;
  for (const m of models) {
    let cap = 16;
    while (cap < m.keys.length * 2) cap *= 2;
    const slots = new Int32Array(cap * 4);
    const pairsAt = at + slots.byteLength;
    m.keys.forEach((key, i) => {
      let slot = Math.imul(key, 0x9e3779b1) & (cap - 1);
      while (slots[slot * 4] !== 0) slot = (slot + 1) & (cap - 1);
      slots.set([key + 1, pairsAt + 4 * m.from[i]!, pairsAt + 4 * m.to[i]!], slot * 4);
    });
    tables.push({ at, slots, pairsAt, pairs: m.pairs });
    placed.push({ table: at, mask: cap - 1, nlang: m.languages.length });
    at = (pairsAt + m.pairs.byteLength + 15) & ~15;
    maxLang = Math.max(maxLang, m.languages.length);
  }
  const creditAt = at;
  const inputAt = (creditAt + 4 * maxLang + 15) & ~15;
  ensureMemory(memory, inputAt + 8 * 4096);
  for (const t of tables) {
    new Int32Array(memory.buffer, t.at, t.slots.length).set(t.slots);
    new Int32Array(memory.buffer, t.pairsAt, t.pairs.length).set(t.pairs);
  }
  return {
    credit(model, keys, counts, n) {
      const p = placed[model]!;
      ensureMemory(memory, inputAt + 8 * n);
      const input = new Int32Array(memory.buffer, inputAt, 2 * n);
      for (let j = 0; j < n; j++) {
        input[2 * j] = keys[j]!;
        input[2 * j + 1] = counts[j]!;
      }
      run(inputAt, n, p.table, p.mask, creditAt, p.nlang);
      return new Int32Array(memory.buffer, creditAt, p.nlang);
    },
  };
}
