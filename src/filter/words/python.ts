/**
 * Python's string semantics where datatrove's rules depend on them: `len` counts code points,
 * `splitlines`, `split()` and `strip()` know Python's whitespace, and the punctuation sets of
 * datatrove's `utils/text.py` (Apache-2.0) that its rules test characters against.
 */
import { type PieceSpans, pieceSplitter } from '../../kernels/pieces.js';
import { hashRange } from '../../text/hash.js';

/** Python's `str.isspace()`: the code points Python splits on. */
export function isPySpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Python's `str.strip()`. */
export function pyStrip(s: string): string {
  const [a, b] = pyStripBounds(s);
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Where `str.strip()` would cut `s`: it keeps s[a, b). */
export function pyStripBounds(s: string): [number, number] {
  let a = 0;
  let b = s.length;
  while (a < b && isPySpace(s.charCodeAt(a))) a++;
  while (b > a && isPySpace(s.charCodeAt(b - 1))) b--;
  return [a, b];
}

const PAIRS = /[\ud800-\udbff][\udc00-\udfff]/g;
const SURROGATES = /[\ud800-\udfff]/;

/** `len(s)` in Python: code points, not UTF-16 code units. */
export function cpLength(s: string): number {
  return SURROGATES.test(s) ? s.length - (s.match(PAIRS)?.length ?? 0) : s.length;
}

/**
 * The surrogate halves of `prev` then `c`, as one number: `HIGH_LOW` when they are a pair.
 * (These loops run over every line; a test that is one comparison, always made, rather than a
 * branch first taken deep into a run, spares V8 compiling their callers again when it is.)
 */
const halves = (prev: number, c: number): number => ((prev & 0xfc00) << 16) | (c & 0xfc00);
const HIGH_LOW = halves(0xd800, 0xdc00);

/** `cpLength(s.slice(from, to))`, without the slice. */
export function cpLengthRange(s: string, from: number, to: number): number {
  let n = to - from;
  // each low surrogate right after a high one is the second half of a pair
  let prev = s.charCodeAt(from);
  for (let i = from + 1; i < to; i++) {
    const c = s.charCodeAt(i);
    n -= +(halves(prev, c) === HIGH_LOW);
    prev = c;
  }
  return n;
}

/** `s[from:to].strip() == ''`: empty or Python white space only. */
export function isPyBlank(s: string, from = 0, to = s.length): boolean {
  for (let i = from; i < to; i++) if (!isPySpace(s.charCodeAt(i))) return false;
  return true;
}

const set = (chars: string): Set<number> => new Set(Array.from(chars, (c) => c.codePointAt(0)!));

/** datatrove's `TERMINAL_PUNCTUATION` (159 characters): what FineWeb's `line_punct_ratio` counts as a line end. */
export const TERMINAL_PUNCTUATION = set(
  '!.?\u0589\u061d\u061e\u061f\u06d4\u0700\u0701\u0702\u07f9\u0837\u0839\u083d\u083e\u0964\u0965\u104a\u104b\u1362\u1367\u1368\u166e\u1735\u1736\u17d4\u17d5\u17d6\u17d9\u17da\u1803\u1809\u1944\u1945\u1aa8\u1aa9\u1aaa\u1aab\u1b5a\u1b5b\u1b5e\u1b5f\u1b7d\u1b7e\u1c3b\u1c3c\u1c7e\u1c7f\u203c\u203d\u2047\u2048\u2049\u2e2e\u2e3c\u2e53\u2e54\u3002\ua4ff\ua60e\ua60f\ua6f3\ua6f7\ua876\ua877\ua8ce\ua8cf\ua92f\ua9c8\ua9c9\uaa5d\uaa5e\uaa5f\uaaf0\uaaf1\uabeb\ufe52\ufe56\ufe57\uff01\uff0e\uff1f\uff61' +
    '\u{10a56}\u{10a57}\u{10f55}\u{10f56}\u{10f57}\u{10f58}\u{10f59}\u{10f86}\u{10f87}\u{10f88}\u{10f89}\u{11047}\u{11048}\u{110be}\u{110bf}\u{110c0}\u{110c1}\u{11141}\u{11142}\u{11143}\u{111c5}\u{111c6}\u{111cd}\u{111de}\u{111df}\u{11238}\u{11239}\u{1123b}\u{1123c}\u{112a9}\u{1144b}\u{1144c}\u{115c2}\u{115c3}\u{115c9}\u{115ca}\u{115cb}\u{115cc}\u{115cd}\u{115ce}\u{115cf}\u{115d0}\u{115d1}\u{115d2}\u{115d3}\u{115d4}\u{115d5}\u{115d6}\u{115d7}\u{11641}\u{11642}\u{1173c}\u{1173d}\u{1173e}\u{11944}\u{11946}\u{11a42}\u{11a43}\u{11a9b}\u{11a9c}\u{11c41}\u{11c42}\u{11ef7}\u{11ef8}\u{11f43}\u{11f44}\u{16a6e}\u{16a6f}\u{16af5}\u{16b37}\u{16b38}\u{16b44}\u{16e98}\u{1bc9f}\u{1da88}',
);

/** datatrove's `PUNCTUATION_SET`: a word made only of these is a symbol, not a word (Gopher quality). */
export const PUNCTUATION_SET = new Set([
  ...set(
    '!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„\';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_."}►»' +
      String.fromCharCode(
        ...[...Array(160).keys()].filter((x) => x < 9 || (x >= 11 && x < 32) || (x >= 127 && x < 160)),
      ),
  ),
  ...TERMINAL_PUNCTUATION,
]);

/** True when s[from, to) ends with a character of the set. */
export function endsWithOneOf(s: string, chars: Set<number>, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  const last = s.charCodeAt(to - 1);
  // the last character is a pair when a high surrogate inside the range comes before a low one
  // (its code point made by arithmetic, as `halves` says why; with one code unit, prev is last)
  const prev = s.charCodeAt(Math.max(from, to - 2));
  const pair = +(halves(prev, last) === HIGH_LOW);
  return chars.has(last + pair * (((prev - 0xd800) << 10) + 0x10000 - 0xdc00));
}

/**
 * datatrove's `find_duplicates`: items equal to an earlier item, and their length in code points.
 * (The filters call `findDuplicateSpans`, which gives the same over ranges of one text.)
 */
export function findDuplicates(items: readonly string[]): { count: number; chars: number } {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const item of items) {
    if (seen.has(item)) {
      count++;
      chars += cpLength(item);
    } else seen.add(item);
  }
  return { count, chars };
}

/** The kernel, where WebAssembly runs; texts longer than this are split in JavaScript (its memory takes ~8 bytes per character). */
const splitter = pieceSplitter();
const WASM_MAX_CHARS = 1 << 26;
let loaded: string | undefined;

/**
 * The pieces of text[from, to) between runs of at least `minRun` line feeds, as ranges with a hash
 * each: `text.slice(from, to).split(/\n+/)` for `minRun` 1, `split(/\n{2,}/)` for 2, with no
 * string made. The ranges are valid until the next call (they may be the kernel's memory).
 */
export function lineFeedPieces(
  text: string,
  from: number,
  to: number,
  minRun: number,
  options: { wasm?: boolean } = {},
): PieceSpans {
  if (splitter && options.wasm !== false && text.length <= WASM_MAX_CHARS) {
    if (loaded !== text) splitter.load(text);
    loaded = text;
    return splitter.split(from, to, minRun);
  }
  const bounds: number[] = [];
  let start = from;
  for (let i = from; i < to; ) {
    if (text.charCodeAt(i) !== 10) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < to && text.charCodeAt(j) === 10) j++;
    if (j - i >= minRun) {
      bounds.push(start, i);
      start = j;
    }
    i = j;
  }
  bounds.push(start, to);
  const n = bounds.length / 2;
  const spans = new Int32Array(3 * n);
  for (let k = 0; k < n; k++) {
    spans[k] = bounds[2 * k]!;
    spans[n + k] = bounds[2 * k + 1]!;
    spans[2 * n + k] = hashRange(text, bounds[2 * k]!, bounds[2 * k + 1]!);
  }
  return { n, starts: spans.subarray(0, n), ends: spans.subarray(n, 2 * n), hashes: spans.subarray(2 * n, 3 * n) };
}

let slots = new Int32Array(1024);

/**
 * `findDuplicates` over the ranges `pieces` of `text` (but those `skip` marks): pieces equal to
 * an earlier one, and their length in code points. Equal hashes are compared code unit by code
 * unit, so the answer is exact; no substring is made.
 */
export function findDuplicateSpans(
  text: string,
  pieces: PieceSpans,
  skip?: Uint8Array,
): { count: number; chars: number } {
  const { n, starts, ends, hashes } = pieces;
  let size = 16;
  while (size < 2 * n) size <<= 1;
  if (slots.length < size) slots = new Int32Array(size);
  slots.fill(0, 0, size);
  const mask = size - 1;
  let count = 0;
  let chars = 0;
  next: for (let i = 0; i < n; i++) {
    if (skip?.[i]) continue;
    const h = hashes[i]!;
    const a = starts[i]!;
    const len = ends[i]! - a;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = slots[slot]!;
      if (e === 0) {
        slots[slot] = i + 1;
        continue next;
      }
      const b = starts[e - 1]!;
      if (hashes[e - 1] !== h || ends[e - 1]! - b !== len) continue;
      let k = 0;
      let pairs = 0;
      for (; k < len; k++) {
        const c = text.charCodeAt(a + k);
        if (c !== text.charCodeAt(b + k)) break;
        if (c >= 0xdc00 && c <= 0xdfff && k > 0) {
          const prev = text.charCodeAt(a + k - 1);
          if (prev >= 0xd800 && prev <= 0xdbff) pairs++;
        }
      }
      if (k === len) {
        count++;
        chars += len - pairs;
        continue next;
      }
    }
  }
  return { count, chars };
}
