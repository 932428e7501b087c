/**
 * FineWeb rules (Penedo et al. 2024; datatrove `FineWebQualityFilter` defaults):
 * - lines ending in terminal punctuation ≥ 0.12 of non-empty lines (`line_punct_ratio`)
 * - lines of ≤ 30 characters ≤ 0.67 of lines (`short_line_ratio`); for scripts without spaces
 *   the built-in language defaults use 10 characters
 * - characters in duplicated lines ≤ 0.01 of the characters outside newlines (`char_dup_ratio`)
 * - newlines per word ≤ 0.3 (`list_ratio`)
 */
import { z } from 'zod';
import { isTerminalPunct } from './text.js';
import { judge, ratio } from './rules.js';
import { FRACTION, type StepDefinition } from './types.js';

const params = z.strictObject({
  minLinePunctRatio: z.number().min(0).max(1).default(0.12),
  maxShortLineRatio: z.number().min(0).max(1).default(0.67),
  shortLineLength: z.number().int().min(0).default(30),
  maxCharDupRatio: z.number().min(0).max(1).default(0.01),
  maxNewlineRatio: z.number().min(0).default(0.3),
});

export const fineweb: StepDefinition<typeof params> = {
  name: 'fineweb',
  kind: 'filter',
  params,
  metrics: { line_punct_ratio: FRACTION, short_line_ratio: FRACTION, char_dup_ratio: FRACTION, list_ratio: FRACTION },
  create(p) {
    return {
      kind: 'filter',
      name: 'fineweb',
      keep(_doc, view, measure) {
        const { text } = view;
        const lines = view.layout.lines;
        let punctLines = 0;
        let shortLines = 0;
        for (let i = 0; i < lines.n; i++) {
          // lines are trimmed: the last code unit is the line's end
          if (isTerminalPunct(text.charCodeAt(lines.ends[i]! - 1))) punctLines += 1;
          if (lines.ends[i]! - lines.starts[i]! <= p.shortLineLength) shortLines += 1;
        }
        const punct = ratio(punctLines, lines.n);
        const short = ratio(shortLines, lines.n);
        const dup = ratio(view.duplicateLines.chars, text.length - view.lineBreaks);
        const newlines = ratio(view.lineBreaks, view.wordCount);
        return judge(
          [
            { metric: 'line_punct_ratio', value: punct, fails: punct < p.minLinePunctRatio, reason: 'line_punct_ratio' },
            { metric: 'short_line_ratio', value: short, fails: short > p.maxShortLineRatio, reason: 'short_line_ratio' },
            { metric: 'char_dup_ratio', value: dup, fails: dup > p.maxCharDupRatio, reason: 'char_dup_ratio' },
            { metric: 'list_ratio', value: newlines, fails: newlines > p.maxNewlineRatio, reason: 'list_ratio' },
          ],
          measure,
        );
      },
    };
  },
};
