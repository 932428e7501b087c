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
import {
  CHUNK_END,
  FIRST,
  FLAGS,
  LAST,
  LINE_CLASS,
  LineClass,
  type LineScan,
  LONGEST,
  STRIDE,
  scanLines,
  WORDS,
} from './line-scan.js';
import { pyStrip } from './words/python.js';
import { sentencesOfChunks, spacySentenceCount } from './words/spacy-sentences.js';

const POLICY = /terms of use|privacy policy|cookie policy|uses cookies|use of cookies|use cookies/;
/** What a line the three word rules drop or note holds (lower-cased: `lorem ipsum`, `javascript`, one of POLICY), case folded. */
const MENTION = /lorem ipsum|javascript|polic|cookie|terms of use/giu;
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

const { PY_SPACE, ODD_SPACE, MAY_END, LOW, BRACKET, CURLY } = LineClass;

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
 * datatrove's line loop over `text`: the kept lines joined with `\n`, the dropped ones by reason,
 * and the facts the `c4` filter judges. `count` receives dropped lines by reason. The line scan
 * (`line-scan.ts`, the view's when the chain has one) gives each line's stripped bounds, its
 * Python words and longest word, and whether it may hold a sentence end, a citation or `{`; the
 * rules read those, and a line is copied only when a rule must read it (a citation to cut, a
 * mention of lorem ipsum, javascript or a policy in it). Kept lines that follow each other in the
 * text with one line feed between are one slice of it.
 *
 * Over 80 lines: datatrove's line rules in datatrove's order, each a few lines, in the loop over
 * every line of every web document; a call per rule and line would cost in the stage's hottest loop.
 */
export function c4LinePass(
  text: string,
  p: LineParams,
  opts: { unspaced?: boolean; count?: (key: string, n?: number) => void; scan?: LineScan } = {},
): { text: string; facts: C4Facts } {
  const { unspaced = false, count = () => {} } = opts;
  const parts: string[] = [];
  // the kept lines not yet in `parts`: text[runFrom, runTo)
  let runFrom = -1;
  let runTo = -1;
  const facts: C4Facts = { loremLine: -1, curlyLine: -1, sentences: 0 };
  let tokenCount = 0;
  let tokensKnown = true;
  const dropped = new Map<string, number>();
  const drop = (reason: string): void => void dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  // where the text may mention lorem ipsum, javascript or a policy (case folding finds whatever
  // lower-casing would, and more): only those lines, and lines a citation was cut from, are
  // lower-cased and read by the three rules; most documents have none
  const mentions: number[] = [];
  for (const m of text.matchAll(MENTION)) mentions.push(m.index);
  let mention = 0;
  const { lines, chunks } = opts.scan ?? scanLines(text);
  for (let r = 0, lineNo = 0, chunkEnd = 0; r < lines.length; r += STRIDE, lineNo++) {
    // the line's chunks that may hold a sentence end
    const chunkStart = chunkEnd;
    chunkEnd = lines[r + CHUNK_END]!;
    const first = lines[r + FIRST]!;
    const last = lines[r + LAST]!;
    const words = lines[r + WORDS]!;
    let longest = lines[r + LONGEST]!;
    const flags = lines[r + FLAGS]!;
    if (first < 0) continue; // blank
    // a word's code points, when a surrogate pair may have made its code units too many
    if (longest > p.maxWordLength && flags & LOW) longest = longestWord(text, first, last + 1);
    if (longest > p.maxWordLength) {
      drop('line_long_word');
      continue;
    }
    // the line's characters, made when a rule reads them
    let line: string | undefined;
    const enoughWords = unspaced
      ? hasWords((line = text.slice(first, last + 1)), p.minWordsPerLine, true)
      : words >= p.minWordsPerLine;
    if (!enoughWords && !p.dropNoTerminalPunct) {
      drop('line_too_few_words');
      continue;
    }
    let cut = false;
    if (p.removeCitations && flags & BRACKET) {
      const whole = (line ??= text.slice(first, last + 1));
      line = whole.replace(CITATION, '');
      cut = line !== whole;
    }
    if (p.dropNoTerminalPunct) {
      line ??= text.slice(first, last + 1);
      if (!END_PUNCTUATION.some((c) => line!.endsWith(c)) || line.endsWith('...')) {
        drop('line_no_terminal_punct');
        continue;
      }
    }
    if (!enoughWords) {
      drop('line_too_few_words');
      continue;
    }
    while (mention < mentions.length && mentions[mention]! < first) mention++;
    const mentioned = cut || (mention < mentions.length && mentions[mention]! <= last);
    const lower = mentioned ? (line ??= text.slice(first, last + 1)).toLowerCase() : '';
    if (mentioned && facts.loremLine < 0 && lower.includes('lorem ipsum')) facts.loremLine = lineNo;
    if (mentioned && p.dropJavascript && lower.includes('javascript')) {
      drop('line_javascript');
      continue;
    }
    // (a citation holds no `{`: the flag is the cut line's too)
    if (flags & CURLY && facts.curlyLine < 0) facts.curlyLine = lineNo;
    if (mentioned && p.dropPolicy && POLICY.test(lower)) {
      drop('line_policy');
      continue;
    }
    if (unspaced) facts.sentences += unspacedSentences((line ??= text.slice(first, last + 1)));
    else if (cut) facts.sentences += spacySentenceCount(line!);
    // a line without a sentence end is one sentence
    else
      facts.sentences +=
        (flags & MAY_END) === 0 ? 1 : sentencesOfChunks(text, first, last + 1, chunks, chunkStart, chunkEnd);
    // the whitespace tokens of the kept text (a cut line's counted again), unless white space
    // only one of Python and JavaScript knows moves them (the text is then tokenized again)
    if (flags & ODD_SPACE) tokensKnown = false;
    tokenCount += cut ? wordCount(line!) : words;
    if (!cut && runTo >= 0 && first === runTo + 1 && text.charCodeAt(runTo) === 10) {
      runTo = last + 1;
      continue;
    }
    if (runTo >= 0) parts.push(text.slice(runFrom, runTo));
    if (cut) {
      parts.push(line!);
      runFrom = runTo = -1;
    } else {
      runFrom = first;
      runTo = last + 1;
    }
  }
  if (runTo >= 0) parts.push(text.slice(runFrom, runTo));
  facts.tokenCount = tokensKnown ? tokenCount : undefined;
  for (const [reason, n] of dropped) count(reason, n);
  return { text: parts.length === 1 ? parts[0]! : parts.join('\n'), facts };
}

class C4LinesTransform implements Transform {
  readonly kind = 'transform';
  readonly name = 'c4-lines';

  constructor(
    private readonly p: LineParams,
    private readonly unspaced: boolean,
  ) {}

  apply(text: string, count: (key: string, n?: number) => void, view?: TextView): Rewritten {
    const scan = view?.text === text ? view.lineScan : undefined;
    const { text: kept, facts } = c4LinePass(text, this.p, { unspaced: this.unspaced, count, scan });
    return { text: pyStrip(kept), c4: facts };
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
        const facts = view.c4 ?? c4LinePass(view.text, defaults, { unspaced, scan: view.lineScan }).facts;
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
