/**
 * Gopher quality rules (Rae et al. 2021, "Scaling Language Models", App. A; datatrove
 * `GopherQualityFilter` defaults):
 * - 50 ≤ words ≤ 100,000 (`gopher_short_doc`, `gopher_long_doc`)
 * - 3 ≤ mean word length ≤ 10 (`gopher_below_avg_threshold`, `gopher_above_avg_threshold`)
 * - `#` per word ≤ 0.1 (`gopher_too_many_hashes`); `...`/`…` per word ≤ 0.1 (`gopher_too_many_ellipsis`)
 * - lines starting with a bullet ≤ 0.9 (`gopher_too_many_bullets`)
 * - lines ending with an ellipsis ≤ 0.3 (`gopher_too_many_end_ellipsis`)
 * - words with a letter ≥ 0.8 (`gopher_below_alpha_threshold`)
 * - ≥ 2 occurrences of the language's eight most common words (`gopher_enough_stop_words`);
 *   English: the, be, to, of, and, that, have, with. Languages without a list skip this rule.
 * Words are counted per language (`text.ts`): characters in Chinese, Japanese and Thai.
 */
import { z } from 'zod';
import { hash32 } from '../text/hash.js';
import { judge, occurrences, ratio } from './rules.js';
import { COUNT, FRACTION, type StepDefinition } from './types.js';

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

const params = z.strictObject({
  minWords: z.number().int().min(0).default(50),
  maxWords: z.number().int().min(1).default(100_000),
  minAvgWordLength: z.number().min(0).default(3),
  maxAvgWordLength: z.number().min(0).default(10),
  maxHashRatio: z.number().min(0).default(0.1),
  maxEllipsisRatio: z.number().min(0).default(0.1),
  maxBulletLinesRatio: z.number().min(0).max(1).default(0.9),
  maxEndEllipsisLinesRatio: z.number().min(0).max(1).default(0.3),
  minAlphaWordsRatio: z.number().min(0).max(1).default(0.8),
  minStopWords: z.number().int().min(0).default(2),
  /** Overrides the language's stop-word list. */
  stopWords: z.array(z.string().min(1)).optional(),
});

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

export const gopherQuality: StepDefinition<typeof params> = {
  name: 'gopher-quality',
  kind: 'filter',
  params,
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
    const list = p.stopWords ?? GOPHER_STOP_WORDS[ctx.language];
    const stop = list ? new Set(list) : undefined;
    // a word can only be a stop word if its hash is one's; a word with capitals or non-ASCII
    // letters is also checked lower-cased
    const stopHashes = new Set((list ?? []).map((w) => hash32(w) | 0));
    // a 1024-entry filter on the hash's low bits answers most lookups without the Set
    const maybeStop = new Uint8Array(1024);
    for (const h of stopHashes) maybeStop[h & 1023] = 1;
    const isStopHash = (h: number): boolean => maybeStop[h & 1023] === 1 && stopHashes.has(h);
    const maxStopLength = list ? Math.max(...list.map((w) => w.length)) : 0;
    return {
      kind: 'filter',
      name: 'gopher-quality',
      keep(_doc, view, measure) {
        const { count: tokens, alphaCount, n, starts, ends, hashes: wordHashes } = view.tokens;
        const text = view.text;
        let letters = 0;
        for (let i = 0; i < n; i++) letters += ends[i]! - starts[i]!;
        const avg = ratio(letters, n);
        const hashes = ratio(occurrences(text, '#'), tokens);
        const ellipses = ratio(occurrences(text, '...') + occurrences(text, '…'), tokens);
        const lines = view.layout.lines;
        let bulletLines = 0;
        let ellipsisLines = 0;
        for (let i = 0; i < lines.n; i++) {
          const c = text.charCodeAt(lines.starts[i]!);
          if (c === 0x2022 || c === 0x2d || c === 0x2a) bulletLines += 1; // • - *
          const end = lines.ends[i]!;
          if (text.charCodeAt(end - 1) === 0x2026 || (end - lines.starts[i]! >= 3 && text.startsWith('...', end - 3))) ellipsisLines += 1; // … or ...
        }
        const bullets = ratio(bulletLines, lines.n);
        const endEllipsis = ratio(ellipsisLines, lines.n);
        const alpha = ratio(alphaCount, tokens);
        let stopCount = 0;
        if (stop) {
          for (let i = 0; i < n; i++) {
            const from = starts[i]!;
            const to = ends[i]!;
            if (to - from > maxStopLength) continue;
            if (isStopHash(wordHashes[i]!) && stop.has(text.slice(from, to))) {
              stopCount += 1;
              continue;
            }
            // the word lower-cased: ASCII capitals by hash first; anything else by toLowerCase
            const lower = lowerHash(text, from, to);
            if (lower === SAME) continue;
            if ((lower === OTHER || isStopHash(lower)) && stop.has(text.slice(from, to).toLowerCase())) stopCount += 1;
          }
        }
        return judge(
          [
            { metric: 'word_count', value: n, fails: n < p.minWords, reason: 'gopher_short_doc' },
            { metric: 'word_count', value: n, fails: n > p.maxWords, reason: 'gopher_long_doc' },
            { metric: 'avg_word_length', value: avg, fails: avg < p.minAvgWordLength, reason: 'gopher_below_avg_threshold' },
            { metric: 'avg_word_length', value: avg, fails: avg > p.maxAvgWordLength, reason: 'gopher_above_avg_threshold' },
            { metric: 'hash_ratio', value: hashes, fails: hashes > p.maxHashRatio, reason: 'gopher_too_many_hashes' },
            { metric: 'ellipsis_ratio', value: ellipses, fails: ellipses > p.maxEllipsisRatio, reason: 'gopher_too_many_ellipsis' },
            { metric: 'bullet_lines_ratio', value: bullets, fails: bullets > p.maxBulletLinesRatio, reason: 'gopher_too_many_bullets' },
            { metric: 'end_ellipsis_lines_ratio', value: endEllipsis, fails: endEllipsis > p.maxEndEllipsisLinesRatio, reason: 'gopher_too_many_end_ellipsis' },
            { metric: 'alpha_words_ratio', value: alpha, fails: alpha < p.minAlphaWordsRatio, reason: 'gopher_below_alpha_threshold' },
            { metric: 'stop_words', value: stopCount, fails: stop !== undefined && stopCount < p.minStopWords, reason: 'gopher_enough_stop_words' },
          ],
          measure,
        );
      },
    };
  },
};
