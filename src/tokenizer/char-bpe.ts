/**
 * SentencePiece-style BPE, as the Rust `tokenizers` crate runs it for Llama 2, Mistral and Gemma:
 * the symbols are characters (not bytes); a character outside the vocabulary becomes the
 * `<0xXX>` tokens of its UTF-8 bytes (`byte_fallback`) or the unknown token (consecutive ones
 * fused with `fuse_unk`); then merges apply lowest rank first, leftmost first among equal ranks,
 * with a priority queue, since a piece here can be a whole document (no pre-tokenizer splits it).
 */
import { DataError, UserError } from '../core/errors.js';
import { Heap } from './heap.js';

export interface CharBpeModel {
  vocab: Map<string, number>;
  merges: Array<string | [string, string]>;
  byteFallback: boolean;
  unkToken?: string | null;
  fuseUnk: boolean;
}

const utf8 = new TextEncoder();
const hex = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

const POS = 2 ** 26;

export class CharBpe {
  /** (left id, right id) → rank and merged id. */
  private readonly pairs = new Map<number, { rank: number; id: number }>();
  private readonly bytes: number[] = [];
  private readonly unk: number | undefined;

  constructor(private readonly m: CharBpeModel) {
    let size = 0;
    for (const id of m.vocab.values()) if (id >= size) size = id + 1;
    this.stride = size;
    m.merges.forEach((merge, rank) => {
      const [a, b] = Array.isArray(merge)
        ? merge
        : [merge.slice(0, merge.indexOf(' ')), merge.slice(merge.indexOf(' ') + 1)];
      const ia = m.vocab.get(a);
      const ib = m.vocab.get(b);
      const id = m.vocab.get(a + b);
      if (ia === undefined || ib === undefined || id === undefined)
        throw new DataError(
          `tokenizer.json: the merge "${a} ${b}" names a symbol that is not in the vocabulary`,
          'the tokenizer file is inconsistent',
        );
      const key = ia * size + ib;
      if (!this.pairs.has(key)) this.pairs.set(key, { rank, id });
    });
    if (m.byteFallback) {
      for (let b = 0; b < 256; b++) {
        const id = m.vocab.get(hex(b));
        if (id === undefined)
          throw new UserError(
            `tokenizer.json has byte_fallback but lacks the byte token ${hex(b)}`,
            'a SentencePiece-style vocabulary with byte fallback holds <0x00> … <0xFF>',
          );
        this.bytes.push(id);
      }
    }
    this.unk = m.unkToken ? m.vocab.get(m.unkToken) : undefined;
  }

  private readonly stride: number;

  /** The ids of one piece. */
  encode(piece: string): number[] {
    // the initial symbols: characters, their byte tokens, or the unknown token
    const ids: number[] = [];
    let lastUnk = false;
    for (const c of piece) {
      const id = this.m.vocab.get(c);
      if (id !== undefined) {
        ids.push(id);
        lastUnk = false;
        continue;
      }
      if (this.m.byteFallback) {
        for (const b of utf8.encode(c)) ids.push(this.bytes[b]!);
        lastUnk = false;
        continue;
      }
      if (this.unk === undefined)
        throw new DataError(
          `the character ${JSON.stringify(c)} is not in the vocabulary, which has neither byte_fallback nor an unk_token`,
        );
      if (!(this.m.fuseUnk && lastUnk)) ids.push(this.unk);
      lastUnk = true;
    }
    if (ids.length < 2) return ids;
    // merges with a priority queue over a linked list of symbols
    const n = ids.length;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const alive = new Uint8Array(n).fill(1);
    // [rank, position] packed as rank * 2^26 + position: lowest rank first, then leftmost
    const heap = new Heap<number>((a, b) => a < b);
    const consider = (i: number): void => {
      const j = next[i]!;
      if (j < 0) return;
      const p = this.pairs.get(ids[i]! * this.stride + ids[j]!);
      if (p) heap.push(p.rank * POS + i);
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    while (heap.size) {
      const top = heap.pop()!;
      const i = top % POS;
      const rank = (top - i) / POS;
      const j = next[i]!;
      if (!alive[i] || j < 0) continue;
      const p = this.pairs.get(ids[i]! * this.stride + ids[j]!);
      // stale: the pair at i changed since it was queued
      if (!p || p.rank !== rank) continue;
      ids[i] = p.id;
      alive[j] = 0;
      next[i] = next[j]!;
      if (next[j]! >= 0) prev[next[j]!] = i;
      if (prev[i]! >= 0) consider(prev[i]!);
      consider(i);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]!) out.push(ids[i]!);
    return out;
  }
}

/** `<0xXX>` → the byte, for decoding with ByteFallback. */
export function byteToken(token: string): number | undefined {
  return /^<0x[0-9A-F]{2}>$/.test(token) ? Number.parseInt(token.slice(3, 5), 16) : undefined;
}

export interface DecoderJson {
  type: string;
  decoders?: DecoderJson[];
  pattern?: { String?: string; Regex?: string };
  content?: string;
  start?: number;
  stop?: number;
  replacement?: string;
  prepend_scheme?: string;
  add_prefix_space?: boolean;
}

/** Consecutive `<0xXX>` tokens as the text of their bytes (U+FFFD for each byte when they are not UTF-8), as ByteFallback does. */
function byteFallback(tokens: string[]): string[] {
  const out: string[] = [];
  let bytes: number[] = [];
  const flush = (): void => {
    if (!bytes.length) return;
    try {
      out.push(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes)));
    } catch {
      for (let i = 0; i < bytes.length; i++) out.push('\ufffd');
    }
    bytes = [];
  };
  for (const t of tokens) {
    const b = byteToken(t);
    if (b !== undefined) bytes.push(b);
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

/** Runs a decoder (chain) over tokens, as the Rust crate's `decode_chain`, and joins them. */
export function decodeTokens(tokens: string[], decoder: DecoderJson | null): string {
  const step = (d: DecoderJson, ts: string[]): string[] => {
    switch (d.type) {
      case 'Sequence':
        return (d.decoders ?? []).reduce((acc, x) => step(x, acc), ts);
      case 'Replace': {
        const from = d.pattern?.String;
        if (from === undefined)
          throw new UserError('tokenizer.json: only string patterns are supported in a Replace decoder');
        return ts.map((t) => t.split(from).join(d.content ?? ''));
      }
      case 'ByteFallback':
        return byteFallback(ts);
      case 'Fuse':
        return [ts.join('')];
      case 'Strip': {
        const c = d.content ?? ' ';
        return ts.map((t) => {
          let a = 0;
          let b = t.length;
          for (let k = 0; k < (d.start ?? 0) && t[a] === c; k++) a++;
          for (let k = 0; k < (d.stop ?? 0) && b > a && t[b - 1] === c; k++) b--;
          return t.slice(a, b);
        });
      }
      case 'Metaspace': {
        const rep = d.replacement ?? '\u2581';
        const strip = (d.prepend_scheme ?? (d.add_prefix_space === false ? 'never' : 'always')) !== 'never';
        return ts.map((t, i) => {
          const r = t.split(rep).join(' ');
          return i === 0 && strip && r.startsWith(' ') ? r.slice(1) : r;
        });
      }
      default:
        throw new UserError(
          `unsupported decoder "${d.type}" in tokenizer.json`,
          'moe decodes with ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip and Sequence decoders',
        );
    }
  };
  return (decoder ? step(decoder, tokens) : byteFallback(tokens)).join('');
}
