/**
 * The scan of a text's code units in WebAssembly that `tokenize` runs (for text in scripts with
 * spaces). The text's UTF-16 code units are copied into the module's memory
 * (Buffer.write, native), so offsets and hashes are those of the JavaScript string; each unit's
 * class comes from a 64 Ki-entry table that a JavaScript callback fills on first sight (for
 * tokens, surrogates are asked for every time, since a pair's class is its code point's).
 * The loop is the JavaScript one's (`tokenize` in `filter/view.ts`), with the rest of a token read
 * in a loop of its own.
 */
import { BLOCK, br, brIf, call, code, END, ensureMemory, get, I32, i32c, IF, LOOP, memarg, OP, set, tableKernel, writeUtf16 } from './assembler.js';

/** Character classes, shared with `filter/view.ts`: 0 = not yet classified. */
export const LETTER = 1;
export const NUMBER = 2;
export const OTHER = 3;
export const UNSPACED = 4;
export const SPACE = 5;

const FNV = 0x811c9dc5;
const PRIME = 0x01000193;
const TABLE = 0; // 65536 u8 classes
const COUNTS = 65536; // [tokens, tokens with a letter]
const SRC = 65536 + 64;

// tokens(src, len, out, cap) -> words; params 0..3; locals i=4 n=5 c=6 k=7 f1=8 last=9 h=10 wh=11 letter=12 count=13 alpha=14 inTok=15
const [S, LEN, OUT, CAP, I, N, C, K, F1, LAST, H, WH, LETTER_SEEN, COUNT, ALPHA, IN] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/** Ends the current token: counts it, and stores its word (first letter or digit to the last) if it has one. */
function endToken(): number[] {
  const store = (array: number, value: number[]): number[] => code(get(OUT), i32c(array), get(CAP), OP.mul, i32c(2), OP.shl, OP.add, get(N), i32c(2), OP.shl, OP.add, value, OP.store, memarg(2, 0));
  return code(
    get(COUNT), i32c(1), OP.add, set(COUNT),
    get(ALPHA), get(LETTER_SEEN), OP.add, set(ALPHA),
    get(F1), IF,
      store(0, code(get(F1), i32c(1), OP.sub)),
      store(1, code(get(LAST), i32c(1), OP.add)),
      store(2, get(WH)),
      get(N), i32c(1), OP.add, set(N),
    END,
    i32c(0), set(IN),
  );
}

const mix = (value: number[]): number[] => code(get(H), value, OP.xor, i32c(PRIME), OP.mul, set(H));

/** C, K: the code unit at i and its class (asked of JavaScript on first sight). */
const load = (): number[] =>
  code(
    get(S), get(I), i32c(1), OP.shl, OP.add, OP.load16u, memarg(1, 0), set(C),
    get(C), OP.load8u, memarg(0, TABLE), set(K),
    get(K), OP.eqz, IF, get(C), get(I), call(0), set(K), END,
  );

function body(): number[] {
  return code(
    BLOCK, LOOP, // $done, $next: white space, or the start of a token
      get(I), get(LEN), OP.geU, brIf(1),
      load(),
      get(K), i32c(SPACE), OP.eq, IF,
        get(I), i32c(1), OP.add, set(I),
        br(1), // → $next
      END,
      i32c(1), set(IN), i32c(0), set(F1), i32c(0), set(LETTER_SEEN), i32c(FNV), set(H), i32c(0), set(WH),
      BLOCK, LOOP, // the token, a code unit at a time, in a loop of its own
        get(F1), IF, mix(get(C)), END,
        get(K), i32c(OTHER), OP.ne, IF,
          get(F1), OP.eqz, IF, get(I), i32c(1), OP.add, set(F1), mix(get(C)), END,
          get(I), set(LAST),
          get(H), set(WH),
          get(K), i32c(NUMBER), OP.ne, IF, i32c(1), set(LETTER_SEEN), END,
        END,
        get(I), i32c(1), OP.add, set(I),
        get(I), get(LEN), OP.geU, brIf(1),
        load(),
        get(K), i32c(SPACE), OP.eq, brIf(1),
        br(0),
      END, END,
      endToken(),
      br(0), // → $next, which reads the unit after the token again
    END, END,
    i32c(COUNTS), get(COUNT), OP.store, memarg(2, 0),
    i32c(COUNTS), get(ALPHA), OP.store, memarg(2, 4),
    get(N),
  );
}

export interface ScannedTokens {
  count: number;
  alphaCount: number;
  n: number;
  /** Starts, ends and hashes of the `n` words, in that order. */
  spans: Int32Array;
}

export interface TokenScanner {
  /** Tokens of `text` as `tokenize(text, false)` finds them. */
  scan(text: string): ScannedTokens;
}

/**
 * The kernel; `classify(c)` gives the class of a code unit outside surrogates (white space
 * first), `classAt(text, i)` that of a surrogate at i. Undefined where WebAssembly is missing.
 */
export function tokenScanner(classify: (c: number) => number, classAt: (text: string, i: number) => number): TokenScanner | undefined {
  let current = '';
  const isSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdfff;
  const kernel = tableKernel(
    { name: 'tokens', params: [I32, I32, I32, I32], results: [I32], locals: [[12, I32]], body: body(), pages: 2, imports: [{ name: 'classify', params: [I32, I32], results: [I32] }] },
    { at: TABLE, type: Uint8Array, empty: 0 },
    (c, i) => (isSurrogate(c) ? classAt(current, i) : classify(c)),
    (c) => !isSurrogate(c),
  );
  if (!kernel) return undefined;
  const { memory } = kernel;
  const run = kernel.exports.tokens as (src: number, len: number, out: number, cap: number) => number;
  return {
    scan(text) {
      const len = text.length;
      // a word takes at least one code unit and a separator after it (or ends the text)
      const cap = (len >> 1) + 1;
      const out = (SRC + 2 * len + 3) & ~3;
      ensureMemory(memory, out + 12 * cap);
      writeUtf16(memory, SRC, text);
      current = text;
      const n = run(SRC, len, out, cap);
      current = '';
      const counts = new Int32Array(memory.buffer, COUNTS, 2);
      const spans = new Int32Array(3 * n);
      for (let k = 0; k < 3; k++) spans.set(new Int32Array(memory.buffer, out + 4 * k * cap, n), k * n);
      return { count: counts[0]!, alphaCount: counts[1]!, n, spans };
    },
  };
}
