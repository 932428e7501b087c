/**
 * Rust regular expressions in JavaScript, and splitting text on them as the `tokenizers` crate's
 * `Split` pre-tokenizer does (every behaviour). GPT-2's pattern is scanned by hand (`scan.ts`).
 */
import { UserError } from '../core/errors.js';
import { scanGpt2 } from './scan.js';

/** GPT-2's pre-tokenization pattern (also tiktoken's `gpt2` / `r50k_base`). */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/**
 * Unicode White_Space, what `\s` means in Rust's regex crate. JavaScript's `\s` differs: it
 * includes U+FEFF (the byte-order mark) and leaves out U+0085 (next line).
 */
export const WHITE_SPACE = '\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Rust's `\w` (Unicode word characters). */
export const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';

/**
 * Rust regex → JavaScript (under the `u` flag): expands `(?i:…)` groups, which JavaScript lacks
 * (letters become `[xX]`), and spells `\s`/`\S` out as Rust's Unicode White_Space and `\d`/`\w`
 * as Unicode digits and word characters.
 */
export function translateRegex(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; ) {
    if (pattern[i] === '\\' && (pattern[i + 1] === 's' || pattern[i + 1] === 'S')) {
      const negated = pattern[i + 1] === 'S';
      if (inClass && negated) throw new UserError('tokenizer.json: \\S inside a character class is not supported');
      out += inClass ? WHITE_SPACE : negated ? `[^${WHITE_SPACE}]` : `[${WHITE_SPACE}]`;
      i += 2;
      continue;
    }
    // \d and \w are Unicode classes in the crate's regex engine, ASCII in JavaScript's
    if (pattern[i] === '\\' && 'dDwW'.includes(pattern[i + 1] ?? '')) {
      const c = pattern[i + 1]!;
      const set = c.toLowerCase() === 'd' ? '\\p{Nd}' : WORD;
      if (c === c.toUpperCase() && inClass)
        throw new UserError(`tokenizer.json: \\${c} inside a character class is not supported`);
      out += c === c.toLowerCase() ? (inClass ? set : `[${set}]`) : `[^${set}]`;
      i += 2;
      continue;
    }
    if (!inClass && pattern[i] === '[') inClass = true;
    else if (inClass && pattern[i] === ']') inClass = false;
    if (pattern.startsWith('(?i:', i)) {
      let depth = 1;
      let j = i + 4;
      let inner = '';
      for (; j < pattern.length && depth > 0; j++) {
        const c = pattern[j]!;
        if (c === '\\') {
          inner += c + pattern[j + 1]!;
          j++;
          continue;
        }
        if (c === '(') depth++;
        if (c === ')') depth--;
        if (depth > 0) inner += c;
      }
      out += `(?:${inner.replace(/\\.|[A-Za-z]/g, (m) => (m.length === 1 ? `[${m.toLowerCase()}${m.toUpperCase()}]` : m))})`;
      i = j;
      continue;
    }
    if (pattern[i] === '\\') {
      out += pattern.slice(i, i + 2);
      i += 2;
      continue;
    }
    out += pattern[i];
    i++;
  }
  return out;
}

export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Pieces → pieces; `atStart`: the first piece begins the text (Metaspace's `prepend_scheme: first`). */
export type Splitter = (pieces: string[], atStart?: boolean) => string[];

/** Pieces handed over one by one as bounds in a string: `s.slice(start, end)` is the piece. */
export type RangeSink = (s: string, start: number, end: number) => void;

const GPT2_JS = translateRegex(GPT2_PATTERN);

const BEHAVIORS = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** Splits each piece on the matches of `pattern` (a JavaScript regex source), as `Split` does with `behavior`. */
export function regexSplitter(pattern: string, behavior: string, invert: boolean): Splitter {
  if (!BEHAVIORS.includes(behavior))
    throw new UserError(
      `unsupported Split behavior "${behavior}" in tokenizer.json`,
      `supported: ${BEHAVIORS.join(', ')}`,
    );
  // the common case (every byte-level file's split): matches and the gaps between them, in order,
  // whichever of the two is the match (invert makes no difference)
  if (behavior === 'Isolated') {
    const each = isolatedRanges(pattern);
    return (pieces) => {
      const out: string[] = [];
      const push = (p: string, start: number, end: number): void => {
        out.push(p.slice(start, end));
      };
      for (const p of pieces) each(p, push);
      return out;
    };
  }
  return foldedSplitter(new RegExp(pattern, 'gu'), behavior, invert);
}

/** The other behaviours: the runs of matches and gaps, folded as the Rust crate folds them. */
function foldedSplitter(re: RegExp, behavior: string, invert: boolean): Splitter {
  return (pieces) => {
    const out: string[] = [];
    for (const p of pieces) {
      // the piece as alternating runs, each marked as a match (or, inverted, a gap)
      const runs: Array<[string, boolean]> = [];
      let last = 0;
      for (const m of p.matchAll(re)) {
        if (m[0].length === 0) continue;
        if (m.index > last) runs.push([p.slice(last, m.index), invert]);
        runs.push([m[0], !invert]);
        last = m.index + m[0].length;
      }
      if (last < p.length) runs.push([p.slice(last), invert]);
      switch (behavior) {
        case 'Removed':
          for (const [s, match] of runs) if (!match) out.push(s);
          break;
        // as the Rust crate folds the runs: a match joins the run before it (or after it) when
        // that run is not a match itself; Contiguous joins neighbouring runs of the same kind
        case 'MergedWithPrevious': {
          const start = out.length;
          let previous = false;
          for (const [s, match] of runs) {
            if (match && !previous && out.length > start) out[out.length - 1] += s;
            else out.push(s);
            previous = match;
          }
          break;
        }
        case 'MergedWithNext': {
          const merged: string[] = [];
          let next = false;
          for (let i = runs.length - 1; i >= 0; i--) {
            const [s, match] = runs[i]!;
            if (match && !next && merged.length > 0) merged[merged.length - 1] = s + merged[merged.length - 1];
            else merged.push(s);
            next = match;
          }
          for (let i = merged.length - 1; i >= 0; i--) out.push(merged[i]!);
          break;
        }
        case 'Contiguous': {
          const start = out.length;
          let previous = false;
          for (const [s, match] of runs) {
            if (match === previous && out.length > start) out[out.length - 1] += s;
            else out.push(s);
            previous = match;
          }
          break;
        }
      }
    }
    return out;
  };
}

/**
 * An Isolated split of one text: the bounds of each match of `pattern` and of the gaps between
 * them, in order; GPT-2's pattern by its hand-written scanner.
 */
export function isolatedRanges(pattern: string): (text: string, piece: RangeSink) => void {
  return pattern === GPT2_JS ? scanGpt2 : regexRanges(pattern);
}

function regexRanges(pattern: string): (text: string, piece: RangeSink) => void {
  const re = new RegExp(pattern, 'gu');
  return (text, piece) => {
    let last = 0;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const end = m.index + m[0].length;
      if (end === m.index) {
        re.lastIndex += (text.codePointAt(re.lastIndex) ?? 0) > 0xffff ? 2 : 1;
        continue;
      }
      if (m.index > last) piece(text, last, m.index);
      piece(text, m.index, end);
      last = end;
    }
    if (last < text.length) piece(text, last, text.length);
  };
}
