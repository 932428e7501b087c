/**
 * Text analysis shared by the filters, computed once per document and language (`TextView`).
 * Words are whitespace-separated tokens with surrounding punctuation stripped; a token that is
 * only punctuation is a "symbol" token. In scripts written without spaces (Chinese, Japanese,
 * Thai, Lao, Khmer, Burmese) each character of that script counts as a word, so word-based rules
 * measure such text instead of seeing one giant "word".
 */
import { IntCounter } from '../text/int-counter.js';
import { LETTER, NUMBER, OTHER, SPACE, tokenScanner, UNSPACED } from './scan.js';
import { spacyWords } from './words/spacy-en.js';

/** Languages written without spaces between words (ISO 639-3, as franc reports them). */
export const UNSPACED_LANGUAGES = new Set(['cmn', 'jpn', 'tha', 'lao', 'khm', 'mya', 'bod', 'yue', 'wuu', 'nan', 'hak']);

const UNSPACED_CHAR = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const UNSPACED_RUN = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu;

/** Terminal punctuation of a line or sentence, across scripts (Latin, CJK, Devanagari, Arabic…): code units. */
const TERMINAL_PUNCT = new Set(['.', '!', '?', '"', "'", '…', '。', '！', '？', '｡', '।', '॥', '؟', '۔', '」', '』', '”', '’', '»', ')'].map((c) => c.charCodeAt(0)));

/** True when the code unit is terminal punctuation. */
export function isTerminalPunct(c: number): boolean {
  return TERMINAL_PUNCT.has(c);
}

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

// character classes (scan.ts), computed once per UTF-16 code unit
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
  c === 32 || (c >= 9 && c <= 13) ? SPACE : (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? LETTER : c >= 48 && c <= 57 ? NUMBER : OTHER,
);

/** JavaScript's `\s`: the whitespace that separates tokens. */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** FNV-1a of text[from, to): `hash32` of that slice, without making it. */
export function hashRange(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let j = from; j < to; j++) h = Math.imul(h ^ text.charCodeAt(j), 0x01000193);
  return h | 0;
}

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
  if (scanner && !unspaced && options.wasm !== false && text.length <= WASM_MAX_CHARS) return TokenList.of(text, scanner.scan(text));
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

/**
 * What a transform already knows about the text it wrote (c4-lines: the words and the layout
 * of its kept lines), so the steps after it need not measure the text again. Values must equal what the
 * view would compute.
 */
/** What `c4-lines` notes for the `c4` filter (line indices in the text it read; -1: none). */
export interface C4Facts {
  /** The first line, kept so far, mentioning "lorem ipsum". */
  loremLine: number;
  /** The first line, kept so far and not about javascript, holding `{`. */
  curlyLine: number;
  /** Sentences of the kept lines. */
  sentences: number;
}

export interface Rewritten {
  text: string;
  /** Noted by `c4-lines`. */
  c4?: C4Facts;
  /** `TextView.wordCount`. */
  wordCount?: number;
  /** `TextView.layout`. */
  layout?: Layout;
}

/** Ranges of the text (trimmed, non-empty) with the `hash32` of each one's characters. */
export interface Spans {
  n: number;
  starts: Int32Array;
  ends: Int32Array;
  hashes: Int32Array;
}

/** Lines and paragraphs of a text, found in one pass over its characters. */
export interface Layout {
  /** Non-empty lines, trimmed: as `text.split('\n').map((l) => l.trim()).filter(Boolean)`. */
  lines: Spans;
  /** Blocks separated by blank lines, trimmed: as `text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)`. */
  paragraphs: Spans;
  /** Number of `\n`. */
  lineBreaks: number;
}

/**
 * Lines and paragraphs in one scan. A paragraph break is a run of white space holding two or
 * more `\n` (what `/\n\s*\n/` splits at, once the pieces are trimmed): between two non-empty
 * lines, a blank line. A paragraph's hash mixes its lines' hashes (white space between lines
 * left out): `duplicateSpans` compares the characters whenever hashes match.
 */
export function layoutOf(text: string): Layout {
  const len = text.length;
  const out = new LayoutBuilder(len);
  let breaks = 0;
  for (let from = 0; from <= len; ) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = len;
    else breaks++;
    let a = from;
    let e = to;
    while (a < e && isSpaceAt(text, a)) a++;
    if (a < e) {
      while (isSpaceAt(text, e - 1)) e--;
      out.line(a, e, hashRange(text, a, e));
    } else out.blank();
    from = to + 1;
  }
  return out.finish(breaks);
}

/**
 * Builds a layout from its lines in order: non-empty ones (trimmed range and hash) and blank
 * ones, which end the paragraph before them. Used by `layoutOf` and by c4-lines for its output.
 */
export class LayoutBuilder {
  readonly lines: SpanList;
  readonly paragraphs: SpanList;
  private blankSeen = false;
  private paraFrom = -1;
  private ph = 0;

  constructor(length: number) {
    // prose lines run to tens of characters; the lists grow when they do not
    this.lines = new SpanList((length >> 5) + 16);
    this.paragraphs = new SpanList((length >> 8) + 8);
  }

  blank(): void {
    this.blankSeen = true;
  }

  line(from: number, to: number, hash: number): void {
    const { lines } = this;
    if (this.blankSeen && this.paraFrom >= 0) {
      this.paragraphs.push(this.paraFrom, lines.ends[lines.n - 1]!, this.ph | 0);
      this.paraFrom = -1;
    }
    if (this.paraFrom < 0) {
      this.paraFrom = from;
      this.ph = 0x811c9dc5;
    }
    this.ph = Math.imul(this.ph ^ hash, 0x01000193);
    lines.push(from, to, hash);
    this.blankSeen = false;
  }

  /** Closes the last paragraph. */
  finish(lineBreaks: number): Layout {
    if (this.paraFrom >= 0) this.paragraphs.push(this.paraFrom, this.lines.ends[this.lines.n - 1]!, this.ph | 0);
    this.paraFrom = -1;
    return { lines: this.lines, paragraphs: this.paragraphs, lineBreaks };
  }
}

/** True when text[from, to) is only white space (what `trim()` removes). */
export function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpaceAt(text, i)) return false;
  return true;
}

/** JavaScript's `\s` at text[i] (ASCII answered inline). */
export function isSpaceAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 ? c === 32 || (c >= 9 && c <= 13) : isSpace(c);
}

const firstSeen = new IntCounter();

/**
 * Repeats of earlier spans (equal strings), how many and their characters, found by hash: a span whose hash was seen is compared with
 * the first span of that hash; strings that share a hash without being equal (about one pair in
 * 2^32, so a few in a document of a million lines) are kept by hash in `others` and compared there.
 */
export function duplicateSpans(text: string, s: Spans): { count: number; chars: number } {
  firstSeen.reset(s.n);
  let others: Map<number, string[]> | undefined;
  let count = 0;
  let chars = 0;
  for (let i = 0; i < s.n; i++) {
    const h = s.hashes[i]!;
    if (firstSeen.add(h, i) === 1) continue;
    const j = firstSeen.firstAt(firstSeen.lastSlot);
    const from = s.starts[i]!;
    const size = s.ends[i]! - from;
    if (s.ends[j]! - s.starts[j]! !== size || !sameChars(text, from, s.starts[j]!, size)) {
      const str = text.slice(from, from + size);
      const seen = (others ??= new Map()).get(h);
      if (!seen) {
        others.set(h, [str]);
        continue;
      }
      if (!seen.includes(str)) {
        seen.push(str);
        continue;
      }
    }
    count += 1;
    chars += size;
  }
  return { count, chars };
}

function sameChars(text: string, a: number, b: number, size: number): boolean {
  for (let k = 0; k < size; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}

/** Lazily computed views of one document's text, shared by every filter in a chain. */
export class TextView {
  private _tokens?: Tokens;
  private _layout?: Layout;
  private _wordCount?: number;
  private _dupLines?: { count: number; chars: number };
  private _dupParagraphs?: { count: number; chars: number };
  private _spacyWords?: string[];
  readonly unspaced: boolean;
  /** What `c4-lines` noted, when it made this text. */
  readonly c4?: C4Facts;

  constructor(
    readonly text: string,
    /** ISO 639-3 code, or `und`. */
    readonly language: string,
    known: Omit<Rewritten, 'text'> = {},
  ) {
    this.unspaced = UNSPACED_LANGUAGES.has(language) || (language === 'und' && (text.match(UNSPACED_RUN)?.length ?? 0) > text.length / 4);
    this._wordCount = known.wordCount;
    this._layout = known.layout;
    this.c4 = known.c4;
  }

  get tokens(): Tokens {
    return (this._tokens ??= tokenize(this.text, this.unspaced));
  }

  /** The tokens if a step has asked for them already (nothing is computed). */
  get tokensIfComputed(): Tokens | undefined {
    return this._tokens;
  }

  /** The number of words, without building the word list when no one needs it. */
  get wordCount(): number {
    return (this._wordCount ??= this._tokens ? this._tokens.n : countWords(this.text, this.unspaced));
  }

  /** Lines (non-empty, trimmed) and paragraphs as ranges of the text. */
  get layout(): Layout {
    return (this._layout ??= layoutOf(this.text));
  }

  /** The layout if a step has asked for it already (nothing is computed). */
  get layoutIfComputed(): Layout | undefined {
    return this._layout;
  }

  /** Number of `\n` in the text. */
  get lineBreaks(): number {
    return this.layout.lineBreaks;
  }

  /** datatrove's English words (spaCy's tokens, whitespace dropped): `filter.compat: datatrove`. */
  get spacyWords(): string[] {
    return (this._spacyWords ??= spacyWords(this.text));
  }

  /** Repeats of earlier lines: how many, and their characters. */
  get duplicateLines(): { count: number; chars: number } {
    return (this._dupLines ??= duplicateSpans(this.text, this.layout.lines));
  }

  /** Repeats of earlier paragraphs: how many, and their characters. */
  get duplicateParagraphs(): { count: number; chars: number } {
    return (this._dupParagraphs ??= duplicateSpans(this.text, this.layout.paragraphs));
  }
}

export function endsWithTerminalPunct(line: string): boolean {
  const t = line.trimEnd();
  return t.length > 0 && TERMINAL_PUNCT.has(t.charCodeAt(t.length - 1));
}
