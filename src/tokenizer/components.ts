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
import {
  escapeRegex,
  GPT2_PATTERN,
  type RangeSink,
  isolatedRanges,
  regexSplitter,
  type Splitter,
  translateRegex,
  WHITE_SPACE,
  WORD,
} from './split.js';

export { escapeRegex, GPT2_PATTERN, regexSplitter, type Splitter, translateRegex };

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
  each?: (text: string, piece: RangeSink) => void;
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
            ? (t: string, f: RangeSink) => scanGpt2(t.startsWith(' ') ? t : ` ${t}`, f)
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
      // an Isolated split keeps matches and gaps alike, inverted or not: its pieces as ranges too
      const isolated = (pt.behavior ?? 'Isolated') === 'Isolated';
      return { ...plain(split), each: isolated ? isolatedRanges(pattern) : undefined };
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
