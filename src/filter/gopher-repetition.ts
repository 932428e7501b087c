/**
 * Gopher repetition rules (Rae et al. 2021, Table A1; datatrove `GopherRepetitionFilter`):
 * - duplicate lines ≤ 0.30 of lines (`dup_line_frac`) and ≤ 0.20 of characters (`dup_line_char_frac`)
 * - duplicate paragraphs ≤ 0.30 (`dup_para_frac`) and ≤ 0.20 of characters (`dup_para_char_frac`)
 * - the most frequent 2/3/4-gram, if it repeats, covers ≤ 0.20/0.18/0.16 of characters (`top_n_gram`)
 * - characters in duplicated 5…10-grams ≤ 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 (`duplicated_n_n_grams`);
 *   the scan skips past a duplicate so characters are not counted twice, as datatrove does.
 * Character fractions are over the whole text's length (code points). Lines and paragraphs are
 * compared as they are, not trimmed. Words: whitespace words (`filter.compat: moe`, where an
 * n-gram seen once is no repetition and counts 0) or datatrove's spaCy words (`datatrove`).
 */
import type { GopherRepetitionParams } from './params.js';
import { IntCounter } from '../text/int-counter.js';
import { ngramKernel } from '../kernels/ngrams.js';
import type { Tokens } from './view.js';
import { type Rule, judge, ratio } from './rules.js';
import { FRACTION, type StepDefinition } from './types.js';
import { cpLength, findDuplicateSpans, lineFeedPieces, pyStripBounds } from './words/python.js';
import { DUP_N, ngramMeasuresOfWords, TOP_N } from './words/ngrams.js';

const counter = new IntCounter();

/**
 * Word hashes and character offsets, so n-gram keys are numbers, not joined strings; and the
 * positions whose n-gram may still repeat. An n-gram that occurs once cannot be the prefix of a
 * repeated longer one, so each order only looks at the positions whose shorter n-gram repeated:
 * in prose a few percent of the words by order 5, instead of nine passes over all of them.
 */
export interface WordIndex {
  hashes: Int32Array;
  /** prefix[i] = total length of words[0..i). */
  prefix: Float64Array;
  /** keys[i] = key of the current n-gram starting at i (advanced by `nextOrder`), for candidates i. */
  keys: Int32Array;
  n: number;
  /** Ascending positions whose n-gram may repeat: the first `m` entries. */
  cand: Int32Array;
  m: number;
}

export function indexWords(tokens: Pick<Tokens, 'n' | 'starts' | 'ends' | 'hashes'>): WordIndex {
  const W = tokens.n;
  const hashes = tokens.hashes.subarray(0, W);
  const prefix = new Float64Array(W + 1);
  const cand = new Int32Array(W);
  for (let i = 0; i < W; i++) {
    prefix[i + 1] = prefix[i]! + tokens.ends[i]! - tokens.starts[i]!;
    cand[i] = i;
  }
  return { hashes, prefix, keys: hashes.slice(), n: 1, cand, m: W };
}

/** Advances the candidates' keys from n-grams to (n+1)-grams: key(i, n+1) = mix(key(i, n), word i+n). */
function nextOrder(idx: WordIndex): void {
  const { keys, hashes, n, cand } = idx;
  let m = 0;
  for (let j = 0; j < idx.m; j++) {
    const i = cand[j]!;
    if (i + n >= hashes.length) break; // ascending: no (n+1)-gram starts here or later
    keys[i] = Math.imul(keys[i]! ^ Math.imul(hashes[i + n]!, 0x85ebca6b), 0x01000193) + n;
    cand[m++] = i;
  }
  idx.m = m;
  idx.n = n + 1;
}

/** Brings `idx.keys` to order `n` (orders only increase). */
function toOrder(idx: WordIndex, n: number): void {
  while (idx.n < n) nextOrder(idx);
}

let slotOf = new Int32Array(1024);

/** Counts the candidates' n-grams, then keeps only the candidates whose n-gram repeats. */
function countAndPrune(idx: WordIndex): void {
  const { keys, cand } = idx;
  counter.reset(idx.m);
  if (slotOf.length < idx.m) slotOf = new Int32Array(idx.m * 2);
  for (let j = 0; j < idx.m; j++) {
    counter.add(keys[cand[j]!]!, cand[j]!);
    slotOf[j] = counter.lastSlot;
  }
  let m = 0;
  for (let j = 0; j < idx.m; j++) if (counter.countAt(slotOf[j]!) > 1) cand[m++] = cand[j]!;
  idx.m = m;
}

/**
 * Characters covered by the most frequent n-gram: the length of the n-gram as joined text
 * times its count; ties go to the n-gram seen first (Python's Counter.most_common, as datatrove).
 * Unlike datatrove, an n-gram that occurs once is no repetition and counts 0: datatrove charges
 * the first n-gram of a short all-unique text, so its top-n-gram rules fire on short clean
 * documents, which the length rule already judges.
 */
export function topNGramChars(idx: WordIndex, n: number): number {
  toOrder(idx, n);
  if (idx.hashes.length - n + 1 <= 1) return 0;
  countAndPrune(idx);
  const { count, at } = counter.top();
  if (count < 2) return 0;
  return (idx.prefix[at + n]! - idx.prefix[at]! + (n - 1)) * count;
}

/**
 * Characters of words inside n-grams that occurred before. The scan goes left to right and
 * jumps n words after a hit (as datatrove); positions whose n-gram occurs once are never hits,
 * so it visits only the candidates.
 */
export function duplicatedNGramChars(idx: WordIndex, n: number): number {
  toOrder(idx, n);
  if (idx.hashes.length - n + 1 <= 1) return 0;
  countAndPrune(idx);
  const { keys, cand, prefix } = idx;
  counter.reset(idx.m);
  let chars = 0;
  let next = 0;
  for (let j = 0; j < idx.m; j++) {
    const i = cand[j]!;
    if (i < next) continue;
    if (counter.add(keys[i]!, i) > 1) {
      chars += prefix[i + n]! - prefix[i]!;
      next = i + n;
    }
  }
  return chars;
}

const kernel = ngramKernel();

/**
 * Characters covered by the top 2/3/4-gram and by duplicated 5…10-grams. No repeated n-gram
 * means no repeated longer one: the remaining measures are 0. `wasm: false` computes them in
 * JavaScript (the kernel follows the same steps).
 */
export function ngramMeasures(tokens: Tokens, wasm = true): { top: number[]; duplicated: number[] } {
  // the kernel's memory takes ~100 bytes per word; a wasm32 memory stops at 4 GiB
  if (kernel && wasm && tokens.n <= 1 << 24) {
    const r = kernel.measure(tokens);
    const top = TOP_N.map((n, i) => {
      const { count, at } = r.top[i]!;
      if (count < 2) return 0;
      let chars = n - 1;
      for (let k = at; k < at + n; k++) chars += tokens.ends[k]! - tokens.starts[k]!;
      return chars * count;
    });
    return { top, duplicated: r.duplicated };
  }
  const idx = indexWords(tokens);
  let repeats = true;
  const top = TOP_N.map((n) => {
    const chars = repeats ? topNGramChars(idx, n) : 0;
    repeats = chars > 0;
    return chars;
  });
  const duplicated = DUP_N.map((n) => {
    const chars = repeats ? duplicatedNGramChars(idx, n) : 0;
    repeats = chars > 0;
    return chars;
  });
  return { top, duplicated };
}

export const gopherRepetition: StepDefinition<GopherRepetitionParams> = {
  name: 'gopher-repetition',
  kind: 'filter',
  metrics: Object.fromEntries(
    [
      'dup_line_frac',
      'dup_para_frac',
      'dup_line_char_frac',
      'dup_para_char_frac',
      ...TOP_N.map((n) => `top_${n}_gram`),
      ...DUP_N.map((n) => `duplicated_${n}_n_grams`),
    ].map((m) => [m, FRACTION]),
  ),
  create(p, ctx) {
    const { whitespaceWords, singletonNgramsZero } = ctx.dialect;
    return {
      kind: 'filter',
      name: 'gopher-repetition',
      keep(_doc, view, measure) {
        const { text } = view;
        const len = cpLength(text);
        // paragraphs are split at two or more line breaks of the stripped text, lines at one or more
        // of the text itself; neither is trimmed before comparing (as datatrove)
        // (as ranges of the text, no piece copied)
        let paras = 1;
        let dp = { count: 0, chars: 0 };
        if (text.includes('\n\n')) {
          const [a, b] = pyStripBounds(text);
          const pieces = lineFeedPieces(text, a, b, 2);
          paras = pieces.n;
          if (paras > 1) dp = findDuplicateSpans(text, pieces);
        }
        const lines = lineFeedPieces(text, 0, text.length, 1);
        const dl = findDuplicateSpans(text, lines);
        const rules: Rule[] = [
          {
            metric: 'dup_para_frac',
            value: ratio(dp.count, paras),
            fails: ratio(dp.count, paras) > p.maxDupParaFrac,
            reason: 'dup_para_frac',
          },
          {
            metric: 'dup_para_char_frac',
            value: ratio(dp.chars, len),
            fails: ratio(dp.chars, len) > p.maxDupParaCharFrac,
            reason: 'dup_para_char_frac',
          },
          {
            metric: 'dup_line_frac',
            value: ratio(dl.count, lines.n),
            fails: ratio(dl.count, lines.n) > p.maxDupLineFrac,
            reason: 'dup_line_frac',
          },
          {
            metric: 'dup_line_char_frac',
            value: ratio(dl.chars, len),
            fails: ratio(dl.chars, len) > p.maxDupLineCharFrac,
            reason: 'dup_line_char_frac',
          },
        ];
        // the WebAssembly kernel counts whitespace words' n-grams by hash, singletons as 0
        const { top, duplicated } =
          whitespaceWords && singletonNgramsZero
            ? ngramMeasures(view.tokens)
            : ngramMeasuresOfWords(whitespaceWords ? view.tokens.words : view.spacyWords, singletonNgramsZero);
        TOP_N.forEach((n, i) => {
          const v = ratio(top[i]!, len);
          rules.push({
            metric: `top_${n}_gram`,
            value: v,
            fails: v > p.maxTopNGramCharFrac[i]!,
            reason: `top_${n}_gram`,
          });
        });
        DUP_N.forEach((n, i) => {
          const v = ratio(duplicated[i]!, len);
          rules.push({
            metric: `duplicated_${n}_n_grams`,
            value: v,
            fails: v > p.maxDupNGramCharFrac[i]!,
            reason: `duplicated_${n}_n_grams`,
          });
        });
        return judge(rules, measure);
      },
    };
  },
};
