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
import type { C4LineParams, C4Params } from './params.js';
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

/** `c4-lines`' defaults (its schema's in `params.ts`; a test checks they agree), for a `c4` with no `c4-lines` before it. */
export const C4_LINE_DEFAULTS: C4LineParams = {
  removeCitations: true,
  maxWordLength: 1000,
  minWordsPerLine: 3,
  dropJavascript: true,
  dropPolicy: true,
  dropNoTerminalPunct: false,
};

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

/** Why `c4-lines` drops a line, by index (the hot loop counts into an array, not a map). */
const REASONS = ['line_long_word', 'line_too_few_words', 'line_no_terminal_punct', 'line_javascript', 'line_policy'];
const LONG_WORD = 0;
const TOO_FEW_WORDS = 1;
const NO_TERMINAL_PUNCT = 2;
const JAVASCRIPT = 3;
const POLICY_LINE = 4;

/** What one pass has found so far: the facts, the dropped lines by reason, the kept text's tokens. */
class PassState {
  readonly facts: C4Facts = { loremLine: -1, curlyLine: -1, sentences: 0 };
  readonly dropped = new Int32Array(REASONS.length);
  /** The reasons in the order their first line was dropped (the order they are counted in). */
  readonly order: number[] = [];
  tokenCount = 0;
  tokensKnown = true;

  drop(reason: number): void {
    const n = this.dropped[reason]!;
    if (n === 0) this.order.push(reason);
    this.dropped[reason] = n + 1;
  }

  /** Gives `count` the dropped lines by reason. */
  countInto(count: (key: string, n?: number) => void): void {
    for (let i = 0; i < this.order.length; i++) count(REASONS[this.order[i]!]!, this.dropped[this.order[i]!]);
  }

  /** A kept line's sentences and whitespace tokens (`words`, `flags`: its line-scan record's). */
  keep(sentences: number, words: number, flags: number): void {
    this.facts.sentences += sentences;
    // unless white space only one of Python and JavaScript knows moves the tokens (the text is then tokenized again)
    if (flags & ODD_SPACE) this.tokensKnown = false;
    this.tokenCount += words;
  }
}

/** Where `text` may mention lorem ipsum, javascript or a policy (case folding finds whatever lower-casing would, and more). */
function mentionsIn(text: string): number[] {
  const at: number[] = [];
  MENTION.lastIndex = 0;
  for (let m = MENTION.exec(text); m !== null; m = MENTION.exec(text)) at.push(m.index);
  return at;
}

/**
 * The rules for a line they must read: one in a space-less script, with a citation to cut or a
 * mention of lorem ipsum, javascript or a policy, or any line when the terminal punctuation rule
 * is on. Gives the text to keep (the citations cut), or undefined when the line is dropped. Out of
 * the hot loop (most lines never come here, and a rare branch there would make V8 compile it again).
 */
function readLine(
  text: string,
  r: number,
  lineNo: number,
  mentioned: boolean,
  scan: LineScan,
  c0: number,
  p: C4LineParams,
  unspaced: boolean,
  s: PassState,
): string | undefined {
  const { lines, chunks } = scan;
  const first = lines[r + FIRST]!;
  const last = lines[r + LAST]!;
  const words = lines[r + WORDS]!;
  const flags = lines[r + FLAGS]!;
  let line = text.slice(first, last + 1);
  const enoughWords = unspaced ? hasWords(line, p.minWordsPerLine, true) : words >= p.minWordsPerLine;
  if (!enoughWords && !p.dropNoTerminalPunct) return void s.drop(TOO_FEW_WORDS);
  let cut = false;
  if (p.removeCitations && flags & BRACKET) {
    const whole = line;
    line = whole.replace(CITATION, '');
    cut = line !== whole;
  }
  if (p.dropNoTerminalPunct && (!END_PUNCTUATION.some((c) => line.endsWith(c)) || line.endsWith('...')))
    return void s.drop(NO_TERMINAL_PUNCT);
  if (!enoughWords) return void s.drop(TOO_FEW_WORDS);
  const lower = mentioned || cut ? line.toLowerCase() : '';
  const { facts } = s;
  if (facts.loremLine < 0 && lower.includes('lorem ipsum')) facts.loremLine = lineNo;
  if (p.dropJavascript && lower.includes('javascript')) return void s.drop(JAVASCRIPT);
  // (a citation holds no `{`: the flag is the cut line's too)
  if (flags & CURLY && facts.curlyLine < 0) facts.curlyLine = lineNo;
  if (p.dropPolicy && POLICY.test(lower)) return void s.drop(POLICY_LINE);
  const sentences = unspaced
    ? unspacedSentences(line)
    : cut
      ? spacySentenceCount(line)
      : // a line without a sentence end is one sentence
        (flags & MAY_END) === 0
        ? 1
        : sentencesOfChunks(text, first, last + 1, chunks, c0, lines[r + CHUNK_END]!);
  s.keep(sentences, cut ? wordCount(line) : words, flags);
  return line;
}

/**
 * datatrove's line loop over `text`: the kept lines joined with `\n`, the dropped ones by reason,
 * and the facts the `c4` filter judges. `count` receives dropped lines by reason. The line scan
 * (`line-scan.ts`, the view's when the chain has one) gives each line's stripped bounds, its
 * Python words and longest word, and whether it may hold a sentence end, a citation or `{`; the
 * rules read those, and a line is copied only when a rule must read it (`readLine`). Kept lines
 * that follow each other in the text with one line feed between are one slice of it.
 */
export function c4LinePass(
  text: string,
  p: C4LineParams,
  opts: { unspaced?: boolean; count?: (key: string, n?: number) => void; scan?: LineScan } = {},
): { text: string; facts: C4Facts } {
  const unspaced = opts.unspaced ?? false;
  const scan = opts.scan ?? scanLines(text);
  const { lines, chunks } = scan;
  const s = new PassState();
  const { facts } = s;
  // lines every rule reads in full
  const readAll = unspaced || p.dropNoTerminalPunct;
  const mentions = mentionsIn(text);
  let mention = 0;
  const parts: string[] = [];
  // the kept lines not yet in `parts`: text[runFrom, runTo)
  let runFrom = -1;
  let runTo = -1;
  for (let r = 0, lineNo = 0, chunkEnd = 0; r < lines.length; r += STRIDE, lineNo++) {
    // the line's chunks that may hold a sentence end
    const chunkStart = chunkEnd;
    chunkEnd = lines[r + CHUNK_END]!;
    const first = lines[r + FIRST]!;
    if (first < 0) continue; // blank
    const last = lines[r + LAST]!;
    const flags = lines[r + FLAGS]!;
    let longest = lines[r + LONGEST]!;
    // a word's code points, when a surrogate pair may have made its code units too many
    if (longest > p.maxWordLength && flags & LOW) longest = longestWord(text, first, last + 1);
    if (longest > p.maxWordLength) {
      s.drop(LONG_WORD);
      continue;
    }
    while (mention < mentions.length && mentions[mention]! < first) mention++;
    const mentioned = mention < mentions.length && mentions[mention]! <= last;
    if (readAll || mentioned || (p.removeCitations && flags & BRACKET)) {
      const line = readLine(text, r, lineNo, mentioned, scan, chunkStart, p, unspaced, s);
      if (line === undefined) continue;
      if (line.length !== last + 1 - first) {
        // citations were cut: the line is a part of its own
        if (runTo >= 0) parts.push(text.slice(runFrom, runTo));
        parts.push(line);
        runFrom = runTo = -1;
        continue;
      }
    } else {
      const words = lines[r + WORDS]!;
      if (words < p.minWordsPerLine) {
        s.drop(TOO_FEW_WORDS);
        continue;
      }
      if (flags & CURLY && facts.curlyLine < 0) facts.curlyLine = lineNo;
      const sentences =
        (flags & MAY_END) === 0 ? 1 : sentencesOfChunks(text, first, last + 1, chunks, chunkStart, chunkEnd);
      s.keep(sentences, words, flags);
    }
    if (runTo >= 0 && first === runTo + 1 && text.charCodeAt(runTo) === 10) runTo = last + 1;
    else {
      if (runTo >= 0) parts.push(text.slice(runFrom, runTo));
      runFrom = first;
      runTo = last + 1;
    }
  }
  if (runTo >= 0) parts.push(text.slice(runFrom, runTo));
  facts.tokenCount = s.tokensKnown ? s.tokenCount : undefined;
  if (opts.count) s.countInto(opts.count);
  return { text: parts.length === 1 ? parts[0]! : parts.join('\n'), facts };
}

class C4LinesTransform implements Transform {
  readonly kind = 'transform';
  readonly name = 'c4-lines';

  constructor(
    private readonly p: C4LineParams,
    private readonly unspaced: boolean,
  ) {}

  apply(text: string, count: (key: string, n?: number) => void, view?: TextView): Rewritten {
    const scan = view?.text === text ? view.lineScan : undefined;
    const { text: kept, facts } = c4LinePass(text, this.p, { unspaced: this.unspaced, count, scan });
    return { text: pyStrip(kept), c4: facts };
  }
}

export const c4Lines: StepDefinition<C4LineParams> = {
  name: 'c4-lines',
  kind: 'transform',
  metrics: {},
  create(p, ctx) {
    return new C4LinesTransform(p, unspacedWords(ctx));
  },
};

export const c4: StepDefinition<C4Params> = {
  name: 'c4',
  kind: 'filter',
  metrics: { lorem_ipsum: FRACTION, curly_bracket: FRACTION, sentences: COUNT },
  create(p, ctx) {
    const unspaced = unspacedWords(ctx);
    return {
      kind: 'filter',
      name: 'c4',
      keep(_doc, view: TextView, measure) {
        // what c4-lines noted on its way; without c4-lines before it, the same pass over this text
        const facts = view.c4 ?? c4LinePass(view.text, C4_LINE_DEFAULTS, { unspaced, scan: view.lineScan }).facts;
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
