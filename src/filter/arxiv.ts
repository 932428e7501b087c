/**
 * arXiv rules, applied to cleaned LaTeX (`ingest/latex.ts`):
 * - at least 500 characters after cleaning (`arxiv_too_short`)
 * - math and markup (math environments, `$…$`, `\[…\]`, commands and their braces) ≤ 0.6 of the
 *   characters (`arxiv_too_much_markup`): a "paper" that is mostly tables of numbers or macro
 *   soup is not prose.
 */
import type { ArxivParams } from './params.js';
import { judge, ratio } from './rules.js';
import { COUNT, FRACTION, type StepDefinition } from './types.js';

const MATH =
  /\$\$[\s\S]*?\$\$|\$[^$]*\$|\\\[[\s\S]*?\\\]|\\\([\s\S]*?\\\)|\\begin\{(equation|align|gather|multline|eqnarray|displaymath|tabular|table|figure)\*?\}[\s\S]*?\\end\{\1\*?\}/g;
const COMMAND = /\\[A-Za-z]+\*?|[{}]/g;

/** Share of characters that are math or LaTeX markup rather than prose. */
export function markupFraction(text: string): number {
  let markup = 0;
  const rest = text.replace(MATH, (m) => {
    markup += m.length;
    return ' ';
  });
  for (const m of rest.matchAll(COMMAND)) markup += m[0].length;
  return ratio(markup, text.length);
}

export const arxiv: StepDefinition<ArxivParams> = {
  name: 'arxiv',
  kind: 'filter',
  metrics: { chars: COUNT, markup_fraction: FRACTION },
  create(p) {
    return {
      kind: 'filter',
      name: 'arxiv',
      keep(_doc, view, measure) {
        const chars = view.text.length;
        const markup = markupFraction(view.text);
        return judge(
          [
            { metric: 'chars', value: chars, fails: chars < p.minChars, reason: 'arxiv_too_short' },
            {
              metric: 'markup_fraction',
              value: markup,
              fails: markup > p.maxMarkupFraction,
              reason: 'arxiv_too_much_markup',
            },
          ],
          measure,
        );
      },
    };
  },
};
