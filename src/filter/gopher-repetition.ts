/**
 * Gopher repetition rules (Rae et al. 2021, Table A1; datatrove `GopherRepetitionFilter`):
 * - duplicate lines ≤ 0.30 of lines (`dup_line_frac`) and ≤ 0.20 of characters (`dup_line_char_frac`)
 * - duplicate paragraphs ≤ 0.30 (`dup_para_frac`) and ≤ 0.20 of characters (`dup_para_char_frac`)
 * - the most frequent 2/3/4-gram, if it repeats, covers ≤ 0.20/0.18/0.16 of characters (`top_n_gram`)
 * - characters in duplicated 5…10-grams ≤ 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 (`duplicated_n_n_grams`);
 *   the scan skips past a duplicate so characters are not counted twice, as datatrove does.
 * Character fractions are over the whole text's length.
 */
import { z } from 'zod';
import { gramKey, hash32 } from '../text/hash.js';
import { duplicates } from './text.js';
import { type Rule, judge, ratio } from './rules.js';
import { FRACTION, type StepDefinition } from './types.js';

const TOP_N = [2, 3, 4] as const;
const DUP_N = [5, 6, 7, 8, 9, 10] as const;

const params = z.strictObject({
  maxDupLineFrac: z.number().min(0).max(1).default(0.3),
  maxDupParaFrac: z.number().min(0).max(1).default(0.3),
  maxDupLineCharFrac: z.number().min(0).max(1).default(0.2),
  maxDupParaCharFrac: z.number().min(0).max(1).default(0.2),
  /** Thresholds for the top 2-, 3- and 4-gram. */
  maxTopNGramCharFrac: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.2, 0.18, 0.16]),
  /** Thresholds for duplicated 5- to 10-grams. */
  maxDupNGramCharFrac: z.array(z.number().min(0).max(1)).length(6).default([0.15, 0.14, 0.13, 0.12, 0.11, 0.1]),
});

/** Precomputed word hashes and character offsets, so n-gram keys are numbers, not joined strings. */
export interface WordIndex {
  hashes: Uint32Array;
  /** prefix[i] = total length of words[0..i). */
  prefix: Float64Array;
}

export function indexWords(words: string[]): WordIndex {
  const hashes = new Uint32Array(words.length);
  const prefix = new Float64Array(words.length + 1);
  words.forEach((w, i) => {
    hashes[i] = hash32(w);
    prefix[i + 1] = prefix[i]! + w.length;
  });
  return { hashes, prefix };
}

/**
 * Characters covered by the most frequent n-gram: the length of the n-gram as joined text
 * times its count; ties go to the n-gram seen first (Python's Counter.most_common, as datatrove).
 * Unlike datatrove, an n-gram that occurs once is no repetition and counts 0: datatrove charges
 * the first n-gram of a short all-unique text, so its top-n-gram rules fire on short clean
 * documents, which the length rule already judges.
 */
export function topNGramChars(idx: WordIndex, n: number): number {
  const counts = new Map<number, number>();
  const firstAt = new Map<number, number>();
  const total = idx.hashes.length;
  for (let i = 0; i + n <= total; i++) {
    const key = gramKey(idx.hashes, i, n);
    const c = counts.get(key);
    if (c === undefined) {
      counts.set(key, 1);
      firstAt.set(key, i);
    } else counts.set(key, c + 1);
  }
  let best = 0;
  let bestAt = -1;
  for (const [key, c] of counts) {
    if (c > best) {
      best = c;
      bestAt = firstAt.get(key)!;
    }
  }
  if (best < 2) return 0;
  return (idx.prefix[bestAt + n]! - idx.prefix[bestAt]! + (n - 1)) * best;
}

/** Characters of words inside n-grams that occurred before (the scan jumps n words after a hit). */
export function duplicatedNGramChars(idx: WordIndex, n: number): number {
  const seen = new Set<number>();
  const total = idx.hashes.length;
  let chars = 0;
  let i = 0;
  while (i + n <= total) {
    const key = gramKey(idx.hashes, i, n);
    if (seen.has(key)) {
      chars += idx.prefix[i + n]! - idx.prefix[i]!;
      i += n;
    } else {
      seen.add(key);
      i += 1;
    }
  }
  return chars;
}

export const gopherRepetition: StepDefinition<typeof params> = {
  name: 'gopher-repetition',
  kind: 'filter',
  params,
  metrics: Object.fromEntries(
    ['dup_line_frac', 'dup_para_frac', 'dup_line_char_frac', 'dup_para_char_frac', ...TOP_N.map((n) => `top_${n}_gram`), ...DUP_N.map((n) => `duplicated_${n}_n_grams`)].map((m) => [m, FRACTION]),
  ),
  create(p) {
    return {
      kind: 'filter',
      name: 'gopher-repetition',
      keep(_doc, view, measure) {
        const len = view.text.length;
        const lines = view.text.split(/\n+/).filter((l) => l.trim());
        const paras = view.paragraphs;
        const dl = duplicates(lines);
        const dp = duplicates(paras);
        const idx = indexWords(view.tokens.words);
        const rules: Rule[] = [
          { metric: 'dup_para_frac', value: ratio(dp.count, paras.length), fails: ratio(dp.count, paras.length) > p.maxDupParaFrac, reason: 'dup_para_frac' },
          { metric: 'dup_para_char_frac', value: ratio(dp.chars, len), fails: ratio(dp.chars, len) > p.maxDupParaCharFrac, reason: 'dup_para_char_frac' },
          { metric: 'dup_line_frac', value: ratio(dl.count, lines.length), fails: ratio(dl.count, lines.length) > p.maxDupLineFrac, reason: 'dup_line_frac' },
          { metric: 'dup_line_char_frac', value: ratio(dl.chars, len), fails: ratio(dl.chars, len) > p.maxDupLineCharFrac, reason: 'dup_line_char_frac' },
        ];
        TOP_N.forEach((n, i) => {
          const v = ratio(topNGramChars(idx, n), len);
          rules.push({ metric: `top_${n}_gram`, value: v, fails: v > p.maxTopNGramCharFrac[i]!, reason: `top_${n}_gram` });
        });
        DUP_N.forEach((n, i) => {
          const v = ratio(duplicatedNGramChars(idx, n), len);
          rules.push({ metric: `duplicated_${n}_n_grams`, value: v, fails: v > p.maxDupNGramCharFrac[i]!, reason: `duplicated_${n}_n_grams` });
        });
        return judge(rules, measure);
      },
    };
  },
};
