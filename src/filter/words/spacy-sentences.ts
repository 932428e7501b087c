/**
 * English sentences as datatrove counts them: spaCy's `sentencizer` over the tokens of spaCy's
 * English tokenizer (`spacy-en.ts`), which datatrove's `split_into_sentences` runs; the count is
 * C4's in both settings (checked equal to spaCy's on every kept line of the comparison corpus and
 * the bench corpus, 223,129 lines, and to datatrove's counts in `test/e2e/filter-compat.test.ts`).
 * The sentencizer starts a sentence at the first token that is not punctuation after a token that
 * is one of `SENTENCE_ENDS`.
 *
 * Only the chunks (runs without white space) that hold a sentence-end character matter: no token
 * of any other chunk is a sentence end, so between two such chunks all that counts is whether
 * some token is not punctuation. The line scan (`line-scan.ts`) lists those chunks with their
 * shape, which decides spaCy's common cases without tokenizing them.
 */
import { PUNCT_UNITS } from '../../text/punctuation.js';
import { CHUNK_END, CHUNK_STRIDE, ChunkShape, LineClass, scanLines, STRIDE } from '../line-scan.js';
import { isPySpace } from './python.js';
import { chunkTokens, isSpecialAt } from './spacy-en.js';
import { SENTENCE_ENDS } from './spacy-en-rules.js';

const sentenceEnds = new Set(SENTENCE_ENDS);
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
 * True when spaCy's tokens of the ASCII chunk text[from, to), whose characters before the last
 * pass (`NOT_LONE_END`), end in its last character, a sentence end standing alone, and no other
 * token is a sentence end (`word.`, `(see page 2).`, `v1.2.3.`, `done!`): a `.` end follows a
 * character spaCy splits it from, and the chunk ends in no special case (`e.g.`, `b.`).
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

const { NOT_PUNCT } = LineClass;
const { HIGH, CONTROL, DOT_NOT_AFTER_ALNUM, DOT_NOT_BEFORE_LOWER, SURROGATE: SURROGATE_IN, BANG_INSIDE } = ChunkShape;
/**
 * Chunk shapes with which some `.` `!` or `?` may be a token of its own. Without them (and with no
 * end last) no token is a sentence end: each `.` sits between a letter or digit and a lower-case
 * letter or digit (`0.3.1`, `file.txt`, `https://example.org/a`), where no rule splits it off.
 */
const MAY_SPLIT = HIGH | SURROGATE_IN | DOT_NOT_AFTER_ALNUM | DOT_NOT_BEFORE_LOWER | BANG_INSIDE;
/** Chunk shapes whose characters before the last rule out a lone end (`loneEndBefore`): a `.` inside is no token of its own when a lower-case letter or a digit follows it. */
const NOT_LONE_END = HIGH | CONTROL | SURROGATE_IN | DOT_NOT_BEFORE_LOWER | BANG_INSIDE;

/**
 * The number of sentences spaCy's sentencizer finds in text[from, to) (1 or more when it has a
 * token), a range of whole words such as a line, from the line scan's chunk records `c0` to `c1`
 * of that range (the words that may hold a sentence end, with their shape): the range's characters
 * are not read again but for the gaps' first characters and what the shapes leave to the tokenizer.
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
  // the sentencizer's state, written out (this runs for every kept line)
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

/** The number of sentences spaCy's sentencizer finds in `text` (1 or more when it has a token). */
export function spacySentenceCount(text: string): number {
  const { lines, chunks } = scanLines(text);
  return sentencesOfChunks(
    text,
    0,
    text.length,
    chunks,
    0,
    lines.length ? lines[lines.length - STRIDE + CHUNK_END]! : 0,
  );
}
