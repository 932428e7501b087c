/**
 * Byte-level BPE from a Hugging Face `tokenizer.json`, encoding as the Rust `tokenizers` crate does:
 *
 * - non-special added tokens are found first (on the raw text, then, for `normalized` ones, on the
 *   normalized text), leftmost-longest, with their `lstrip`, `rstrip` and `single_word` rules;
 * - the normalizer and pre-tokenizer (`components.ts`) run on the text between them;
 * - the model: byte-level symbols merged by rank, the lowest-ranked adjacent pair first, every
 *   occurrence in a word, until no merge applies (Sennrich et al. 2016, as the Rust crate does);
 *   with `ignore_merges`, a piece that is a vocabulary entry is that token;
 * - a cache of frequent pieces, so most pieces cost one Map lookup.
 *
 * Special tokens in the text are not interpreted: a document that contains "<|endoftext|>" is
 * encoded as that text, as tiktoken's `encode_ordinary`, so data can never inject a control id.
 * Unpaired surrogates become U+FFFD before anything else, as they do when a JavaScript string
 * reaches the Rust library.
 */
import { DataError, jsonProblem, printable, UserError } from '../core/errors.js';
import { BYTE_TO_CHAR, symbolsToBytes } from './byte-level.js';
import { CharBpe, decodeTokens, type DecoderJson } from './char-bpe.js';
import {
  escapeRegex,
  GPT2_PATTERN,
  type Normalizer,
  type NormalizerJson,
  normalizerOf,
  type PreTokenizer,
  type PreTokenizerJson,
  type Splitter,
  splitterOf,
  toSymbols,
  translateRegex,
} from './components.js';
import { readTextSync } from '../io/files.js';
import { hashRange, PieceCache } from './piece-cache.js';

export { GPT2_PATTERN, translateRegex };

export interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
}

export interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  normalizer?: NormalizerJson | null;
  pre_tokenizer?: PreTokenizerJson | null;
  decoder?: DecoderJson | null;
  model: {
    type?: string;
    vocab: Record<string, number>;
    merges: Array<string | [string, string]>;
    byte_fallback?: boolean;
    ignore_merges?: boolean;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
    unk_token?: string | null;
    fuse_unk?: boolean;
  };
}

/** ES2024's String methods (Node 20 has them; the ES2023 library this project compiles against does not). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** JavaScript strings may hold lone surrogates; Rust strings cannot, and the binding replaces them (U+FFFD) first. */
function wellFormed(text: string): string {
  const w = text as unknown as WellFormed;
  return w.isWellFormed() ? text : w.toWellFormed();
}

/** Bytes UTF-8 never uses (0xC0, 0xC1, 0xF5–0xFF): a vocabulary may leave them out. */
const NEVER_IN_UTF8 = new Set([0xc0, 0xc1, ...Array.from({ length: 11 }, (_, i) => 0xf5 + i)]);
/** Rust's `char::is_whitespace`, for an added token's lstrip/rstrip. */
const SPACE = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const WORD_CHAR = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

/**
 * The non-special added tokens of one kind (matched on the raw text, or on the normalized text):
 * found leftmost-longest, as the Rust crate's Aho-Corasick automaton finds them, with their
 * `single_word`, `lstrip` and `rstrip` rules.
 */
class AddedMatcher {
  private readonly re: RegExp;
  private readonly byContent: Map<string, AddedTokenJson>;

  constructor(tokens: AddedTokenJson[]) {
    this.byContent = new Map(tokens.map((t) => [t.content, t]));
    // an alternation tried longest first finds, at the leftmost position, the longest token
    this.re = new RegExp(
      [...this.byContent.keys()]
        .sort((x, y) => y.length - x.length || (x < y ? -1 : 1))
        .map(escapeRegex)
        .join('|'),
      'gu',
    );
  }

  /** `text` as pieces: strings to encode, and the ids of added tokens. */
  split(text: string): Array<string | number> {
    const out: Array<string | number> = [];
    let last = 0;
    this.re.lastIndex = 0;
    for (let m = this.re.exec(text); m !== null; m = this.re.exec(text)) {
      const t = this.byContent.get(m[0])!;
      let start = m.index;
      let end = start + m[0].length;
      if (t.single_word) {
        const before = start > 0 ? String.fromCodePoint(text.codePointAt(start - 1)!) : '';
        const after = end < text.length ? String.fromCodePoint(text.codePointAt(end)!) : '';
        if ((before && WORD_CHAR.test(before)) || (after && WORD_CHAR.test(after))) {
          this.re.lastIndex = start + 1;
          continue;
        }
      }
      if (t.lstrip) while (start > last && SPACE.test(text[start - 1]!)) start--;
      if (t.rstrip) while (end < text.length && SPACE.test(text[end]!)) end++;
      if (start > last) out.push(text.slice(last, start));
      out.push(t.id);
      last = end;
      this.re.lastIndex = end;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
}

const utf8 = new TextEncoder();
/** Pieces cached (enough for the distinct pieces of 50 MB of multilingual text). */
const CACHE_LIMIT = 500_000;

/** Where `encode` puts ids: an array, or anything else with `push`. */
export interface IdSink {
  push(id: number): unknown;
}

export class BpeTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly idToToken: string[];
  private readonly split: Splitter;
  /** The pre-tokenizer's pieces are byte-level symbols already. */
  private readonly mapped: boolean;
  /** The pre-tokenizer as a scan handing over pieces one by one, where it has one. */
  private readonly each: PreTokenizer['each'];
  private readonly normalize: Normalizer | undefined;
  private readonly ignoreMerges: boolean;
  private readonly rawAdded: AddedMatcher | undefined;
  private readonly normalizedAdded: AddedMatcher | undefined;
  private readonly addedContent: Set<string>;
  /** No normalizer and no non-special added tokens: text goes straight to the pre-tokenizer. */
  private readonly plain: boolean;
  private readonly cache = new PieceCache(CACHE_LIMIT);
  /** The model of SentencePiece-style files (characters, byte fallback); undefined for byte-level BPE. */
  private readonly chars: CharBpe | undefined;
  /** Byte-level BPE's merges (by rank, with a priority queue, as for characters). */
  private readonly merger!: CharBpe;
  /** Byte → the id of its byte-level symbol. */
  private readonly byteIds!: Int32Array;
  private readonly decoder: DecoderJson | null;
  readonly specialTokens: Map<string, number>;
  /** Number of ids (vocabulary plus added tokens). */
  readonly vocabSize: number;

  constructor(json: TokenizerJson) {
    // what the file asks for that moe does not run is named first, before any side symptom
    const model = json.model;
    if (model?.type !== undefined && model.type !== 'BPE')
      throw new UserError(
        `tokenizer.json has a ${model.type} model, not BPE`,
        'moe reads BPE tokenizers (byte-level or SentencePiece-style)',
      );
    if (model.continuing_subword_prefix || model.end_of_word_suffix)
      throw new UserError(
        'tokenizer.json: continuing_subword_prefix / end_of_word_suffix (word-piece style BPE) is not supported',
        'moe reads byte-level BPE tokenizers',
      );
    this.normalize = normalizerOf(json.normalizer);
    const pre = splitterOf(json.pre_tokenizer);
    if (pre.byteLevel && model.byte_fallback)
      throw new UserError(
        'tokenizer.json: byte_fallback with a ByteLevel pre-tokenizer',
        'a byte-level vocabulary needs no byte fallback; the file mixes two kinds of BPE',
      );
    this.split = pre.split;
    this.each = pre.each;
    this.mapped = pre.mapped;
    this.ignoreMerges = model.ignore_merges === true;
    this.vocab = new Map(Object.entries(model.vocab));
    const added = json.added_tokens ?? [];
    this.specialTokens = new Map(added.filter((t) => t.special !== false).map((t) => [t.content, t.id]));
    // non-special added tokens are tokens of the text: matched before pre-tokenization
    // a token whose text is a vocabulary entry has that entry's id, as in the Rust crate
    const plain = added
      .filter((t) => t.special === false && t.content.length > 0)
      .map((t) => ({ ...t, id: this.vocab.get(t.content) ?? t.id }));
    const raw = plain.filter((t) => t.normalized === false || !this.normalize);
    const normalized = plain.filter((t) => t.normalized !== false && this.normalize);
    this.rawAdded = raw.length ? new AddedMatcher(raw) : undefined;
    this.normalizedAdded = normalized.length ? new AddedMatcher(normalized) : undefined;
    this.addedContent = new Set(plain.map((t) => t.content));
    this.plain = !this.normalize && !this.rawAdded && !this.normalizedAdded;
    this.idToToken = [];
    for (const [tok, id] of this.vocab) this.idToToken[id] = tok;
    for (const t of added) this.idToToken[t.id] ??= t.content;
    this.vocabSize = this.idToToken.length;
    this.decoder = json.decoder ?? null;
    // without a ByteLevel pre-tokenizer the symbols are characters: SentencePiece-style BPE
    if (!pre.byteLevel) {
      this.chars = new CharBpe({
        vocab: this.vocab,
        merges: model.merges,
        byteFallback: Boolean(model.byte_fallback),
        unkToken: model.unk_token,
        fuseUnk: Boolean(model.fuse_unk),
      });
      decodeTokens([], this.decoder); // a decoder moe cannot run is named now, not at the first decode
      return;
    }
    BYTE_TO_CHAR.forEach((c, b) => {
      if (!NEVER_IN_UTF8.has(b) && !this.vocab.has(c))
        throw new UserError(
          `tokenizer.json lacks the byte-level symbol ${JSON.stringify(c)} (byte 0x${b.toString(16).padStart(2, '0')})`,
          'moe reads byte-level BPE tokenizers, whose vocabulary holds every byte UTF-8 uses',
        );
    });
    this.byteIds = Int32Array.from(BYTE_TO_CHAR, (c) => this.vocab.get(c) ?? -1);
    // the same merge procedure, over byte-level symbols (every one is in the vocabulary)
    this.merger = new CharBpe({ vocab: this.vocab, merges: model.merges, byteFallback: false, fuseUnk: false });
  }

  static load(path: string): BpeTokenizer {
    let json: TokenizerJson;
    try {
      json = JSON.parse(readTextSync(path)) as TokenizerJson;
    } catch (e) {
      throw new DataError(
        `cannot read tokenizer ${path}: ${e instanceof SyntaxError ? jsonProblem(e) : printable((e as Error).message, 200)}`,
        'pass a Hugging Face tokenizer.json (or train one with moe tokenizer train)',
      );
    }
    const type = json?.model?.type;
    if (type !== undefined && type !== 'BPE')
      throw new UserError(
        `${path} has a ${String(type)} model, not BPE`,
        'moe reads BPE tokenizers (byte-level or SentencePiece-style)',
      );
    if (!json?.model?.vocab || !Array.isArray(json.model.merges))
      throw new DataError(
        `${path} is not a BPE tokenizer.json (no model.vocab / model.merges)`,
        'pass a Hugging Face BPE tokenizer.json',
      );
    return new BpeTokenizer(json);
  }

  /** The pre-tokenized pieces of a text, as byte-level symbols for byte-level BPE (normalized; without its non-special added tokens). */
  pieces(text: string): string[] {
    const out: string[] = [];
    this.walk(text, (piece) => out.push(this.mapped || this.chars ? piece : toSymbols(piece)));
    return out;
  }

  /**
   * The Rust pipeline on `text`: non-special added tokens matched on the raw text, the rest
   * normalized, added tokens matched again on that, then pre-tokenized. `onPiece` gets each piece
   * to encode with BPE, `onId` each added token's id, in order.
   */
  private walk(text: string, onPiece: (piece: string) => void, onId?: (id: number) => void): void {
    text = wellFormed(text);
    const normalizedPart = (part: string, atStart: boolean): void => {
      const normal = this.normalize ? this.normalize(part) : part;
      let first = atStart;
      for (const p of this.normalizedAdded ? this.normalizedAdded.split(normal) : [normal]) {
        if (typeof p === 'number') onId?.(p);
        else for (const piece of this.split([p], first)) onPiece(piece);
        first = false;
      }
    };
    if (!this.rawAdded) {
      normalizedPart(text, true);
      return;
    }
    for (const [i, p] of this.rawAdded.split(text).entries()) {
      if (typeof p === 'number') onId?.(p);
      else normalizedPart(p, i === 0);
    }
  }

  /**
   * Token ids of a text (special-token strings are ordinary text; non-special added tokens are
   * theirs), pushed onto `out` (a new array by default; `moe tokenize` passes a growing typed array).
   */
  encode(text: string): number[];
  encode<Out extends IdSink>(text: string, out: Out): Out;
  encode(text: string, out: IdSink = []): IdSink {
    if (this.plain && this.each) {
      // the common file: GPT-2's pattern, scanned; a cached piece is found without being cut out
      this.each(wellFormed(text), (s, start, end) => this.piece(s, start, end, out));
    } else if (this.plain) for (const p of this.split([wellFormed(text)], true)) this.piece(p, 0, p.length, out);
    else
      this.walk(
        text,
        (p) => this.piece(p, 0, p.length, out),
        (id) => out.push(id),
      );
    return out;
  }

  /** Appends the ids of the piece `s[start, end)` to `out`. */
  private piece(s: string, start: number, end: number, out: IdSink): void {
    const h = hashRange(s, start, end);
    const slot = this.cache.find(s, start, end, h);
    if (slot >= 0) {
      this.cache.copy(slot, out);
      return;
    }
    const p = start === 0 && end === s.length ? s : s.slice(start, end);
    const ids = this.chars ? this.charPiece(p) : this.bpe(p);
    // short pieces repeat; a SentencePiece-style piece can be a whole document
    if (p.length <= 256) this.cache.add(s, start, end, h, ids);
    for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
  }

  /** A SentencePiece-style piece; with ignore_merges, a vocabulary entry is that token. */
  private charPiece(piece: string): number[] {
    const whole = this.ignoreMerges ? this.vocab.get(piece) : undefined;
    return whole !== undefined ? [whole] : this.chars!.encode(piece);
  }

  private bpe(piece: string): number[] {
    // ignore_merges (Llama 3's setting): a piece that is a vocabulary entry is that token
    if (this.mapped || this.ignoreMerges) {
      const word = this.mapped ? piece : toSymbols(piece);
      const whole = this.ignoreMerges ? this.vocab.get(word) : undefined;
      if (whole !== undefined) return [whole];
      if (this.mapped) return this.merger.encode(word);
    }
    // the piece's UTF-8 bytes straight to their symbols' ids
    if (this.bytes.length < piece.length * 3) this.bytes = new Uint8Array(piece.length * 3);
    const n = utf8.encodeInto(piece, this.bytes).written;
    const ids = new Array<number>(n);
    for (let k = 0; k < n; k++) ids[k] = this.byteIds[this.bytes[k]!]!;
    return this.merger.merge(ids);
  }

  /** Scratch space for a piece's UTF-8 bytes. */
  private bytes = new Uint8Array(1024);

  /** The text of some ids (invalid UTF-8 from a partial sequence becomes U+FFFD). */
  decode(ids: ArrayLike<number>): string {
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const tok = this.idToToken[ids[i]!];
      if (tok === undefined) throw new DataError(`token id ${ids[i]} is not in the vocabulary`);
      tokens.push(tok);
    }
    if (this.chars) return decodeTokens(tokens, this.decoder);
    const chunks: Uint8Array[] = tokens.map((tok, i) =>
      (this.specialTokens.has(tok) || this.addedContent.has(tok)) && this.vocab.get(tok) !== ids[i]
        ? utf8.encode(tok)
        : symbolsToBytes(tok),
    );
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
