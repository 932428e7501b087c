/**
 * FineWeb rules (Penedo et al. 2024; datatrove `FineWebQualityFilter` defaults), over the lines
 * that are not blank, as they are (`empty` when there is none):
 * - lines ending in one of datatrove's 159 terminal punctuation marks (`. ! ?` and their kin in
 *   other scripts; not quotes or brackets) ≥ 0.12 of lines (`line_punct_ratio`)
 * - lines of ≤ 30 characters ≤ 0.67 of lines (`short_line_ratio`); for scripts without spaces
 *   the built-in language defaults use 10 characters
 * - characters in duplicated lines ≤ 0.01 of the characters outside newlines (`char_dup_ratio`)
 * - line breaks per word ≤ 0.3 (`list_ratio`): whitespace words (`filter.compat: moe`) or
 *   datatrove's spaCy words, punctuation tokens included (`datatrove`)
 * Lengths are in code points, as Python counts them.
 */
import type { FinewebParams } from './params.js';
import { judge, occurrences, ratio } from './rules.js';
import { COUNT, FRACTION, type StepDefinition } from './types.js';
import {
  cpLength,
  cpLengthRange,
  endsWithOneOf,
  findDuplicateSpans,
  isPyBlank,
  lineFeedPieces,
  TERMINAL_PUNCTUATION,
} from './words/python.js';

export const fineweb: StepDefinition<FinewebParams> = {
  name: 'fineweb',
  kind: 'filter',
  metrics: {
    lines: COUNT,
    line_punct_ratio: FRACTION,
    short_line_ratio: FRACTION,
    char_dup_ratio: FRACTION,
    list_ratio: FRACTION,
  },
  create(p, ctx) {
    const { whitespaceWords } = ctx.dialect;
    return {
      kind: 'filter',
      name: 'fineweb',
      keep(_doc, view, measure) {
        const { text } = view;
        // the lines with something on them, as they are (not trimmed)
        // (`split('\n')`'s pieces but the blank ones are `split(/\n+/)`'s: ranges of the text)
        const pieces = lineFeedPieces(text, 0, text.length, 1);
        const { starts, ends } = pieces;
        const blank = new Uint8Array(pieces.n);
        let lines = 0;
        let punctLines = 0;
        let shortLines = 0;
        for (let i = 0; i < pieces.n; i++) {
          const a = starts[i]!;
          const b = ends[i]!;
          if (isPyBlank(text, a, b)) {
            blank[i] = 1;
            continue;
          }
          lines += 1;
          if (endsWithOneOf(text, TERMINAL_PUNCTUATION, a, b)) punctLines += 1;
          // a line of at most L code units has at most L code points; one of over 2L, over L
          if (
            b - a <= p.shortLineLength ||
            (b - a <= 2 * p.shortLineLength && cpLengthRange(text, a, b) <= p.shortLineLength)
          )
            shortLines += 1;
        }
        const punct = ratio(punctLines, lines);
        const short = ratio(shortLines, lines);
        const duplicates = findDuplicateSpans(text, pieces, blank);
        const lineFeeds = occurrences(text, '\n');
        const dup = ratio(duplicates.chars, cpLength(text) - lineFeeds);
        const words = whitespaceWords ? view.tokenCount : view.spacyWordCount;
        const newlines = ratio(lineFeeds, words);
        return judge(
          [
            { metric: 'lines', value: lines, fails: lines === 0, reason: 'empty' },
            {
              metric: 'line_punct_ratio',
              value: punct,
              fails: punct < p.minLinePunctRatio,
              reason: 'line_punct_ratio',
            },
            {
              metric: 'short_line_ratio',
              value: short,
              fails: short > p.maxShortLineRatio,
              reason: 'short_line_ratio',
            },
            { metric: 'char_dup_ratio', value: dup, fails: dup > p.maxCharDupRatio, reason: 'char_dup_ratio' },
            { metric: 'list_ratio', value: newlines, fails: newlines > p.maxNewlineRatio, reason: 'list_ratio' },
          ],
          measure,
        );
      },
    };
  },
};
