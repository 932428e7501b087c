/**
 * The lines of a text as Python's `str.splitlines()` cuts them, scanned once per text and read
 * by Gopher quality (bullet and ellipsis lines) and `c4-lines` (every line rule): per line its
 * range, its first and last character that is not Python white space, its Python words, its
 * longest word in code units, and the classes of the characters it holds (`LineClass`); and the
 * words that may hold a sentence end, with their shape (`ChunkShape`), which C4's sentence count
 * reads (`words/spacy-sentences.ts`). The scan runs in WebAssembly (`kernels/lines.ts`); the loop
 * below is its reference.
 */
import { CHUNK_STRIDE, ChunkShape, type LineScan, lineScanner } from '../kernels/lines.js';
import { PUNCT_UNITS } from '../text/punctuation.js';
import { isSpace } from '../text/spaces.js';
import { SENTENCE_ENDS } from './words/spacy-en-rules.js';
import { isPySpace } from './words/python.js';

/** Per UTF-16 code unit, what the line scan notes (`LINE_CLASS`): */
export const LineClass = {
  /** a line boundary of `str.splitlines()` (only this bit) */
  BREAK: 1,
  /** Python white space (`str.split()`, `str.strip()`) */
  PY_SPACE: 2,
  /** not punctuation (spaCy's sentencizer: `[^\p{P}]`) */
  NOT_PUNCT: 4,
  /** white space to one of the two only, within a line (U+001F, U+FEFF) */
  ODD_SPACE: 8,
  /** a sentence end, or half of a character beyond the BMP (which may be one) */
  MAY_END: 16,
  /** the second half of a character beyond the BMP */
  LOW: 32,
  /** `[`, where a citation may start */
  BRACKET: 64,
  /** `{` */
  CURLY: 128,
} as const;

const { BREAK, PY_SPACE, NOT_PUNCT, ODD_SPACE, MAY_END, LOW, BRACKET, CURLY } = LineClass;
const { HIGH, CONTROL, DOT_NOT_AFTER_ALNUM, DOT_NOT_BEFORE_LOWER, SURROGATE, BANG_INSIDE } = ChunkShape;

export const LINE_CLASS = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) {
  const py = isPySpace(c);
  const js = isSpace(c);
  LINE_CLASS[c] =
    (py ? PY_SPACE : 0) |
    (PUNCT_UNITS[c] ? 0 : NOT_PUNCT) |
    (py !== js ? ODD_SPACE : 0) |
    (c >= 0xd800 && c <= 0xdfff ? MAY_END : 0) |
    (c >= 0xdc00 && c <= 0xdfff ? LOW : 0);
}
for (const c of [10, 11, 12, 13, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029]) LINE_CLASS[c] = BREAK;
for (const e of SENTENCE_ENDS) if (e.length === 1) LINE_CLASS[e.charCodeAt(0)]! |= MAY_END;
LINE_CLASS[91]! |= BRACKET;
LINE_CLASS[123]! |= CURLY;

/**
 * Line i's record is `lines[STRIDE * i + field]`, fields as `kernels/lines.ts` names them (a blank
 * line's first and last are -1); chunk j's is `chunks[CHUNK_STRIDE * j + 0, 1, 2]`: start, end, bits.
 */
export {
  CHUNK_END,
  CHUNK_STRIDE,
  ChunkShape,
  FIRST,
  FLAGS,
  LAST,
  LINE_END,
  LONGEST,
  type LineScan,
  START,
  STRIDE,
  WORDS,
} from '../kernels/lines.js';

const scanner = lineScanner(LINE_CLASS, BREAK, PY_SPACE, MAY_END);
/** Longer texts are scanned in JavaScript (a wasm32 memory stops at 4 GiB). */
const WASM_MAX_CHARS = 1 << 26;

/**
 * The line and chunk records of `text`: `str.splitlines()`'s lines, blank ones included, and the
 * words (runs without Python white space) that may hold a sentence end, with their shape.
 */
export function scanLines(text: string, options: { wasm?: boolean } = {}): LineScan {
  if (scanner && options.wasm !== false && text.length <= WASM_MAX_CHARS) return scanner.scan(text);
  const records: number[] = [];
  const chunks: number[] = [];
  const n = text.length;
  for (let start = 0; start < n; ) {
    // per word, not per code unit: its start, and the longest in code units (a bound on code points)
    let first = -1;
    let last = -1;
    let words = 0;
    let longest = 0;
    let flags = 0;
    let wordStart = -1;
    let wordFlags = 0;
    let end = start;
    const endWord = (): void => {
      if (end - wordStart > longest) longest = end - wordStart;
      last = end - 1;
      if (wordFlags & MAY_END) chunks.push(wordStart, end, wordFlags | chunkShape(text, wordStart, end));
    };
    for (; end < n; end++) {
      const k = LINE_CLASS[text.charCodeAt(end)]!;
      flags |= k;
      if ((k & (BREAK | PY_SPACE)) === 0) {
        if (wordStart < 0) {
          wordStart = end;
          wordFlags = 0;
          words++;
          if (first < 0) first = end;
        }
        wordFlags |= k;
      } else {
        if (wordStart >= 0) {
          endWord();
          wordStart = -1;
        }
        if (k & BREAK) break;
      }
    }
    if (wordStart >= 0) endWord();
    records.push(start, end, first, last, words, longest, flags & ~BREAK, chunks.length / CHUNK_STRIDE);
    start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
  }
  return { lines: Int32Array.from(records), chunks: Int32Array.from(chunks) };
}

const isLowerOrDigit = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
const isAlnum = (c: number): boolean => isLowerOrDigit(c) || (c >= 65 && c <= 90);

/** `ChunkShape`'s bits of text[a, b). */
function chunkShape(text: string, a: number, b: number): number {
  let bits = 0;
  let prev = -1;
  for (let j = a; j < b; j++) {
    const c = text.charCodeAt(j);
    if (c > 126) bits |= HIGH;
    if (c < 33) bits |= CONTROL;
    if (c >= 0xd800 && c <= 0xdfff) bits |= SURROGATE;
    if (prev === 46 && !isLowerOrDigit(c)) bits |= DOT_NOT_BEFORE_LOWER;
    if (prev === 33 || prev === 63) bits |= BANG_INSIDE;
    if (c === 46 && (prev < 0 || !isAlnum(prev))) bits |= DOT_NOT_AFTER_ALNUM;
    prev = c;
  }
  return bits;
}
