/**
 * GPT-2's split pattern, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
 * as a hand-written scanner: the same pieces as the regular expression (with `\s` as Rust's
 * Unicode White_Space), found by one pass over character classes instead of a backtracking
 * match per piece. Every byte-level tokenizer with `use_regex` (GPT-2, r50k, p50k, phi, OLMo,
 * GPT-NeoX, RoBERTa) splits with it; test/unit/tokenizer checks it against the regular expression.
 */

const UNKNOWN = 0;
const LETTER = 1;
const NUMBER = 2;
const SPACE = 3;
const OTHER = 4;

const IS_LETTER = /^\p{L}$/u;
const IS_NUMBER = /^\p{N}$/u;
/** Rust's `\s`: Unicode White_Space (none outside the Basic Multilingual Plane). */
const IS_SPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

/** The class of each BMP code unit, filled on first sight (surrogates are classed per code point). */
const classes = new Uint8Array(0x10000);

function classify(ch: string): number {
  if (IS_LETTER.test(ch)) return LETTER;
  if (IS_NUMBER.test(ch)) return NUMBER;
  if (IS_SPACE.test(ch)) return SPACE;
  return OTHER;
}

const astral = new Map<number, number>();

/** The class of the code point at `i`, and (through `width`) how many code units it takes. */
let width = 1;
function classAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) {
    width = 1;
    let k = classes[c]!;
    if (k === UNKNOWN) k = classes[c] = classify(String.fromCharCode(c));
    return k;
  }
  const cp = s.codePointAt(i)!;
  if (cp <= 0xffff) {
    // an unpaired surrogate: not a letter, number or space
    width = 1;
    return OTHER;
  }
  width = 2;
  let k = astral.get(cp);
  if (k === undefined) {
    k = classify(String.fromCodePoint(cp));
    astral.set(cp, k);
  }
  return k;
}

/** The end of the run of `kind` characters starting at `i`. */
function runEnd(s: string, i: number, kind: number): number {
  const n = s.length;
  while (i < n && classAt(s, i) === kind) i += width;
  return i;
}

/** Length of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `i`, or 0. */
function contraction(s: string, i: number): number {
  const a = s.charCodeAt(i + 1);
  if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return 2; // s t m d
  const b = s.charCodeAt(i + 2);
  if ((a === 0x72 || a === 0x76) && b === 0x65) return 3; // re ve
  if (a === 0x6c && b === 0x6c) return 3; // ll
  return 0;
}

/**
 * Calls `piece` with the bounds of each piece of `s` in order, as GPT-2's pattern splits it (gaps
 * included): `s.slice(start, end)` is the piece.
 */
export function scanGpt2(s: string, piece: (s: string, start: number, end: number) => void): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    let end: number;
    if (c === 0x27 && (end = contraction(s, i)) > 0) end += i;
    else {
      const kind = classAt(s, i);
      const w = width;
      if (kind !== SPACE) end = runEnd(s, i + w, kind);
      else if (c === 0x20 && i + 1 < n && classAt(s, i + 1) !== SPACE) {
        // a space joins the run after it
        end = runEnd(s, i + 1, classAt(s, i + 1));
      } else {
        // whitespace: all of it at the end of the text; else all but the last character, which
        // goes with what follows (\s+(?!\S)), unless it is the only one (\s+)
        end = runEnd(s, i + 1, SPACE);
        if (end < n && end - i >= 2) end--;
      }
    }
    piece(s, i, end);
    i = end;
  }
}
