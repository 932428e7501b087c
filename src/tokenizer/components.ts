/**
 * The text-side components of a Hugging Face `tokenizer.json`, as the Rust `tokenizers` crate runs
 * them: normalizers (NFC, NFKC, NFD, NFKD, Lowercase, Replace, Prepend, Strip, Sequence) and
 * pre-tokenizers (ByteLevel, Split with every behaviour, Digits, Punctuation, Whitespace,
 * WhitespaceSplit, Sequence). A component moe does not run is refused naming it, before anything
 * is encoded.
 */
import { UserError } from '../core/errors.js';
import { bytesToSymbols } from './byte-level.js';
import { scanGpt2 } from './scan.js';

/** GPT-2's pre-tokenization pattern (also tiktoken's `gpt2` / `r50k_base`). */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/**
 * Unicode White_Space, what `\s` means in Rust's regex crate. JavaScript's `\s` differs: it
 * includes U+FEFF (the byte-order mark) and leaves out U+0085 (next line).
 */
const WHITE_SPACE = '\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Rust's `\w` (Unicode word characters). */
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';

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

// ---------------------------------------------------------------- normalizers

export interface NormalizerJson {
  type: string;
  normalizers?: NormalizerJson[];
  pattern?: { Regex?: string; String?: string };
  content?: string;
  prepend?: string;
  strip_left?: boolean;
  strip_right?: boolean;
}

export type Normalizer = (text: string) => string;

const RUST_WHITESPACE = new RegExp(`^[${WHITE_SPACE}]+|[${WHITE_SPACE}]+$`, 'gu');

/** The normalizer of a tokenizer.json (undefined when it has none). */
export function normalizerOf(n: NormalizerJson | null | undefined): Normalizer | undefined {
  if (!n) return undefined;
  switch (n.type) {
    case 'Sequence': {
      const parts = (n.normalizers ?? []).map(normalizerOf).filter((f): f is Normalizer => f !== undefined);
      return (t) => parts.reduce((acc, f) => f(acc), t);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = n.type;
      return (t) => t.normalize(form);
    }
    // per character, as Rust's char::to_lowercase: no final-sigma rule
    case 'Lowercase':
      return (t) => {
        let out = '';
        for (const c of t) out += c.toLowerCase();
        return out;
      };
    case 'Replace': {
      const source =
        n.pattern?.Regex !== undefined
          ? translateRegex(n.pattern.Regex)
          : n.pattern?.String !== undefined
            ? escapeRegex(n.pattern.String)
            : undefined;
      if (source === undefined || n.content === undefined)
        throw new UserError('tokenizer.json: a Replace normalizer lacks its pattern or content');
      const re = new RegExp(source, 'gu');
      const content = n.content;
      return (t) => t.replace(re, () => content);
    }
    case 'Prepend': {
      const prefix = n.prepend ?? '';
      return (t) => (t ? prefix + t : t);
    }
    case 'Strip': {
      const left = n.strip_left !== false;
      const right = n.strip_right !== false;
      return (t) => t.replace(RUST_WHITESPACE, (m, at: number) => ((at === 0 ? left : right) ? '' : m));
    }
    default:
      throw new UserError(
        `unsupported normalizer "${n.type}" in tokenizer.json`,
        'moe runs NFC, NFKC, NFD, NFKD, Lowercase, Replace, Prepend, Strip and Sequence normalizers',
      );
  }
}

// ---------------------------------------------------------------- pre-tokenizers

export interface PreTokenizerJson {
  type: string;
  pretokenizers?: PreTokenizerJson[];
  pattern?: { Regex?: string; String?: string };
  behavior?: string;
  invert?: boolean;
  use_regex?: boolean;
  add_prefix_space?: boolean;
  /** ByteLevel: offsets only, which moe does not report (no effect on the ids). */
  trim_offsets?: boolean;
  individual_digits?: boolean;
  replacement?: string;
  prepend_scheme?: string;
  split?: boolean;
}

/** Pieces → pieces; `atStart`: the first piece begins the text (Metaspace's `prepend_scheme: first`). */
export type Splitter = (pieces: string[], atStart?: boolean) => string[];

const GPT2_JS = translateRegex(GPT2_PATTERN);

const BEHAVIORS = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** Splits each piece on the matches of `pattern` (a JavaScript regex source), as `Split` does with `behavior`. */
export function regexSplitter(pattern: string, behavior: string, invert: boolean): Splitter {
  if (!BEHAVIORS.includes(behavior))
    throw new UserError(
      `unsupported Split behavior "${behavior}" in tokenizer.json`,
      `supported: ${BEHAVIORS.join(', ')}`,
    );
  if (behavior === 'Isolated' && !invert && pattern === GPT2_JS) {
    return (pieces) => {
      const out: string[] = [];
      const push = (p: string, start: number, end: number): void => {
        out.push(p.slice(start, end));
      };
      for (const p of pieces) scanGpt2(p, push);
      return out;
    };
  }
  const re = new RegExp(pattern, 'gu');
  // the common case (every byte-level file's split): matches and the gaps between them, in order;
  // written without the runs below, as it is most of the time spent outside BPE itself
  if (behavior === 'Isolated') {
    return (pieces) => {
      const out: string[] = [];
      for (const p of pieces) {
        let last = 0;
        re.lastIndex = 0;
        for (let m = re.exec(p); m !== null; m = re.exec(p)) {
          const s = m[0];
          if (s.length === 0) {
            re.lastIndex += (p.codePointAt(re.lastIndex) ?? 0) > 0xffff ? 2 : 1;
            continue;
          }
          if (m.index > last) out.push(p.slice(last, m.index));
          out.push(s);
          last = m.index + s.length;
        }
        if (last < p.length) out.push(p.slice(last));
      }
      return out;
    };
  }
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
        case 'Isolated':
          for (const [s] of runs) out.push(s);
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

/** The bounds of each match of `pattern` and of the gaps between them, in order (an Isolated split of one text). */
function regexRanges(pattern: string): NonNullable<PreTokenizer['each']> {
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

/** Rust's `is_ascii_punctuation() || is_punctuation()` (the Unicode P categories). */
const PUNCTUATION = '[\\p{P}!-\\/:-@\\[-`{-~]';

/**
 * What a pre-tokenizer does to text, as the Rust crate runs it. `ByteLevel` maps each piece to its
 * byte-level symbols, and pre-tokenizers after it see those symbols (a later `Digits` does not
 * see Arabic-Indic digits, a later `Split` on `\s` no longer sees spaces). When `ByteLevel` is the
 * last step, as in every common file, the mapping is left to the encoder (`mapped: false`), which
 * caches by the unmapped piece.
 */
export interface PreTokenizer {
  split: Splitter;
  /** A ByteLevel step is in it. */
  byteLevel: boolean;
  /** Its pieces are already byte-level symbols (a ByteLevel step came before the end). */
  mapped: boolean;
  /**
   * The same split of one whole text, each piece handed over as found, as bounds in a string
   * (the text, or the text with a space before it): for GPT-2's pattern alone.
   */
  each?: (text: string, piece: (s: string, start: number, end: number) => void) => void;
}

function byteLevelStep(pt: PreTokenizerJson, map: boolean): Splitter {
  const regex = pt.use_regex === false ? undefined : regexSplitter(translateRegex(GPT2_PATTERN), 'Isolated', false);
  return (pieces) => {
    const spaced = pt.add_prefix_space ? pieces.map((p) => (p.startsWith(' ') ? p : ` ${p}`)) : pieces;
    const out = regex ? regex(spaced) : spaced;
    return map ? out.map(toSymbols) : out;
  };
}

const utf8 = new TextEncoder();
/** A piece's byte-level symbols. */
export function toSymbols(piece: string): string {
  return bytesToSymbols(utf8.encode(piece));
}

export function splitterOf(pt: PreTokenizerJson | null | undefined): PreTokenizer {
  if (!pt) return { split: (p) => p, byteLevel: false, mapped: false };
  if (pt.type === 'Sequence') {
    const steps = pt.pretokenizers ?? [];
    const parts = steps.map((s, i) =>
      s.type === 'ByteLevel'
        ? { split: byteLevelStep(s, i < steps.length - 1), byteLevel: true, mapped: i < steps.length - 1 }
        : splitterOf(s),
    );
    // a split followed by a ByteLevel step that only maps bytes (Llama 3, cl100k, o200k): the split's scan
    const last = steps[steps.length - 1];
    const mapsOnly = last?.type === 'ByteLevel' && last.use_regex === false && !last.add_prefix_space;
    return {
      split: (p, atStart) => parts.reduce((acc, s) => s.split(acc, atStart), p),
      byteLevel: parts.some((s) => s.byteLevel),
      mapped: parts.some((s) => s.mapped),
      each: steps.length === 2 && mapsOnly ? parts[0]!.each : undefined,
    };
  }
  const plain = (split: Splitter): PreTokenizer => ({ split, byteLevel: false, mapped: false });
  switch (pt.type) {
    case 'ByteLevel': {
      const each =
        pt.use_regex === false
          ? undefined
          : pt.add_prefix_space
            ? (t: string, f: (s: string, start: number, end: number) => void) =>
                scanGpt2(t.startsWith(' ') ? t : ` ${t}`, f)
            : scanGpt2;
      return { split: byteLevelStep(pt, false), byteLevel: true, mapped: false, each };
    }
    case 'Split': {
      const pattern =
        pt.pattern?.Regex !== undefined
          ? translateRegex(pt.pattern.Regex)
          : pt.pattern?.String !== undefined
            ? escapeRegex(pt.pattern.String)
            : undefined;
      if (pattern === undefined) throw new UserError('tokenizer.json: a Split pre-tokenizer has no pattern');
      const split = regexSplitter(pattern, pt.behavior ?? 'Isolated', Boolean(pt.invert));
      const isolated = (pt.behavior ?? 'Isolated') === 'Isolated' && !pt.invert;
      return { ...plain(split), each: isolated ? (pattern === GPT2_JS ? scanGpt2 : regexRanges(pattern)) : undefined };
    }
    case 'Digits':
      return plain(regexSplitter(pt.individual_digits ? '\\p{N}' : '\\p{N}+', 'Isolated', false));
    case 'Punctuation':
      return plain(regexSplitter(PUNCTUATION, pt.behavior ?? 'Isolated', false));
    case 'Whitespace':
      return plain(regexSplitter(`[${WORD}]+|[^${WORD}${WHITE_SPACE}]+`, 'Removed', true));
    case 'WhitespaceSplit':
      return plain(regexSplitter(`[${WHITE_SPACE}]+`, 'Removed', false));
    case 'Metaspace': {
      // spaces become the replacement character, which starts every piece ("always") or the text ("first")
      const rep = pt.replacement ?? '\u2581';
      const scheme = pt.prepend_scheme ?? (pt.add_prefix_space === false ? 'never' : 'always');
      if (!['always', 'first', 'never'].includes(scheme))
        throw new UserError(
          `unsupported Metaspace prepend_scheme "${scheme}" in tokenizer.json`,
          'supported: always, first, never',
        );
      const splitOn = pt.split !== false ? regexSplitter(escapeRegex(rep), 'MergedWithNext', false) : undefined;
      return plain((pieces, atStart) => {
        const out = pieces.map((p, i) => {
          const r = p.replaceAll(' ', rep);
          const prepend = scheme === 'always' || (scheme === 'first' && i === 0 && atStart === true);
          return prepend && !r.startsWith(rep) ? rep + r : r;
        });
        return splitOn ? splitOn(out) : out;
      });
    }
    default:
      throw new UserError(
        `unsupported pre-tokenizer "${pt.type}" in tokenizer.json`,
        'moe runs ByteLevel, Metaspace, Split, Digits, Punctuation, Whitespace, WhitespaceSplit and Sequence pre-tokenizers',
      );
  }
}
