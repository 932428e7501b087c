/**
 * English words as datatrove finds them: spaCy's rule-based tokenizer (a blank `en` pipeline),
 * which datatrove's `split_into_words` runs for English (`filter.compat: datatrove`'s words), and
 * whose tokens the sentencizer of `spacy-sentences.ts` reads.
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
 */
import { isPySpace, pyStrip } from './python.js';
import { MATCHED, PREFIX, SPECIALS, SUFFIX, INFIX, URL } from './spacy-en-rules.js';

const prefixRe = new RegExp(PREFIX, 'uy');
const suffixRe = new RegExp(SUFFIX, 'u');
const infixRe = new RegExp(INFIX, 'gu');
const urlRe = new RegExp(URL, 'u');
const specials = new Map(Object.entries(SPECIALS));

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

export function chunkTokens(chunk: string): string[] {
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
 * True when text[x, y) is ASCII letters only or ASCII digits only and no special case: its one
 * token is itself (what `chunkTokens` gives it, found without making the string or hashing it).
 */
function isPlainAt(text: string, x: number, y: number): boolean {
  const c0 = text.charCodeAt(x);
  if (c0 >= 48 && c0 <= 57) {
    for (let k = x + 1; k < y; k++) {
      const c = text.charCodeAt(k);
      if (c < 48 || c > 57) return false;
    }
  } else {
    for (let k = x; k < y; k++) {
      const c = text.charCodeAt(k) | 32; // A-Z to a-z; nothing else lands in a-z
      if (c < 97 || c > 122) return false;
    }
  }
  return !isSpecialAt(text, x, y);
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
    } else if (isPlainAt(text, i, j)) tokens.push(text.slice(i, j));
    else for (const t of chunkTokens(text.slice(i, j))) tokens.push(t);
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
    if (!ws) n += isPlainAt(text, i, j) ? 1 : chunkTokens(text.slice(i, j)).length;
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

/** The longest special case, in code units: a longer string is none. */
const SPECIAL_MAX = Math.max(...Object.keys(SPECIALS).map((k) => k.length));

/** A special case's length, first and last code unit, hashed to 16 bits. */
const shapeOf = (s: string, x: number, y: number): number =>
  (Math.imul(Math.imul(y - x, 31) + s.charCodeAt(x), 31) + s.charCodeAt(y - 1)) & 0xffff;
/** The shapes of the special cases: a string of another shape is none, without making it. */
const SPECIAL_SHAPES = new Uint8Array(1 << 16);
for (const k of Object.keys(SPECIALS)) SPECIAL_SHAPES[shapeOf(k, 0, k.length)] = 1;

/** True when text[x, y) (not empty) is a special case. */
export function isSpecialAt(text: string, x: number, y: number): boolean {
  return y - x <= SPECIAL_MAX && SPECIAL_SHAPES[shapeOf(text, x, y)] === 1 && specials.has(text.slice(x, y));
}
