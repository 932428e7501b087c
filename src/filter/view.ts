/**
 * Text analysis shared by the filters, computed once per document and language (`TextView`).
 * Words are whitespace-separated tokens with surrounding punctuation stripped; a token that is
 * only punctuation is a "symbol" token. In scripts written without spaces (Chinese, Japanese,
 * Thai, Lao, Khmer, Burmese) each character of that script counts as a word, so word-based rules
 * measure such text instead of seeing one giant "word".
 */
import { LETTER, NUMBER, OTHER, SPACE, tokenScanner, UNSPACED } from '../kernels/token-scan.js';
import { hashRange } from '../text/hash.js';
import { isSpace } from '../text/spaces.js';
import { type LineScan, scanLines } from './line-scan.js';
import { spacyWordCount, spacyWords } from './words/spacy-en.js';

/** Languages written without spaces between words (ISO 639-3, as franc reports them). */
export const UNSPACED_LANGUAGES = new Set([
  'cmn',
  'jpn',
  'tha',
  'lao',
  'khm',
  'mya',
  'bod',
  'yue',
  'wuu',
  'nan',
  'hak',
]);

const UNSPACED_CHAR =
  /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const UNSPACED_RUN =
  /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu;

export interface Tokens {
  /** Whitespace-separated tokens, symbols included. */
  count: number;
  /** Tokens with at least one letter. */
  alphaCount: number;
  /** Words: tokens with a letter or digit, edge punctuation stripped (space-less scripts: one per character). */
  n: number;
  /** Word i is `text.slice(starts[i], ends[i])`; no string is made until `words` is read. */
  starts: Int32Array;
  ends: Int32Array;
  /** `hash32` of each word (FNV-1a of its UTF-16 code units). */
  hashes: Int32Array;
  /** The words as strings (built on first use). */
  readonly words: string[];
}

// character classes (kernels/token-scan.ts), computed once per UTF-16 code unit
const classes = new Uint8Array(65536);

function classOf(c: number): number {
  const k = classes[c]!;
  if (k) return k;
  const ch = String.fromCharCode(c);
  const v = UNSPACED_CHAR.test(ch) ? UNSPACED : /\p{L}/u.test(ch) ? LETTER : /\p{N}/u.test(ch) ? NUMBER : OTHER;
  classes[c] = v;
  return v;
}

const astral = new Map<number, number>();

/** Class of the character at `i` (a whole surrogate pair for characters beyond the BMP). */
function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII[c] === SPACE ? OTHER : ASCII[c]!;
  if (c < 0xd800 || c > 0xdfff) return classOf(c);
  if (c > 0xdbff) return OTHER; // a lone low surrogate (the pair's high half decides)
  const cp = text.codePointAt(i)!;
  let k = astral.get(cp);
  if (k === undefined) {
    const ch = String.fromCodePoint(cp);
    k = /\p{L}/u.test(ch) ? LETTER : /\p{N}/u.test(ch) ? NUMBER : OTHER;
    astral.set(cp, k);
  }
  return k;
}

/** Classes of ASCII characters, looked up in the hot loop. */
const ASCII = new Uint8Array(128).map((_, c) =>
  c === 32 || (c >= 9 && c <= 13)
    ? SPACE
    : (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
      ? LETTER
      : c >= 48 && c <= 57
        ? NUMBER
        : OTHER,
);

/** Ranges of a text with a hash each: three views of one buffer (one allocation), doubled when full. */
class SpanList implements Spans {
  n = 0;
  starts!: Int32Array;
  ends!: Int32Array;
  hashes!: Int32Array;

  constructor(capacity: number) {
    this.use(new Int32Array(3 * capacity), capacity);
  }

  private use(buffer: Int32Array, capacity: number): void {
    this.starts = buffer.subarray(0, capacity);
    this.ends = buffer.subarray(capacity, 2 * capacity);
    this.hashes = buffer.subarray(2 * capacity, 3 * capacity);
  }

  push(from: number, to: number, hash: number): void {
    if (this.n === this.starts.length) {
      const { starts, ends, hashes } = this;
      const capacity = 2 * starts.length + 8;
      this.use(new Int32Array(3 * capacity), capacity);
      this.starts.set(starts);
      this.ends.set(ends);
      this.hashes.set(hashes);
    }
    this.starts[this.n] = from;
    this.ends[this.n] = to;
    this.hashes[this.n++] = hash;
  }
}

class TokenList extends SpanList implements Tokens {
  count = 0;
  alphaCount = 0;
  private _words?: string[];

  constructor(
    private readonly text: string,
    capacity: number,
  ) {
    super(capacity);
  }

  /** Tokens found elsewhere (the WebAssembly scan); `spans` holds starts, ends and hashes of `n` words, in that order. */
  static of(text: string, t: { count: number; alphaCount: number; n: number; spans: Int32Array }): TokenList {
    const list = new TokenList(text, 0);
    list.count = t.count;
    list.alphaCount = t.alphaCount;
    list.n = t.n;
    list.starts = t.spans.subarray(0, t.n);
    list.ends = t.spans.subarray(t.n, 2 * t.n);
    list.hashes = t.spans.subarray(2 * t.n, 3 * t.n);
    return list;
  }

  /** Adds text[from, to); `hash` is its `hashRange` when the caller has it already. */
  override push(from: number, to: number, hash = hashRange(this.text, from, to)): void {
    super.push(from, to, hash);
  }

  get words(): string[] {
    return (this._words ??= Array.from({ length: this.n }, (_, i) => this.text.slice(this.starts[i], this.ends[i])));
  }
}

/** Longer texts are scanned in JavaScript: the kernel's memory needs ~8 bytes per character, and a wasm32 memory stops at 4 GiB. */
const WASM_MAX_CHARS = 1 << 26;

/** The WebAssembly scan, for text not split per character (the class of a code unit as the loop below tests it). */
const scanner = tokenScanner((c) => (c < 128 ? ASCII[c]! : isSpace(c) ? SPACE : classOf(c)), classAt);

/**
 * Splits text into tokens in one pass over its code units; `unspaced` splits letters of
 * space-less scripts into one word each.
 */
export function tokenize(text: string, unspaced: boolean, options: { wasm?: boolean } = {}): Tokens {
  if (scanner && !unspaced && options.wasm !== false && text.length <= WASM_MAX_CHARS)
    return TokenList.of(text, scanner.scan(text));
  const n = text.length;
  // words of prose take about six code units with their space; the lists grow when they do not
  const out = new TokenList(text, (n >> 3) + 16);
  let i = 0;
  while (i < n) {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 128 ? ASCII[c] !== SPACE : !isSpace(c)) break;
    }
    if (i >= n) break;
    const start = i;
    let first = -1;
    let last = -1;
    let letter = false;
    let split = false;
    // FNV-1a from the first letter or digit on; its value at the last one is the word's hash
    let h = 0x811c9dc5;
    let wordHash = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      let k: number;
      if (c < 128) {
        k = ASCII[c]!;
        if (k === SPACE) break;
      } else {
        if (isSpace(c)) break;
        k = classAt(text, i);
      }
      if (first >= 0) h = Math.imul(h ^ c, 0x01000193);
      if (k === OTHER) continue;
      if (first < 0) {
        first = i;
        h = Math.imul(h ^ c, 0x01000193);
      }
      last = i;
      wordHash = h;
      if (k !== NUMBER) letter = true;
      if (k === UNSPACED && unspaced) split = true;
    }
    out.count += 1;
    if (letter) out.alphaCount += 1;
    if (first < 0) continue;
    if (!split) {
      out.push(first, last + 1, wordHash | 0);
      continue;
    }
    // each letter of a space-less script is a word; runs of other letters and digits stay whole
    let run = -1;
    for (let j = start; j < i; j++) {
      const k = classAt(text, j);
      if (k === UNSPACED) {
        if (run >= 0) out.push(run, j);
        run = -1;
        out.push(j, j + 1);
      } else if (k === OTHER) {
        if (run >= 0) out.push(run, j);
        run = -1;
      } else if (run < 0) run = j;
    }
    if (run >= 0) out.push(run, i);
  }
  return out;
}

/** The number of words `tokenize` would find (counting stops at `limit`), without allocating them. */
export function countWords(text: string, unspaced: boolean, limit = Number.POSITIVE_INFINITY): number {
  if (unspaced) return Math.min(limit, tokenize(text, true).n);
  let words = 0;
  let inWord = false;
  let hasAlnum = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const space = c < 128 ? ASCII[c] === SPACE : isSpace(c);
    if (space) {
      if (inWord && hasAlnum && ++words >= limit) return words;
      inWord = false;
      hasAlnum = false;
    } else {
      inWord = true;
      if (!hasAlnum) hasAlnum = (c < 128 ? ASCII[c] : classAt(text, i)) !== OTHER;
    }
  }
  return words;
}

/** True when `text` has at least `k` words (stops scanning once it has). */
export function hasWords(text: string, k: number, unspaced: boolean): boolean {
  return countWords(text, unspaced, k) >= k;
}

/** What `c4-lines` notes for the `c4` filter (line indices in the text it read; -1: none). */
export interface C4Facts {
  /** The first line, kept so far, mentioning "lorem ipsum". */
  loremLine: number;
  /** The first line, kept so far and not about javascript, holding `{`. */
  curlyLine: number;
  /** Sentences of the kept lines. */
  sentences: number;
  /** Whitespace tokens of the text it made (`tokenize`'s count), when the pass could tell. */
  tokenCount?: number;
}

/** A transform's text with what it noted on the way, for the steps after it. */
export interface Rewritten {
  text: string;
  /** Noted by `c4-lines`. */
  c4?: C4Facts;
}

/** Ranges of the text with the `hash32` of each one's characters. */
export interface Spans {
  n: number;
  starts: Int32Array;
  ends: Int32Array;
  hashes: Int32Array;
}

/** Lazily computed views of one document's text, shared by every filter in a chain. */
export class TextView {
  private _tokens?: Tokens;
  private _spacyWords?: string[];
  private _lines?: LineScan;
  readonly unspaced: boolean;
  /** What `c4-lines` noted, when it made (or kept) this text. */
  c4?: C4Facts;

  constructor(
    readonly text: string,
    /** ISO 639-3 code, or `und`. */
    readonly language: string,
    known: Omit<Rewritten, 'text'> = {},
  ) {
    this.unspaced =
      UNSPACED_LANGUAGES.has(language) ||
      (language === 'und' && (text.match(UNSPACED_RUN)?.length ?? 0) > text.length / 4);
    this.c4 = known.c4;
  }

  /** Whitespace tokens and words (`filter.compat: moe`). */
  get tokens(): Tokens {
    return (this._tokens ??= tokenize(this.text, this.unspaced));
  }

  /** `tokens.count`, from what `c4-lines` counted when it made this text. */
  get tokenCount(): number {
    return this.c4?.tokenCount ?? this.tokens.count;
  }

  /** datatrove's English words (spaCy's tokens, whitespace dropped): `filter.compat: datatrove`. */
  get spacyWords(): string[] {
    return (this._spacyWords ??= spacyWords(this.text));
  }

  /** `spacyWords.length`, without the list when no step needs it. */
  get spacyWordCount(): number {
    return this._spacyWords?.length ?? spacyWordCount(this.text);
  }

  /** The line scan of the text (`line-scan.ts`: Python's `splitlines()` lines; Gopher quality and `c4-lines` read the same text's). */
  get lineScan(): LineScan {
    return (this._lines ??= scanLines(this.text));
  }
}
