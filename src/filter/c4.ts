/**
 * C4 rules (Raffel et al. 2020, §2.2) as datatrove's `C4QualityFilter` runs them, split as
 * HOUSE_STYLE asks into a transform that rewrites the text and a filter that judges it.
 *
 * `c4-lines` (a transform) takes each line stripped and drops it when it
 * - holds a whitespace word over 1000 characters (`line_long_word`),
 * - does not end in `. ? ! " '` or ends in `...`, after citation markers (`[1]`, `[]`, `[edit]`,
 *   `[citation needed]`) are cut (`line_no_terminal_punct`; off by default, as in FineWeb),
 * - has fewer than 3 whitespace words, counted before the cut (`line_too_few_words`; blank lines
 *   go this way, uncounted; in space-less scripts moe's language defaults count characters),
 * - mentions javascript (`line_javascript`) or a cookie, privacy or terms policy (`line_policy`).
 * The kept lines, citations cut, are joined with `\n`. On the way it notes what the `c4` filter
 * needs, in datatrove's order: the first kept-so-far line with "lorem ipsum" (checked before the
 * javascript rule) or with `{` (after it), and the sentences of the kept lines (spaCy's
 * sentencizer, as datatrove counts them for English; every kept line is at least one).
 *
 * `c4` (a filter) drops a document for the first of those lines (`lorem_ipsum`, `curly_bracket`)
 * or for fewer than 5 sentences (`too_few_sentences`). Both settings of `filter.compat` run these
 * rules the same way.
 */
import { z } from 'zod';
import { judge, type Rule } from './rules.js';
import { type C4Facts, hasWords, type Rewritten, type TextView, UNSPACED_LANGUAGES } from './text.js';
import { COUNT, FRACTION, type StepContext, type StepDefinition, type Transform } from './types.js';
import { hasPyWordLongerThan, hasPyWords, pyStrip, splitLines } from './words/python.js';
import { spacySentenceCount } from './words/spacy-en.js';

const POLICY = /terms of use|privacy policy|cookie policy|uses cookies|use of cookies|use cookies/;
const CITATION = /\[\p{Nd}*\]|\[edit\]|\[citation needed\]/gu;
/** C4's terminal punctuation of a line (datatrove's `END_PUNCTUATION`). */
const END_PUNCTUATION = ['.', '?', '!', '"', "'"];

const lineParams = z.strictObject({
  removeCitations: z.boolean().default(true),
  maxWordLength: z.number().int().min(1).default(1000),
  minWordsPerLine: z.number().int().min(0).default(3),
  dropJavascript: z.boolean().default(true),
  dropPolicy: z.boolean().default(true),
  dropNoTerminalPunct: z.boolean().default(false),
});

type LineParams = z.infer<typeof lineParams>;

/**
 * In a space-less script (Chinese, Japanese, Thai…) a line's words are its characters, as the
 * other filters count them, and each 。！？ inside it ends a sentence: moe's built-in language
 * defaults (datatrove counts whitespace words, so no such line has three, and its English
 * sentencizer finds one sentence in a line without spaces).
 */
function unspacedWords(ctx: StepContext): boolean {
  return ctx.dialect.languageDefaults && UNSPACED_LANGUAGES.has(ctx.language);
}

/** A full stop of a space-less script followed by more of the line: a sentence ends there. */
const UNSPACED_END = /[\u3002\uff01\uff1f\uff61](?=[^\u3002\uff01\uff1f\uff61])/gu;

/** Sentences of a line in a space-less script: each 。！？ inside it ends one (spaCy's English rules see one). */
function unspacedSentences(line: string): number {
  return 1 + (line.match(UNSPACED_END)?.length ?? 0);
}

/**
 * datatrove's line loop over `text`: the kept lines, the dropped ones by reason, and the facts
 * the `c4` filter judges. `count` receives dropped lines by reason.
 */
export function c4LinePass(text: string, p: LineParams, opts: { unspaced?: boolean; count?: (key: string, n?: number) => void; lines?: readonly string[] } = {}): { kept: string[]; facts: C4Facts } {
  const { unspaced = false, count = () => {} } = opts;
  const kept: string[] = [];
  const facts: C4Facts = { loremLine: -1, curlyLine: -1, sentences: 0 };
  const dropped = new Map<string, number>();
  const drop = (reason: string): void => void dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  const lines = opts.lines ?? splitLines(text);
  // most documents mention none of these: then no line is lower-cased (case folding finds
  // whatever lower-casing would, and more)
  const lorem = /lorem ipsum/iu.test(text);
  const javascript = p.dropJavascript && /javascript/iu.test(text);
  const policy = p.dropPolicy && /polic|cookie|terms of use/iu.test(text);
  const curly = text.includes('{');
  for (let i = 0; i < lines.length; i++) {
    let line = pyStrip(lines[i]!);
    if (line === '') continue;
    if (hasPyWordLongerThan(line, p.maxWordLength)) {
      drop('line_long_word');
      continue;
    }
    const enoughWords = unspaced ? hasWords(line, p.minWordsPerLine, true) : hasPyWords(line, p.minWordsPerLine);
    if (p.removeCitations && line.includes('[')) line = line.replace(CITATION, '');
    if (p.dropNoTerminalPunct && (!END_PUNCTUATION.some((c) => line.endsWith(c)) || line.endsWith('...'))) {
      drop('line_no_terminal_punct');
      continue;
    }
    if (!enoughWords) {
      drop('line_too_few_words');
      continue;
    }
    const lower = lorem || javascript || policy ? line.toLowerCase() : '';
    if (lorem && facts.loremLine < 0 && lower.includes('lorem ipsum')) facts.loremLine = i;
    if (javascript && lower.includes('javascript')) {
      drop('line_javascript');
      continue;
    }
    if (curly && facts.curlyLine < 0 && line.includes('{')) facts.curlyLine = i;
    if (policy && POLICY.test(lower)) {
      drop('line_policy');
      continue;
    }
    facts.sentences += unspaced ? unspacedSentences(line) : spacySentenceCount(line);
    kept.push(line);
  }
  for (const [reason, n] of dropped) count(reason, n);
  return { kept, facts };
}

class C4LinesTransform implements Transform {
  readonly kind = 'transform';
  readonly name = 'c4-lines';

  constructor(
    private readonly p: LineParams,
    private readonly unspaced: boolean,
  ) {}

  apply(text: string, count: (key: string, n?: number) => void, view?: TextView): Rewritten {
    const { kept, facts } = c4LinePass(text, this.p, { unspaced: this.unspaced, count, lines: view?.text === text ? view.lines : undefined });
    return { text: pyStrip(kept.join('\n')), c4: facts };
  }
}

export const c4Lines: StepDefinition<typeof lineParams> = {
  name: 'c4-lines',
  kind: 'transform',
  params: lineParams,
  metrics: {},
  create(p, ctx) {
    return new C4LinesTransform(p, unspacedWords(ctx));
  },
};

const docParams = z.strictObject({
  dropLoremIpsum: z.boolean().default(true),
  dropCurlyBracket: z.boolean().default(true),
  minSentences: z.number().int().min(0).default(5),
});

export const c4: StepDefinition<typeof docParams> = {
  name: 'c4',
  kind: 'filter',
  params: docParams,
  metrics: { lorem_ipsum: FRACTION, curly_bracket: FRACTION, sentences: COUNT },
  create(p, ctx) {
    const defaults = lineParams.parse({});
    const unspaced = unspacedWords(ctx);
    return {
      kind: 'filter',
      name: 'c4',
      keep(_doc, view: TextView, measure) {
        // what c4-lines noted on its way; without c4-lines before it, the same pass over this text
        const facts = view.c4 ?? c4LinePass(view.text, defaults, { unspaced }).facts;
        const lorem = facts.loremLine >= 0 ? 1 : 0;
        const curly = facts.curlyLine >= 0 ? 1 : 0;
        const loremRule: Rule = { metric: 'lorem_ipsum', value: lorem, fails: p.dropLoremIpsum && lorem === 1, reason: 'lorem_ipsum' };
        const curlyRule: Rule = { metric: 'curly_bracket', value: curly, fails: p.dropCurlyBracket && curly === 1, reason: 'curly_bracket' };
        // datatrove stops at the first such line: when both rules fail, the earlier line decides
        const curlyFirst = curly === 1 && (lorem === 0 || !p.dropLoremIpsum || facts.curlyLine < facts.loremLine);
        return judge(
          [
            ...(curlyFirst ? [curlyRule, loremRule] : [loremRule, curlyRule]),
            { metric: 'sentences', value: facts.sentences, fails: facts.sentences < p.minSentences, reason: 'too_few_sentences' },
          ],
          measure,
        );
      },
    };
  },
};
