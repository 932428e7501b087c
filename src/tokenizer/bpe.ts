/**
 * Byte-level BPE from a Hugging Face `tokenizer.json` (GPT-2, Llama 3, DeepSeek-V3 families):
 *
 * - pre-tokenization: `ByteLevel` (GPT-2's regex when `use_regex`), `Split` (a regex or string,
 *   `Isolated` or `Removed`, optionally inverted), `Digits`, and `Sequence`s of these. Rust regex
 *   syntax is translated to JavaScript (`(?i:…)` groups, which JavaScript lacks, are expanded);
 * - the model: byte-level symbols merged by rank, the lowest-ranked adjacent pair first, every
 *   occurrence in a word, until no merge applies (Sennrich et al. 2016, as the Rust crate does);
 * - a cache of frequent words, so most pieces cost one Map lookup.
 *
 * Special tokens in the text are not interpreted: a document that contains "<|endoftext|>" is
 * encoded as that text, as tiktoken's `encode_ordinary`, so data can never inject a control id.
 * Text is UTF-8 encoded as JavaScript does it: an unpaired surrogate becomes U+FFFD.
 */
import { readFileSync } from 'node:fs';
import { DataError, jsonProblem, printable, UserError } from '../core/errors.js';
import { BYTE_TO_CHAR, symbolsToBytes } from './byte-level.js';

/** GPT-2's pre-tokenization pattern (also tiktoken's `gpt2` / `r50k_base`). */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/**
 * Unicode White_Space, what `\s` means in Rust's regex crate. JavaScript's `\s` differs: it
 * includes U+FEFF (the byte-order mark) and leaves out U+0085 (next line).
 */
const WHITE_SPACE = '\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/**
 * Rust regex → JavaScript (under the `u` flag): expands `(?i:…)` groups, which JavaScript lacks
 * (letters become `[xX]`), and spells `\s`/`\S` out as Rust's Unicode White_Space.
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

type Splitter = (pieces: string[]) => string[];

function regexSplitter(pattern: string, behavior: string, invert: boolean): Splitter {
  const re = new RegExp(translateRegex(pattern), 'gu');
  if (!['Isolated', 'Removed'].includes(behavior)) throw new UserError(`unsupported Split behavior "${behavior}" in tokenizer.json`, 'supported: Isolated, Removed');
  return (pieces) => {
    const out: string[] = [];
    for (const p of pieces) {
      let last = 0;
      for (const m of p.matchAll(re)) {
        if (m[0].length === 0) continue;
        const gap = p.slice(last, m.index);
        last = m.index + m[0].length;
        // Isolated: matches and gaps are pieces; Removed drops the matches (or, inverted, the gaps)
        if (gap && !(behavior === 'Removed' && invert)) out.push(gap);
        if (!(behavior === 'Removed' && !invert)) out.push(m[0]);
      }
      const tail = p.slice(last);
      if (tail && !(behavior === 'Removed' && invert)) out.push(tail);
    }
    return out;
  };
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface PreTokenizerJson {
  type: string;
  pretokenizers?: PreTokenizerJson[];
  pattern?: { Regex?: string; String?: string };
  behavior?: string;
  invert?: boolean;
  use_regex?: boolean;
  add_prefix_space?: boolean;
  individual_digits?: boolean;
}

function splitterOf(pt: PreTokenizerJson | null | undefined): { split: Splitter; prefixSpace: boolean } {
  if (!pt) return { split: (p) => p, prefixSpace: false };
  switch (pt.type) {
    case 'Sequence': {
      const parts = (pt.pretokenizers ?? []).map(splitterOf);
      return { split: (p) => parts.reduce((acc, s) => s.split(acc), p), prefixSpace: parts.some((s) => s.prefixSpace) };
    }
    case 'ByteLevel':
      return { split: pt.use_regex === false ? (p) => p : regexSplitter(GPT2_PATTERN, 'Isolated', false), prefixSpace: Boolean(pt.add_prefix_space) };
    case 'Split': {
      const pattern = pt.pattern?.Regex ?? (pt.pattern?.String !== undefined ? escapeRegex(pt.pattern.String) : undefined);
      if (pattern === undefined) throw new UserError('tokenizer.json: a Split pre-tokenizer has no pattern');
      return { split: regexSplitter(pattern, pt.behavior ?? 'Isolated', Boolean(pt.invert)), prefixSpace: false };
    }
    case 'Digits':
      return { split: regexSplitter(pt.individual_digits ? '\\p{N}' : '\\p{N}+', 'Isolated', false), prefixSpace: false };
    default:
      throw new UserError(`unsupported pre-tokenizer "${pt.type}" in tokenizer.json`, 'moe reads byte-level BPE tokenizers (GPT-2, Llama 3, DeepSeek-V3 style)');
  }
}

export interface TokenizerJson {
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
  normalizer?: { type: string } | null;
  pre_tokenizer?: PreTokenizerJson | null;
  model: { type?: string; vocab: Record<string, number>; merges: Array<string | [string, string]>; byte_fallback?: boolean };
}

const utf8 = new TextEncoder();
const CACHE_LIMIT = 200_000;

export class BpeTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly ranks: Map<string, number>;
  private readonly idToToken: string[];
  private readonly split: Splitter;
  private readonly prefixSpace: boolean;
  private readonly cache = new Map<string, number[]>();
  readonly specialTokens: Map<string, number>;
  /** Number of ids (vocabulary plus added tokens). */
  readonly vocabSize: number;

  constructor(json: TokenizerJson) {
    if (json.model?.type !== undefined && json.model.type !== 'BPE') throw new UserError(`tokenizer.json has a ${json.model.type} model, not BPE`, 'moe reads byte-level BPE tokenizers');
    if (json.normalizer) throw new UserError(`unsupported normalizer "${json.normalizer.type}" in tokenizer.json`, 'byte-level BPE tokenizers (GPT-2, Llama 3, DeepSeek-V3) have none');
    this.vocab = new Map(Object.entries(json.model.vocab));
    this.ranks = new Map(json.model.merges.map((m, i) => [Array.isArray(m) ? `${m[0]} ${m[1]}` : m, i]));
    this.specialTokens = new Map((json.added_tokens ?? []).map((t) => [t.content, t.id]));
    this.idToToken = [];
    for (const [tok, id] of this.vocab) this.idToToken[id] = tok;
    for (const [tok, id] of this.specialTokens) this.idToToken[id] ??= tok;
    this.vocabSize = this.idToToken.length;
    for (const c of BYTE_TO_CHAR) if (!this.vocab.has(c)) throw new UserError(`tokenizer.json lacks the byte-level symbol ${JSON.stringify(c)}`, 'moe reads byte-level BPE tokenizers, whose vocabulary holds all 256 bytes');
    const s = splitterOf(json.pre_tokenizer);
    this.split = s.split;
    this.prefixSpace = s.prefixSpace;
  }

  static load(path: string): BpeTokenizer {
    let json: TokenizerJson;
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as TokenizerJson;
    } catch (e) {
      throw new DataError(`cannot read tokenizer ${path}: ${e instanceof SyntaxError ? jsonProblem(e) : printable((e as Error).message, 200)}`, 'pass a Hugging Face tokenizer.json (or train one with moe tokenizer train)');
    }
    if (!json?.model?.vocab || !Array.isArray(json.model.merges)) throw new DataError(`${path} is not a BPE tokenizer.json (no model.vocab / model.merges)`, 'pass a Hugging Face byte-level BPE tokenizer.json');
    return new BpeTokenizer(json);
  }

  /** The pre-tokenized pieces of a text. */
  pieces(text: string): string[] {
    return this.split([this.prefixSpace && !text.startsWith(' ') ? ` ${text}` : text]);
  }

  /** Token ids of a text (special-token strings are ordinary text). */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const piece of this.pieces(text)) {
      let ids = this.cache.get(piece);
      if (!ids) {
        ids = this.bpe(piece);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  private bpe(piece: string): number[] {
    const bytes = utf8.encode(piece);
    let word = '';
    for (const b of bytes) word += BYTE_TO_CHAR[b];
    const whole = this.vocab.get(word);
    if (whole !== undefined) return [whole];
    let parts = Array.from(word);
    for (;;) {
      let best = Number.POSITIVE_INFINITY;
      let pair = '';
      for (let i = 0; i + 1 < parts.length; i++) {
        const key = `${parts[i]} ${parts[i + 1]}`;
        const r = this.ranks.get(key);
        if (r !== undefined && r < best) {
          best = r;
          pair = key;
        }
      }
      if (best === Number.POSITIVE_INFINITY) break;
      const [a, b] = [pair.slice(0, pair.indexOf(' ')), pair.slice(pair.indexOf(' ') + 1)];
      const merged: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === a && parts[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else merged.push(parts[i]!);
      }
      parts = merged;
      if (parts.length === 1) break;
    }
    return parts.map((p) => {
      const id = this.vocab.get(p);
      if (id === undefined) throw new DataError(`tokenizer.json: the merged symbol ${JSON.stringify(p)} is not in the vocabulary`, 'the tokenizer file is inconsistent');
      return id;
    });
  }

  /** The text of some ids (invalid UTF-8 from a partial sequence becomes U+FFFD). */
  decode(ids: ArrayLike<number>): string {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < ids.length; i++) {
      const tok = this.idToToken[ids[i]!];
      if (tok === undefined) throw new DataError(`token id ${ids[i]} is not in the vocabulary`);
      chunks.push(this.specialTokens.has(tok) && !this.vocab.has(tok) ? utf8.encode(tok) : symbolsToBytes(tok));
    }
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.concat(chunks));
  }

  /** The id of a special token, e.g. the end-of-text token. */
  special(names: string[]): number | undefined {
    for (const n of names) {
      const id = this.specialTokens.get(n) ?? this.vocab.get(n);
      if (id !== undefined) return id;
    }
    return undefined;
  }
}
