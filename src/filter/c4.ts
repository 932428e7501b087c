/**
 * C4 rules (Raffel et al. 2020, §2.2; datatrove `C4QualityFilter`), split as HOUSE_STYLE asks:
 *
 * `c4-lines` (a transform: it rewrites text) removes citation markers (`[1]`, `[edit]`,
 * `[citation needed]`) and drops lines that
 * - contain a word over 1000 characters (`line_long_word`),
 * - have fewer than 3 words (`line_too_few_words`),
 * - mention javascript (`line_javascript`) or a cookie/privacy/terms policy (`line_policy`),
 * - do not end in terminal punctuation (`line_no_terminal_punct`), off by default as in FineWeb.
 *
 * `c4` (a filter) drops documents that contain "lorem ipsum" (`lorem_ipsum`), a curly brace
 * (`curly_bracket`), or fewer than 5 sentences (`too_few_sentences`).
 */
import { z } from 'zod';
import { countWords, endsWithTerminalPunct, hashRange, hasWords, isBlank, isSpaceAt, type Layout, LayoutBuilder, type Rewritten, type TextView, UNSPACED_LANGUAGES } from './text.js';
import { judge } from './rules.js';
import { SENTENCE_END as SENTENCE_END_CLASS, SENTENCE_LETTER, SENTENCE_OTHER, sentenceCounter } from './scan.js';
import { COUNT, FRACTION, type StepDefinition, type Transform } from './types.js';

const POLICY = /terms of use|privacy policy|cookie policy|uses cookies|use of cookies|use cookies/i;
/** Every POLICY phrase contains one of these; single-phrase searches run ~5× faster than the alternation. */
const POLICY_WORDS = [/policy/i, /cookie/i, /terms of use/i];
const JAVASCRIPT = /javascript/i;
const LOREM = /lorem ipsum/i;
const CITATION = /\[\d+\]|\[edit\]|\[citation needed\]/gi;

const lineParams = z.strictObject({
  removeCitations: z.boolean().default(true),
  maxWordLength: z.number().int().min(1).default(1000),
  minWordsPerLine: z.number().int().min(0).default(3),
  dropJavascript: z.boolean().default(true),
  dropPolicy: z.boolean().default(true),
  dropNoTerminalPunct: z.boolean().default(false),
});

/**
 * The layout of c4-lines' output, built from the kept lines as they are joined (positions in the
 * joined text), then moved to the output: runs of three or more line breaks become two and the
 * ends are trimmed, which only shifts positions (no line holds a line break or starts with white
 * space).
 */
class KeptLayout extends LayoutBuilder {
  /** A line changed by the step (citations removed), joined at `at`. */
  keep(line: string, at: number, blank: boolean): void {
    if (blank) return this.blank();
    let a = 0;
    let b = line.length;
    while (isSpaceAt(line, a)) a++;
    while (isSpaceAt(line, b - 1)) b--;
    this.line(at + a, at + b, hashRange(line, a, b));
  }

  /** The layout of `out`: `joined` with line-break runs collapsed, then `lead` characters trimmed from its start. */
  output(joined: string, lead: number, out: string): Layout {
    let breaks = 0;
    for (let i = out.indexOf('\n'); i !== -1; i = out.indexOf('\n', i + 1)) breaks++;
    const layout = this.finish(breaks);
    // each run of k ≥ 3 line breaks at p loses k − 2 of them: positions after it move back
    const cuts: Array<[number, number]> = [];
    if (joined.includes('\n\n\n')) for (const m of joined.matchAll(/\n{3,}/g)) cuts.push([m.index!, m[0].length - 2]);
    for (const spans of [layout.lines, layout.paragraphs]) {
      let c = 0;
      let shift = lead;
      for (let i = 0; i < spans.n; i++) {
        while (c < cuts.length && cuts[c]![0] < spans.starts[i]!) shift += cuts[c++]![1];
        spans.starts[i]! -= shift;
        spans.ends[i]! -= shift;
      }
    }
    return layout;
  }
}

type LineParams = z.infer<typeof lineParams>;

/**
 * c4-lines for one chain. A class, so the chains of every language run one compiled `apply`:
 * closures made per chain were each optimised (and re-optimised) by V8 on their own.
 */
class C4Lines implements Transform {
  readonly kind = 'transform';
  readonly name = 'c4-lines';
  /** The words of the line last judged (-1 when counted without the view's tokens). */
  private words = 0;

  constructor(
    private readonly p: LineParams,
    private readonly unspaced: boolean,
  ) {}

  /**
   * Why the line text[from, e) (or `line`, when citations were cut from it) is dropped, if it is.
   * `words`: its words from the view's tokens, -2 to count them here (citations cut), -1 when the
   * tokens are not used. Apart from `apply`'s loop: V8 re-optimises a function when one of its
   * branches is first taken, and these rules' rare branches made it recompile that whole loop.
   */
  private judgeLine(text: string, from: number, e: number, line: string | undefined, words: number, javascript: boolean, policy: boolean): string | undefined {
    const { p, unspaced } = this;
    if (words === -2) words = countWords(line!, unspaced);
    this.words = words;
    const str = (): string => (line ??= text.slice(from, e));
    const length = line !== undefined ? line.length : e - from;
    if (length > p.maxWordLength && str().split(/\s+/).some((w) => w.length > p.maxWordLength)) return 'line_long_word';
    if (words >= 0 ? words < p.minWordsPerLine : !hasWords(str(), p.minWordsPerLine, unspaced)) return 'line_too_few_words';
    if (javascript && JAVASCRIPT.test(str())) return 'line_javascript';
    if (policy && POLICY.test(str())) return 'line_policy';
    if (p.dropNoTerminalPunct && !endsWithTerminalPunct(str())) return 'line_no_terminal_punct';
    return undefined;
  }

  apply(text: string, count: (key: string, n?: number) => void, view?: TextView): string | Rewritten {
    const { p, unspaced } = this;
    // whole-text checks first: most documents mention neither, and then no line needs the regex
    const javascript = p.dropJavascript && JAVASCRIPT.test(text);
    const policy = p.dropPolicy && POLICY_WORDS.some((w) => w.test(text)) && POLICY.test(text);
    const citations = p.removeCitations && text.includes('[');
    // words per line from the view's tokens (no token spans a line break), when they were
    // counted the way this step counts (a known language decides space-less splitting)
    const tokens = view && view.language !== 'und' && view.unspaced === unspaced ? view.tokensIfComputed : undefined;
    let k = 0;
    /** Words in text[from, to) from the view's tokens. */
    const tokensIn = (from: number, to: number): number => {
      while (k < tokens!.n && tokens!.starts[k]! < from) k++;
      let n = 0;
      for (; k < tokens!.n && tokens!.starts[k]! < to; k++) n++;
      return n;
    };
    // the kept lines, as runs of unchanged lines (slices of the text) and lines without their citations
    const pieces: string[] = [];
    let run = -1;
    let runEnd = 0;
    const flush = (): void => {
      if (run >= 0) {
        joinedLength = nextAt() + runEnd - run;
        pieces.push(text.slice(run, runEnd));
      }
      run = -1;
    };
    // lines dropped by reason, counted once per document (a million lines make a million keys otherwise)
    const dropped = new Map<string, number>();
    let bracket = citations ? text.indexOf('[') : -1;
    let keptWords = 0;
    let changed = false;
    // the kept lines' layout, from the view's (positions in the joined pieces until the end)
    const before = view?.layoutIfComputed;
    const after = before ? new KeptLayout(text.length) : undefined;
    let li = 0; // the next line of `before`
    let joinedLength = 0;
    let runAt = 0; // where the current run starts in the joined text
    const nextAt = (): number => joinedLength + (pieces.length > 0 ? 1 : 0);
    // each line of text.split('\n'), as text[s, e); made a string only when a rule needs it
    for (let s = 0; s <= text.length; ) {
      let e = text.indexOf('\n', s);
      if (e === -1) e = text.length;
      const from = s;
      s = e + 1;
      let line: string | undefined;
      if (bracket !== -1 && bracket < from) bracket = text.indexOf('[', from);
      if (bracket !== -1 && bracket < e) {
        const raw = text.slice(from, e);
        const cut = raw.replace(CITATION, '');
        if (cut !== raw) {
          line = cut;
          changed = true;
        }
      }
      const modified = line !== undefined;
      // this line's trimmed range and hash in `before`, if it has one
      const span = before && li < before.lines.n && before.lines.starts[li]! < e ? li++ : -1;
      const blank = modified ? line!.trim() === '' : before ? span < 0 : isBlank(text, from, e);
      if (!blank) {
        const reason = this.judgeLine(text, from, e, line, tokens ? (modified ? -2 : tokensIn(from, e)) : -1, javascript, policy);
        if (reason) {
          dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
          changed = true;
          flush();
          continue;
        }
        keptWords += this.words;
      }
      if (modified) {
        flush();
        after?.keep(line!, nextAt(), blank);
        joinedLength = nextAt() + line!.length;
        pieces.push(line!);
      } else {
        if (run < 0) {
          run = from;
          runAt = nextAt();
        }
        runEnd = e;
        if (after) {
          const at = runAt - run; // text position → joined position, for this run
          if (blank) after.blank();
          else after.line(before!.lines.starts[span]! + at, before!.lines.ends[span]! + at, before!.lines.hashes[span]!);
        }
      }
    }
    flush();
    for (const [reason, n] of dropped) count(reason, n);
    // nothing removed: the text itself (then the chain keeps its analysis of it)
    const joined = changed ? pieces.join('\n') : text;
    const collapsed = joined.includes('\n\n\n') ? joined.replace(/\n{3,}/g, '\n\n') : joined;
    const out = collapsed.trim();
    // the rewritten text's words are those of the kept lines, and its layout theirs
    const layout = after?.output(joined, collapsed.length - collapsed.trimStart().length, out);
    if (!tokens && !layout) return out;
    return { text: out, ...(tokens ? { wordCount: keptWords } : {}), ...(layout ? { layout } : {}) };
  }
}

export const c4Lines: StepDefinition<typeof lineParams> = {
  name: 'c4-lines',
  kind: 'transform',
  params: lineParams,
  metrics: {},
  create(p, ctx) {
    return new C4Lines(p, UNSPACED_LANGUAGES.has(ctx.language));
  },
};

const docParams = z.strictObject({
  dropLoremIpsum: z.boolean().default(true),
  dropCurlyBracket: z.boolean().default(true),
  minSentences: z.number().int().min(0).default(5),
});

const SENTENCE_END = new Uint8Array(65536);
for (const c of ['.', '!', '?', '。', '！', '？', '｡', '।', '؟']) SENTENCE_END[c.charCodeAt(0)] = 1;

const sentenceScan = sentenceCounter((c) => (SENTENCE_END[c] ? SENTENCE_END_CLASS : (c | 0x20) >= 97 && (c | 0x20) <= 122 ? SENTENCE_LETTER : c > 127 && /\p{L}/u.test(String.fromCharCode(c)) ? SENTENCE_LETTER : SENTENCE_OTHER));

/**
 * Sentences: runs of text ending in terminal punctuation (or the end), with a letter in them.
 * Counted in WebAssembly (`scan.ts`) unless `wasm: false`; a code unit's class is the same either way.
 */
export function countSentences(text: string, options: { wasm?: boolean } = {}): number {
  if (sentenceScan && options.wasm !== false) return sentenceScan.count(text);
  let sentences = 0;
  let letter = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (SENTENCE_END[c]) {
      if (letter) sentences++;
      letter = false;
    } else if (!letter && ((c | 0x20) >= 97 && (c | 0x20) <= 122 ? true : c > 127 && /\p{L}/u.test(text[i]!))) letter = true;
  }
  return letter ? sentences + 1 : sentences;
}

export const c4: StepDefinition<typeof docParams> = {
  name: 'c4',
  kind: 'filter',
  params: docParams,
  metrics: { lorem_ipsum: FRACTION, curly_bracket: FRACTION, sentences: COUNT },
  create(p) {
    return {
      kind: 'filter',
      name: 'c4',
      keep(_doc, view, measure) {
        const lorem = LOREM.test(view.text) ? 1 : 0;
        const curly = view.text.includes('{') ? 1 : 0;
        const sentences = countSentences(view.text);
        return judge(
          [
            { metric: 'lorem_ipsum', value: lorem, fails: p.dropLoremIpsum && lorem === 1, reason: 'lorem_ipsum' },
            { metric: 'curly_bracket', value: curly, fails: p.dropCurlyBracket && curly === 1, reason: 'curly_bracket' },
            { metric: 'sentences', value: sentences, fails: sentences < p.minSentences, reason: 'too_few_sentences' },
          ],
          measure,
        );
      },
    };
  },
};
