/**
 * English words and sentences as datatrove finds them: spaCy's rule-based tokenizer (a blank
 * `en` pipeline) and its `sentencizer`, which datatrove's `split_into_words` and
 * `split_into_sentences` run for English. The words are `filter.compat: datatrove`'s; the
 * sentence count is C4's in both settings (checked equal to spaCy's on every kept line of the
 * comparison corpus and the bench corpus, 223,129 lines).
 *
 * The tokenizer (spaCy's `Tokenizer.__call__`, reimplemented here from its documented algorithm):
 * 1. split the text at whitespace; a single space after a chunk is dropped, any other run of
 *    whitespace is a token of its own (datatrove then drops those);
 * 2. per chunk, a special case (`SPECIALS`: contractions, abbreviations, emoticons) gives its tokens;
 *    otherwise prefixes and suffixes are split off one at a time (checking for a special case
 *    after each), then the rest is one token if it is a special case or a URL, else it is split
 *    at infixes (hyphens between letters, `.` between a lower-case and an upper-case letter…);
 * 3. token runs of a chunk that spell a special case containing an affix (`MATCHED`) are
 *    replaced by the special case's tokens (longest first, as spaCy does).
 * The sentencizer starts a sentence at the first token that is not punctuation after a token
 * that is one of `SENTENCE_ENDS`.
 */
import { isPySpace, pyStrip } from './python.js';
import { PUNCT_UNITS } from '../../text/punctuation.js';
import { CHUNK_STRIDE, ChunkShape, LineClass } from '../line-scan.js';
import { MATCHED, PREFIX, SENTENCE_ENDS, SPECIALS, SUFFIX, INFIX, URL } from './spacy-en-rules.js';

const prefixRe = new RegExp(PREFIX, 'uy');
const suffixRe = new RegExp(SUFFIX, 'u');
const infixRe = new RegExp(INFIX, 'gu');
const urlRe = new RegExp(URL, 'u');
const specials = new Map(Object.entries(SPECIALS));
const sentenceEnds = new Set(SENTENCE_ENDS);

/** Special cases matched across tokens, by their first token. */
const matchedByFirst = new Map<string, string[][]>();
for (const tokens of Object.values(MATCHED)) {
  if (tokens.length < 2) continue; // a one-token pattern replaces a token by itself
  const list = matchedByFirst.get(tokens[0]!) ?? [];
  list.push(tokens);
  matchedByFirst.set(tokens[0]!, list);
}

/** Letters only, or digits only: no prefix, suffix or infix rule splits such a chunk. */
const PLAIN = /^(?:\p{L}+|\p{Nd}+)$/u;

function prefixLength(s: string): number {
  prefixRe.lastIndex = 0; // sticky: a prefix starts the string (every alternative is ^-anchored)
  const m = prefixRe.exec(s);
  return m ? m[0].length : 0;
}

/**
 * Suffix rules are short (a few characters, with look-behinds of at most three), so the search
 * runs over the last TAIL characters; a match near the tail's start (a run of dots may go on to
 * the left) is searched again over the whole string.
 */
const TAIL = 16;

function suffixLength(s: string): number {
  if (s.length > TAIL) {
    const m = suffixRe.exec(s.slice(s.length - TAIL));
    if (!m) return 0;
    if (m.index >= 4) return m[0].length;
  }
  const m = suffixRe.exec(s);
  return m ? m[0].length : 0;
}

/** spaCy's `_split_affixes` then `_attach_tokens`, for one chunk without whitespace. */
function tokenizeChunk(chunk: string, out: string[]): void {
  const special = specials.get(chunk);
  if (special) {
    for (const t of special) out.push(t);
    return;
  }
  if (PLAIN.test(chunk)) {
    out.push(chunk);
    return;
  }
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  let s = chunk;
  let last = -1;
  while (s.length > 0 && s.length !== last) {
    if (specials.has(s)) break;
    last = s.length;
    const pre = prefixLength(s);
    if (pre !== 0) {
      const minusPre = s.slice(pre);
      if (minusPre.length > 0 && specials.has(minusPre)) {
        prefixes.push(s.slice(0, pre));
        s = minusPre;
        break;
      }
    }
    const suf = suffixLength(s.slice(pre));
    if (suf !== 0) {
      const minusSuf = s.slice(0, s.length - suf);
      if (minusSuf.length > 0 && specials.has(minusSuf)) {
        suffixes.push(s.slice(s.length - suf));
        s = minusSuf;
        break;
      }
    }
    if (pre !== 0 && suf !== 0 && pre + suf <= s.length) {
      prefixes.push(s.slice(0, pre));
      suffixes.push(s.slice(s.length - suf));
      s = s.slice(pre, s.length - suf);
    } else if (pre !== 0) {
      prefixes.push(s.slice(0, pre));
      s = s.slice(pre);
    } else if (suf !== 0) {
      suffixes.push(s.slice(s.length - suf));
      s = s.slice(0, s.length - suf);
    }
  }
  for (const p of prefixes) out.push(p);
  if (s.length > 0) {
    const sp = specials.get(s);
    if (sp) for (const t of sp) out.push(t);
    else if (urlRe.test(s)) out.push(s);
    else {
      // exec on the one global RegExp: matchAll would copy (and compile) it on every call
      let start = 0;
      infixRe.lastIndex = 0;
      for (let m = infixRe.exec(s); m !== null; m = infixRe.exec(s)) {
        const from = m.index;
        const to = from + m[0].length;
        if (from === to) infixRe.lastIndex = to + (s.codePointAt(to)! > 0xffff ? 2 : 1);
        if (from === 0) continue; // an infix at the very start is no split point
        if (from !== start) out.push(s.slice(start, from));
        if (from !== to) out.push(s.slice(from, to));
        start = to;
      }
      if (start < s.length) out.push(s.slice(start));
    }
  }
  for (let i = suffixes.length - 1; i >= 0; i--) out.push(suffixes[i]!);
}

/** Chunk → tokens; spaCy keeps the same cache (words repeat, so most chunks are hits). */
const cache = new Map<string, string[]>();
const CACHE_MAX = 200_000;

function chunkTokens(chunk: string): string[] {
  let t = cache.get(chunk);
  if (t === undefined) {
    t = [];
    tokenizeChunk(chunk, t);
    if (t.length > 1) applyMatched(t);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(chunk, t);
  }
  return t;
}

/**
 * The tokens of `text` as spaCy's English tokenizer makes them, white-space tokens included (a
 * run of white space other than one space after a chunk).
 */
export function spacyTokens(text: string): string[] {
  const tokens: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ws = isPySpace(text.charCodeAt(i));
    let j = i + 1;
    while (j < n && isPySpace(text.charCodeAt(j)) === ws) j++;
    if (ws) {
      // a space right after a chunk only separates it; the rest of the run is a token
      const from = i > 0 && text.charCodeAt(i) === 32 ? i + 1 : i;
      if (from < j) tokens.push(text.slice(from, j));
    } else for (const t of chunkTokens(text.slice(i, j))) tokens.push(t);
    i = j;
  }
  return tokens;
}

/**
 * spaCy's `_apply_special_cases` on the tokens of one chunk: every run of tokens that spells a
 * MATCHED pattern is a match; the longest win (then the earliest), no two share a token; a
 * match whose text is a special case becomes that special case's tokens. (spaCy matches over
 * the whole text and compares the text with its spaces; no MATCHED case holds a space, so a
 * match across chunks never becomes one.)
 */
function applyMatched(tokens: string[]): void {
  const matches: Array<[number, number]> = [];
  for (let i = 0; i < tokens.length; i++) {
    const patterns = matchedByFirst.get(tokens[i]!);
    if (!patterns) continue;
    for (const p of patterns) {
      if (i + p.length > tokens.length) continue;
      let k = 1;
      while (k < p.length && tokens[i + k] === p[k]) k++;
      if (k === p.length) matches.push([i, i + p.length]);
    }
  }
  if (matches.length === 0) return;
  // longest first; among equal lengths the earliest
  matches.sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0]);
  const seen = new Set<number>();
  const chosen: Array<[number, number]> = [];
  for (const [s, e] of matches) {
    if (!seen.has(s) && !seen.has(e - 1)) chosen.push([s, e]);
    for (let k = s; k < e; k++) seen.add(k);
  }
  chosen.sort((a, b) => b[0] - a[0]); // replace from the end, so earlier indices stay valid
  for (const [s, e] of chosen) {
    const special = specials.get(tokens.slice(s, e).join(''));
    if (special) tokens.splice(s, e - s, ...special);
  }
}

/** `spacyWords(text).length`, without making the list (a chunk's tokens hold no white space). */
export function spacyWordCount(text: string): number {
  let n = 0;
  const len = text.length;
  for (let i = 0; i < len; ) {
    const ws = isPySpace(text.charCodeAt(i));
    let j = i + 1;
    while (j < len && isPySpace(text.charCodeAt(j)) === ws) j++;
    if (!ws) n += chunkTokens(text.slice(i, j)).length;
    i = j;
  }
  return n;
}

/** datatrove's `split_into_words` for English: the tokens, whitespace tokens dropped, each stripped. */
export function spacyWords(text: string): string[] {
  const words: string[] = [];
  for (const t of spacyTokens(text)) {
    const w = pyStrip(t);
    if (w.length > 0) words.push(w);
  }
  return words;
}

const sentenceEndPoints = new Set(SENTENCE_ENDS.map((c) => c.codePointAt(0)!));
const NOT_PUNCT_RE = /[^\p{P}]/u;

const PUNCT = 1;
const NOT = 2;
const END = 4;
const SPACE = 8;
const SURROGATE = 16;
/**
 * Per UTF-16 code unit: PUNCT or NOT, | END for a sentence end, SPACE for Python white space,
 * SURROGATE for half a character beyond the BMP.
 */
const classes = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) {
  if (c >= 0xd800 && c <= 0xdfff) classes[c] = NOT | SURROGATE;
  else if (isPySpace(c)) classes[c] = SPACE;
  else classes[c] = (PUNCT_UNITS[c] ? PUNCT : NOT) | (sentenceEndPoints.has(c) ? END : 0);
}

const isAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
const isLowerOrDigit = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
/** Characters after which spaCy splits a final `.` off (checked against spaCy on the fixture corpus). */
const SPLITS_DOT = new Set([...')]"\'`,:;*>'].map((c) => c.charCodeAt(0)));

/**
 * True when spaCy's tokens of the ASCII chunk text[from, to) end in its last character, a
 * sentence end standing alone, and no other token is a sentence end: `word.`, `(see page 2).`,
 * `v1.2.3.`, `done!`. Then the chunk counts as its other tokens (all punctuation or not) and an
 * end, without tokenizing it. A `.` inside is no token of its own when a lower-case letter or a
 * digit follows it (no rule splits there); a special case at the end (`e.g.`, `b.`) is left to
 * the tokenizer.
 */
function endsInLoneEnd(text: string, from: number, to: number): boolean {
  const end = text.charCodeAt(to - 1);
  if (to - from < 2 || (end !== 46 && end !== 33 && end !== 63)) return false;
  for (let i = from; i < to - 1; i++) {
    const c = text.charCodeAt(i);
    if (c > 126 || c < 33) return false;
    if (c === 33 || c === 63) return false;
    if (c === 46 && !isLowerOrDigit(text.charCodeAt(i + 1))) return false;
  }
  return loneEndBefore(text, from, to);
}

/**
 * The rest of `endsInLoneEnd`, once the chunk's characters are known to pass: a `.` end follows a
 * character spaCy splits it from, and the chunk ends in no special case.
 */
function loneEndBefore(text: string, from: number, to: number): boolean {
  const prev = text.charCodeAt(to - 2);
  if (text.charCodeAt(to - 1) === 46 && !isLowerOrDigit(prev) && !SPLITS_DOT.has(prev)) return false;
  // the run of letters and digits before the end, and the chunk with and without its end, are no special case
  let a = to - 1;
  while (a > from && isAlnum(text.charCodeAt(a - 1))) a--;
  if (a < to - 1 && isSpecialAt(text, a, to)) return false;
  if (a === to - 1 && isSpecialAt(text, to - 2, to)) return false;
  return !isSpecialAt(text, from, to) && !isSpecialAt(text, from, to - 1);
}

/** The longest special case, in code units: a longer string is none. */
const SPECIAL_MAX = Math.max(...Object.keys(SPECIALS).map((k) => k.length));

/** A special case's length, first and last code unit, hashed to 16 bits. */
const shapeOf = (s: string, x: number, y: number): number =>
  (Math.imul(Math.imul(y - x, 31) + s.charCodeAt(x), 31) + s.charCodeAt(y - 1)) & 0xffff;
/** The shapes of the special cases: a string of another shape is none, without making it. */
const SPECIAL_SHAPES = new Uint8Array(1 << 16);
for (const k of Object.keys(SPECIALS)) SPECIAL_SHAPES[shapeOf(k, 0, k.length)] = 1;

/** True when text[x, y) (not empty) is a special case. */
function isSpecialAt(text: string, x: number, y: number): boolean {
  return y - x <= SPECIAL_MAX && SPECIAL_SHAPES[shapeOf(text, x, y)] === 1 && specials.has(text.slice(x, y));
}

/**
 * True when no token of the ASCII chunk text[from, to) is a sentence end: it has no `!` or `?`,
 * and each `.` sits between a letter or digit and a lower-case letter or digit (`0.3.1`,
 * `file.txt`, `https://example.org/a`), where no rule splits it off.
 */
function hasNoLoneEnd(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c > 126 || c === 33 || c === 63) return false;
    if (
      c === 46 &&
      !(i > from && isAlnum(text.charCodeAt(i - 1)) && i + 1 < to && isLowerOrDigit(text.charCodeAt(i + 1)))
    )
      return false;
  }
  return true;
}

const isSpaceUnit = (c: number): boolean => (classes[c]! & SPACE) !== 0;

/**
 * True when text[from, to), a stretch between chunks that hold a sentence end, has a token that
 * is not all punctuation: a character that is not punctuation, or a run of white space that is a
 * token (any run but one space right after a chunk; `start` is where the counted text starts).
 */
function gapHasWord(text: string, from: number, to: number, start: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const k = classes[c]!;
    if (k & SPACE) {
      let j = i + 1;
      while (j < to && isSpaceUnit(text.charCodeAt(j))) j++;
      if (j - i > 1 || c !== 32 || i === start) return true;
      i = j - 1;
    } else if (k & SURROGATE) {
      const cp = text.codePointAt(i)!;
      if (NOT_PUNCT_RE.test(String.fromCodePoint(cp))) return true;
      if (cp > 0xffff) i++;
    } else if (k & NOT) return true;
  }
  return false;
}

/** True when a sentence-end character starts at text[i] (a pair's high half for one beyond the BMP). */
function endAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return (classes[c]! & END) !== 0;
  return c <= 0xdbff && sentenceEndPoints.has(text.codePointAt(i)!);
}

/**
 * The number of sentences spaCy's sentencizer finds in text[from, to) (1 or more when it has a
 * token), given, in order, the `n` positions of `candidates` where a sentence end may start:
 * every sentence-end character's, and others (surrogates) that are checked here.
 *
 * Only the chunks (runs without white space) that hold a sentence-end character are looked at
 * closely: no token of any other chunk is a sentence end, so between two such chunks all that
 * matters is whether some token is not punctuation (where the next sentence would start).
 */
function sentencesAt(text: string, from: number, to: number, candidates: Int32Array, n: number): number {
  if (to <= from) return 0;
  let sentences = 1;
  let seenPeriod = false;
  /** A token: is it all punctuation, is it a sentence end. */
  const visit = (notPunct: boolean, end: boolean): void => {
    if (seenPeriod && !end && notPunct) {
      sentences += 1;
      seenPeriod = false;
    } else if (end) seenPeriod = true;
  };
  let pos = from;
  for (let e = 0; e < n; e++) {
    const i = candidates[e]!;
    if (i < pos || !endAt(text, i)) continue; // inside the chunk just read, or no end
    let a = i;
    while (a > from && !isSpaceUnit(text.charCodeAt(a - 1))) a--;
    let b = i + 1;
    while (b < to && !isSpaceUnit(text.charCodeAt(b))) b++;
    if (seenPeriod && gapHasWord(text, pos, a, from)) visit(true, false);
    let flags = 0;
    for (let k = a; k < b; k++) flags |= classes[text.charCodeAt(k)]!;
    if ((flags & SURROGATE) === 0 && hasNoLoneEnd(text, a, b)) visit((flags & NOT) !== 0, false);
    else if ((flags & SURROGATE) === 0 && endsInLoneEnd(text, a, b)) {
      // its other tokens, then the end; they hold something not punctuation when the chunk does
      // besides its last character
      let other = false;
      for (let k = a; k < b - 1 && !other; k++) other = (classes[text.charCodeAt(k)]! & NOT) !== 0;
      visit(other, false);
      visit(false, true);
    } else {
      for (const t of chunkTokens(text.slice(a, b))) visit(NOT_PUNCT_RE.test(t), sentenceEnds.has(t));
    }
    pos = b;
  }
  if (seenPeriod && gapHasWord(text, pos, to, from)) sentences += 1;
  return sentences;
}

/** Where a sentence end may start in `sentencesIn`'s range (reused: one range is read at a time). */
let candidates = new Int32Array(256);

/** `spacySentenceCount(text.slice(from, to))`, without the slice. */
export function sentencesIn(text: string, from: number, to: number): number {
  let cand = candidates;
  let n = 0;
  for (let i = from; i < to; i++) {
    if ((classes[text.charCodeAt(i)]! & (END | SURROGATE)) === 0) continue;
    if (n === cand.length) {
      const grown = new Int32Array(2 * n);
      grown.set(cand);
      candidates = cand = grown;
    }
    cand[n++] = i;
  }
  return sentencesAt(text, from, to, cand, n);
}

/** The number of sentences spaCy's sentencizer finds in `text` (1 or more when it has a token). */
export function spacySentenceCount(text: string): number {
  return sentencesIn(text, 0, text.length);
}

const { NOT_PUNCT } = LineClass;
const { HIGH, CONTROL, DOT_NOT_AFTER_ALNUM, DOT_NOT_BEFORE_LOWER, SURROGATE: SURROGATE_IN, BANG_INSIDE } = ChunkShape;
/** Chunk shapes with which some `.` `!` or `?` may be a token of its own. */
const MAY_SPLIT = HIGH | SURROGATE_IN | DOT_NOT_AFTER_ALNUM | DOT_NOT_BEFORE_LOWER | BANG_INSIDE;
/** Chunk shapes whose characters before the last fail `endsInLoneEnd`. */
const NOT_LONE_END = HIGH | CONTROL | SURROGATE_IN | DOT_NOT_BEFORE_LOWER | BANG_INSIDE;

/**
 * `sentencesIn(text, from, to)` from the line scan's chunk records `c0` to `c1` of that range
 * (`line-scan.ts`: the words that may hold a sentence end, with their shape), so the range's
 * characters are not read again: a chunk's shape bits decide `hasNoLoneEnd` and the character
 * part of `endsInLoneEnd`.
 */
export function sentencesOfChunks(
  text: string,
  from: number,
  to: number,
  chunks: Int32Array,
  c0: number,
  c1: number,
): number {
  if (to <= from) return 0;
  // the sentencizer's state (as `sentencesAt`'s visit, written out: this runs for every kept line)
  let sentences = 1;
  let seenPeriod = false;
  let pos = from;
  for (let c = c0; c < c1; c++) {
    const a = chunks[CHUNK_STRIDE * c]!;
    const b = chunks[CHUNK_STRIDE * c + 1]!;
    const bits = chunks[CHUNK_STRIDE * c + 2]!;
    if (bits & SURROGATE_IN) {
      // a character beyond the BMP made it a candidate: without a sentence end it is part of the gap
      let end = false;
      for (let i = a; i < b && !end; i++) end = endAt(text, i);
      if (!end) continue;
    }
    // a token that is not punctuation after a sentence end starts a sentence
    if (seenPeriod && gapHasWord(text, pos, a, from)) {
      sentences += 1;
      seenPeriod = false;
    }
    const last = text.charCodeAt(b - 1);
    const lastIsEnd = last === 46 || last === 33 || last === 63;
    if ((bits & MAY_SPLIT) === 0 && !lastIsEnd) {
      if (seenPeriod && (bits & NOT_PUNCT) !== 0) {
        sentences += 1;
        seenPeriod = false;
      }
    } else if (lastIsEnd && b - a >= 2 && (bits & NOT_LONE_END) === 0 && loneEndBefore(text, a, b)) {
      // its other tokens (the last character is punctuation), then the end
      if (seenPeriod && (bits & NOT_PUNCT) !== 0) sentences += 1;
      seenPeriod = true;
    } else {
      for (const t of chunkTokens(text.slice(a, b))) {
        const end = sentenceEnds.has(t);
        if (seenPeriod && !end && NOT_PUNCT_RE.test(t)) {
          sentences += 1;
          seenPeriod = false;
        } else if (end) seenPeriod = true;
      }
    }
    pos = b;
  }
  if (seenPeriod && gapHasWord(text, pos, to, from)) sentences += 1;
  return sentences;
}
