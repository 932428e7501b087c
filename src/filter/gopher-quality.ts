/**
 * Gopher quality rules (Rae et al. 2021, "Scaling Language Models", App. A; datatrove
 * `GopherQualityFilter` defaults):
 * - 50 ≤ words ≤ 100,000 (`gopher_short_doc`, `gopher_long_doc`)
 * - 3 ≤ mean word length ≤ 10 (`gopher_below_avg_threshold`, `gopher_above_avg_threshold`)
 * - `#` per word ≤ 0.1 (`gopher_too_many_hashes`); `...`/`…` per word ≤ 0.1 (`gopher_too_many_ellipsis`)
 * - lines (Python's `splitlines()`, blank ones included) starting with `•` or `-` ≤ 0.9
 *   (`gopher_too_many_bullets`); ending with an ellipsis ≤ 0.3 (`gopher_too_many_end_ellipsis`)
 * - words with a letter ≥ 0.8 (`gopher_below_alpha_threshold`)
 * - ≥ 2 stop words (`gopher_enough_stop_words`): the, be, to, of, and, that, have, with.
 * How words are counted is the dialect's (`types.ts`):
 * - `filter.compat: moe`: whitespace tokens; the length and count rules take the tokens with a
 *   letter or digit, edge punctuation stripped (characters in Chinese, Japanese and Thai); stop
 *   words are the document language's eight most common words, counted as lower-cased
 *   occurrences; languages without a list skip that rule.
 * - `datatrove`: spaCy's English tokens, punctuation split off; the length and count rules take
 *   those not made only of punctuation; at least two distinct English stop words, as written.
 */
import type { GopherQualityParams } from './params.js';
import { hash32 } from '../text/hash.js';
import { FIRST, LAST, STRIDE } from './line-scan.js';
import { judge, occurrences, ratio } from './rules.js';
import { COUNT, type Dialect, FRACTION, type StepDefinition } from './types.js';
import type { TextView } from './view.js';
import { cpLength, PUNCTUATION_SET } from './words/python.js';

const HAS_LETTER = /\p{L}/u;

/** A word made only of datatrove's punctuation characters. */
function isSymbol(w: string): boolean {
  for (const ch of w) if (!PUNCTUATION_SET.has(ch.codePointAt(0)!)) return false;
  return true;
}

/** The eight most frequent words per language, as Gopher's English list. */
export const GOPHER_STOP_WORDS: Record<string, readonly string[]> = {
  eng: ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'],
  deu: ['der', 'die', 'und', 'in', 'den', 'von', 'zu', 'das'],
  fra: ['de', 'la', 'le', 'et', 'les', 'des', 'en', 'un'],
  spa: ['de', 'la', 'que', 'el', 'en', 'y', 'a', 'los'],
  ita: ['di', 'e', 'il', 'la', 'che', 'in', 'a', 'per'],
  por: ['de', 'a', 'o', 'que', 'e', 'do', 'da', 'em'],
  nld: ['de', 'en', 'van', 'het', 'een', 'in', 'is', 'dat'],
  pol: ['i', 'w', 'nie', 'na', 'się', 'z', 'do', 'że'],
  rus: ['и', 'в', 'не', 'на', 'я', 'что', 'он', 'с'],
  ukr: ['і', 'в', 'на', 'з', 'що', 'не', 'до', 'та'],
  cmn: ['的', '了', '是', '在', '和', '有', '我', '不'],
  jpn: ['の', 'に', 'は', 'を', 'た', 'が', 'で', 'て'],
};

const SAME = 0x100000000; // lower-casing leaves the word as it is
const OTHER = 0x100000001; // a non-ASCII code unit: only toLowerCase knows

/** `hash32` of text[from, to) lower-cased, for ASCII words with a capital; SAME or OTHER otherwise. */
function lowerHash(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  let upper = false;
  for (let j = from; j < to; j++) {
    let c = text.charCodeAt(j);
    if (c > 127) return OTHER;
    if (c >= 65 && c <= 90) {
      c += 32;
      upper = true;
    }
    h = Math.imul(h ^ c, 0x01000193);
  }
  return upper ? h | 0 : SAME;
}

export const gopherQuality: StepDefinition<GopherQualityParams> = {
  name: 'gopher-quality',
  kind: 'filter',
  metrics: {
    word_count: COUNT,
    avg_word_length: { kind: 'linear', lo: 0, hi: 20, bins: 20 },
    hash_ratio: FRACTION,
    ellipsis_ratio: FRACTION,
    bullet_lines_ratio: FRACTION,
    end_ellipsis_lines_ratio: FRACTION,
    alpha_words_ratio: FRACTION,
    stop_words: COUNT,
  },
  create(p, ctx) {
    const { whitespaceWords, languageStopWords } = ctx.dialect;
    const countStop = stopWordCounter(p, ctx.language, ctx.dialect);
    return {
      kind: 'filter',
      name: 'gopher-quality',
      keep(_doc, view, measure) {
        const text = view.text;
        const { bullets, endEllipsis } = lineMarks(text, view.lineScan.lines);
        const ellipsisCount = occurrences(text, '...') + occurrences(text, '\u2026');
        const w = whitespaceWords ? whitespaceWordStats(view, languageStopWords) : spacyWordStats(view);
        const stopCount = countStop(view, w.words);
        const hashes = ratio(occurrences(text, '#'), w.tokens);
        const ellipses = ratio(ellipsisCount, w.tokens);
        const checksStop = !languageStopWords || countStop.hasList;
        const { n, avg, alpha } = w;
        return judge(
          [
            { metric: 'word_count', value: n, fails: n < p.minWords, reason: 'gopher_short_doc' },
            { metric: 'word_count', value: n, fails: n > p.maxWords, reason: 'gopher_long_doc' },
            {
              metric: 'avg_word_length',
              value: avg,
              fails: avg < p.minAvgWordLength,
              reason: 'gopher_below_avg_threshold',
            },
            {
              metric: 'avg_word_length',
              value: avg,
              fails: avg > p.maxAvgWordLength,
              reason: 'gopher_above_avg_threshold',
            },
            { metric: 'hash_ratio', value: hashes, fails: hashes > p.maxHashRatio, reason: 'gopher_too_many_hashes' },
            {
              metric: 'ellipsis_ratio',
              value: ellipses,
              fails: ellipses > p.maxEllipsisRatio,
              reason: 'gopher_too_many_ellipsis',
            },
            {
              metric: 'bullet_lines_ratio',
              value: bullets,
              fails: bullets > p.maxBulletLinesRatio,
              reason: 'gopher_too_many_bullets',
            },
            {
              metric: 'end_ellipsis_lines_ratio',
              value: endEllipsis,
              fails: endEllipsis > p.maxEndEllipsisLinesRatio,
              reason: 'gopher_too_many_end_ellipsis',
            },
            {
              metric: 'alpha_words_ratio',
              value: alpha,
              fails: alpha < p.minAlphaWordsRatio,
              reason: 'gopher_below_alpha_threshold',
            },
            {
              metric: 'stop_words',
              value: stopCount,
              fails: checksStop && stopCount < p.minStopWords,
              reason: 'gopher_enough_stop_words',
            },
          ],
          measure,
        );
      },
    };
  },
};

/** The fractions of lines (Python's splitlines(), blank ones included) that start with a bullet and that end with an ellipsis. */
function lineMarks(text: string, lines: Int32Array): { bullets: number; endEllipsis: number } {
  let bulletLines = 0;
  let ellipsisLines = 0;
  for (let r = 0; r < lines.length; r += STRIDE) {
    // the line's first and last characters that are not white space (lstrip, rstrip)
    const a = lines[r + FIRST]!;
    const b = lines[r + LAST]! + 1;
    if (a < 0) continue;
    const first = text.charCodeAt(a);
    if (first === 0x2022 || first === 0x2d) bulletLines += 1; // • -
    const last = text.charCodeAt(b - 1);
    if (
      last === 0x2026 ||
      (last === 0x2e && b - a >= 3 && text.charCodeAt(b - 2) === 0x2e && text.charCodeAt(b - 3) === 0x2e)
    )
      ellipsisLines += 1; // … ...
  }
  const n = lines.length / STRIDE;
  return { bullets: ratio(bulletLines, n), endEllipsis: ratio(ellipsisLines, n) };
}

/** Word count `n`, mean word length, token count, the fraction of tokens with a letter, and the words stop words are counted in. */
interface WordStats {
  n: number;
  avg: number;
  tokens: number;
  alpha: number;
  words: readonly string[];
}

/** Whitespace tokens; a word is a token with a letter or digit, its edge punctuation stripped. */
function whitespaceWordStats(view: TextView, languageStopWords: boolean): WordStats {
  const t = view.tokens;
  let letters = 0;
  for (let i = 0; i < t.n; i++) letters += t.ends[i]! - t.starts[i]!;
  return {
    n: t.n,
    avg: ratio(letters, t.n),
    tokens: t.count,
    alpha: ratio(t.alphaCount, t.count),
    words: languageStopWords ? [] : t.words,
  };
}

/** datatrove: spaCy's words; a word of punctuation only is a symbol. */
function spacyWordStats(view: TextView): WordStats {
  const words = view.spacyWords;
  let symbolFree = 0;
  let length = 0;
  let alphaWords = 0;
  for (const w of words) {
    if (!isSymbol(w)) {
      symbolFree += 1;
      length += cpLength(w);
    }
    if (HAS_LETTER.test(w)) alphaWords += 1;
  }
  return {
    n: symbolFree,
    avg: symbolFree > 0 ? length / symbolFree : Number.NaN,
    tokens: words.length,
    alpha: ratio(alphaWords, words.length),
    words,
  };
}

/**
 * Counts the stop words of a document: datatrove's English ones, distinct, as written; or, in
 * moe's dialect, every occurrence of the language's (lower-cased), found among whitespace tokens
 * by hash first. `hasList`: the language has a list (without one the rule does not apply).
 */
function stopWordCounter(
  p: GopherQualityParams,
  language: string,
  dialect: Dialect,
): ((view: TextView, words: readonly string[]) => number) & { hasList: boolean } {
  const list = p.stopWords ?? GOPHER_STOP_WORDS[language];
  const stop = list ? new Set(list) : undefined;
  // a word can only be a stop word if its hash is one's; a word with capitals or non-ASCII
  // letters is also checked lower-cased
  const stopHashes = new Set((list ?? []).map((w) => hash32(w) | 0));
  // a 1024-entry filter on the hash's low bits answers most lookups without the Set
  const maybeStop = new Uint8Array(1024);
  for (const h of stopHashes) maybeStop[h & 1023] = 1;
  const isStopHash = (h: number): boolean => maybeStop[h & 1023] === 1 && stopHashes.has(h);
  const maxStopLength = list ? Math.max(...list.map((w) => w.length)) : 0;
  const englishStop = new Set(p.stopWords ?? GOPHER_STOP_WORDS.eng!);
  const count = (view: TextView, words: readonly string[]): number => {
    let stopCount = 0;
    if (!dialect.languageStopWords) {
      const present = new Set<string>();
      for (const w of words) if (englishStop.has(w)) present.add(w);
      return present.size;
    }
    if (!stop) return 0;
    if (!dialect.whitespaceWords) {
      for (const w of words) if (w.length <= maxStopLength && stop.has(w.toLowerCase())) stopCount += 1;
      return stopCount;
    }
    const text = view.text;
    const { n, starts, ends, hashes } = view.tokens;
    for (let i = 0; i < n; i++) {
      const from = starts[i]!;
      const to = ends[i]!;
      if (to - from > maxStopLength) continue;
      if (isStopHash(hashes[i]!) && stop.has(text.slice(from, to))) {
        stopCount += 1;
        continue;
      }
      // the word lower-cased: ASCII capitals by hash first; anything else by toLowerCase
      const lower = lowerHash(text, from, to);
      if (lower === SAME) continue;
      if ((lower === OTHER || isStopHash(lower)) && stop.has(text.slice(from, to).toLowerCase())) stopCount += 1;
    }
    return stopCount;
  };
  return Object.assign(count, { hasList: stop !== undefined });
}
