/**
 * C4 rules (Raffel et al. 2020, §2.2) as datatrove's `C4QualityFilter` runs them, split into
 * a transform that rewrites the text and a filter that judges it (a filter never rewrites).
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
import { type C4Facts, hasWords, type Rewritten, type TextView, UNSPACED_LANGUAGES } from './view.js';
import { COUNT, FRACTION, type StepContext, type StepDefinition, type Transform } from './types.js';
import { isPySpace, pyStrip } from './words/python.js';
import { SENTENCE_ENDS } from './words/spacy-en-rules.js';
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

/** Per UTF-16 code unit, what the line pass notes: */
const BREAK = 1; // a line boundary of `str.splitlines()`
const PY_SPACE = 2; // Python white space (`str.split()`, `str.strip()`)
const JS_SPACE = 4; // JavaScript's `\s` (the whitespace tokens `filter.compat: moe` counts)
const ODD_SPACE = 8; // white space to one of the two only, within a line (U+001F, U+FEFF)
const MAY_END = 16; // a sentence end, or half of a character beyond the BMP (which may be one)
const LOW = 32; // the second half of a character beyond the BMP
const BRACKET = 64; // `[`, where a citation may start
const LINE_CLASS = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) {
  const py = isPySpace(c);
  const js = /\s/.test(String.fromCharCode(c));
  LINE_CLASS[c] =
    (py ? PY_SPACE : 0) |
    (js ? JS_SPACE : 0) |
    (py !== js ? ODD_SPACE : 0) |
    (c >= 0xd800 && c <= 0xdfff ? MAY_END : 0) |
    (c >= 0xdc00 && c <= 0xdfff ? LOW : 0);
}
for (const c of [10, 11, 12, 13, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029]) LINE_CLASS[c] = BREAK;
for (const e of SENTENCE_ENDS) if (e.length === 1) LINE_CLASS[e.charCodeAt(0)]! |= MAY_END;
LINE_CLASS[91]! |= BRACKET;

/** The Python words of a line (no line break in it). */
function wordCount(line: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const space = (LINE_CLASS[line.charCodeAt(i)]! & PY_SPACE) !== 0;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** The longest Python word of text[from, to), in code points. */
function longestWord(text: string, from: number, to: number): number {
  let longest = 0;
  let run = 0;
  for (let i = from; i < to; i++) {
    const k = LINE_CLASS[text.charCodeAt(i)]!;
    if (k & PY_SPACE) run = 0;
    else if ((k & LOW) === 0 && ++run > longest) longest = run;
  }
  return longest;
}

/**
 * datatrove's line loop over `text`: the kept lines, the dropped ones by reason, and the facts
 * the `c4` filter judges. `count` receives dropped lines by reason. One pass over each line's code
 * units finds its stripped bounds, its Python words and longest word, and whether it may hold a
 * sentence end or a citation; a line is copied only when it is kept (or its ends are checked).
 *
 * Over 80 lines: the pass over every line of every web document, `moe filter`'s hottest loop,
 * with datatrove's line rules in datatrove's order, each a few lines; a call per rule and line
 * would cost in the loop that dominates the stage.
 */
export function c4LinePass(
  text: string,
  p: LineParams,
  opts: { unspaced?: boolean; count?: (key: string, n?: number) => void } = {},
): { kept: string[]; facts: C4Facts } {
  const { unspaced = false, count = () => {} } = opts;
  const kept: string[] = [];
  const facts: C4Facts = { loremLine: -1, curlyLine: -1, sentences: 0 };
  let tokenCount = 0;
  let tokensKnown = true;
  const dropped = new Map<string, number>();
  const drop = (reason: string): void => void dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  // most documents mention none of these: then no line is lower-cased (case folding finds
  // whatever lower-casing would, and more)
  const lorem = /lorem ipsum/iu.test(text);
  const javascript = p.dropJavascript && /javascript/iu.test(text);
  const policy = p.dropPolicy && /polic|cookie|terms of use/iu.test(text);
  const curly = text.includes('{');
  const n = text.length;
  for (let start = 0, lineNo = 0; start < n; lineNo++) {
    // per word, not per code unit: its start, and the longest in code units (a bound on code points)
    let first = -1;
    let last = -1;
    let words = 0;
    let longest = 0;
    let flags = 0;
    let wordStart = -1;
    let end = start;
    for (; end < n; end++) {
      const k = LINE_CLASS[text.charCodeAt(end)]!;
      flags |= k;
      if ((k & (BREAK | PY_SPACE)) === 0) {
        if (wordStart < 0) {
          wordStart = end;
          words++;
          if (first < 0) first = end;
        }
      } else if (wordStart >= 0) {
        if (end - wordStart > longest) longest = end - wordStart;
        last = end - 1;
        wordStart = -1;
        if (k & BREAK) break;
      } else if (k & BREAK) break;
    }
    if (wordStart >= 0) {
      if (end - wordStart > longest) longest = end - wordStart;
      last = end - 1;
    }
    flags &= ~BREAK;
    start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
    if (first < 0) continue; // blank
    // a word's code points, when a surrogate pair may have made its code units too many
    if (longest > p.maxWordLength && flags & LOW) longest = longestWord(text, first, last + 1);
    if (longest > p.maxWordLength) {
      drop('line_long_word');
      continue;
    }
    const enoughWords = unspaced
      ? hasWords(text.slice(first, last + 1), p.minWordsPerLine, true)
      : words >= p.minWordsPerLine;
    if (!enoughWords && !p.dropNoTerminalPunct) {
      drop('line_too_few_words');
      continue;
    }
    let line = text.slice(first, last + 1);
    const whole = line;
    if (p.removeCitations && flags & BRACKET) line = line.replace(CITATION, '');
    if (p.dropNoTerminalPunct && (!END_PUNCTUATION.some((c) => line.endsWith(c)) || line.endsWith('...'))) {
      drop('line_no_terminal_punct');
      continue;
    }
    if (!enoughWords) {
      drop('line_too_few_words');
      continue;
    }
    const lower = lorem || javascript || policy ? line.toLowerCase() : '';
    if (lorem && facts.loremLine < 0 && lower.includes('lorem ipsum')) facts.loremLine = lineNo;
    if (javascript && lower.includes('javascript')) {
      drop('line_javascript');
      continue;
    }
    if (curly && facts.curlyLine < 0 && line.includes('{')) facts.curlyLine = lineNo;
    if (policy && POLICY.test(lower)) {
      drop('line_policy');
      continue;
    }
    const cut = line !== whole;
    if (unspaced) facts.sentences += unspacedSentences(line);
    // a line without a sentence end is one sentence
    else facts.sentences += !cut && (flags & MAY_END) === 0 ? 1 : spacySentenceCount(line);
    // the whitespace tokens of the kept text (a cut line's counted again), unless white space
    // only one of Python and JavaScript knows moves them (the text is then tokenized again)
    if (flags & ODD_SPACE) tokensKnown = false;
    tokenCount += cut ? wordCount(line) : words;
    kept.push(line);
  }
  facts.tokenCount = tokensKnown ? tokenCount : undefined;
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

  apply(text: string, count: (key: string, n?: number) => void, _view?: TextView): Rewritten {
    const { kept, facts } = c4LinePass(text, this.p, { unspaced: this.unspaced, count });
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
        const loremRule: Rule = {
          metric: 'lorem_ipsum',
          value: lorem,
          fails: p.dropLoremIpsum && lorem === 1,
          reason: 'lorem_ipsum',
        };
        const curlyRule: Rule = {
          metric: 'curly_bracket',
          value: curly,
          fails: p.dropCurlyBracket && curly === 1,
          reason: 'curly_bracket',
        };
        // datatrove stops at the first such line: when both rules fail, the earlier line decides
        const curlyFirst = curly === 1 && (lorem === 0 || !p.dropLoremIpsum || facts.curlyLine < facts.loremLine);
        return judge(
          [
            ...(curlyFirst ? [curlyRule, loremRule] : [loremRule, curlyRule]),
            {
              metric: 'sentences',
              value: facts.sentences,
              fails: facts.sentences < p.minSentences,
              reason: 'too_few_sentences',
            },
          ],
          measure,
        );
      },
    };
  },
};
