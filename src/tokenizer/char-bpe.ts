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

/** A hash of a pair of ids, its low bits mixed from all of theirs. */
function pairHash(a: number, b: number): number {
  const h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  return h ^ (h >>> 15);
}

/** (left id, right id) → merge rank and merged id: open addressing over typed arrays. */
class PairTable {
  private readonly mask: number;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  /** Per slot: the rank (-1 for a free slot) and the merged id. */
  readonly rank: Int32Array;
  readonly merged: Int32Array;

  constructor(count: number) {
    let slots = 1024;
    while (slots < count * 2) slots *= 2;
    this.mask = slots - 1;
    this.left = new Int32Array(slots);
    this.right = new Int32Array(slots);
    this.rank = new Int32Array(slots).fill(-1);
    this.merged = new Int32Array(slots);
  }

  /** The slot of the pair (a, b), or -1 when they do not merge. */
  find(a: number, b: number): number {
    for (let slot = pairHash(a, b) & this.mask; this.rank[slot] !== -1; slot = (slot + 1) & this.mask)
      if (this.left[slot] === a && this.right[slot] === b) return slot;
    return -1;
  }

  /** Adds the pair unless it is there (the first, lowest-ranked merge of a pair wins). */
  add(a: number, b: number, rank: number, merged: number): void {
    if (this.find(a, b) >= 0) return;
    let slot = pairHash(a, b) & this.mask;
    while (this.rank[slot] !== -1) slot = (slot + 1) & this.mask;
    this.left[slot] = a;
    this.right[slot] = b;
    this.rank[slot] = rank;
    this.merged[slot] = merged;
  }
}

/** Pieces up to this many symbols merge by rescanning their pairs; longer ones with a priority queue. */
const SHORT = 48;

export class CharBpe {
  private readonly pairs: PairTable;
  private readonly bytes: number[] = [];
  private readonly unk: number | undefined;

  constructor(private readonly m: CharBpeModel) {
    this.pairs = new PairTable(m.merges.length);
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
      this.pairs.add(ia, ib, rank, id);
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
    return this.merge(ids);
  }

  /** Merges symbol ids (changing `ids`): lowest rank first, leftmost first among equal ranks. */
  merge(ids: number[]): number[] {
    if (ids.length < 2) return ids;
    if (ids.length <= SHORT) return this.mergeShort(ids);
    // merges with a priority queue over a linked list of symbols
    const pairs = this.pairs;
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
      const slot = pairs.find(ids[i]!, ids[j]!);
      if (slot >= 0) heap.push(pairs.rank[slot]! * POS + i);
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    while (heap.size) {
      const top = heap.pop()!;
      const i = top % POS;
      const rank = (top - i) / POS;
      const j = next[i]!;
      if (!alive[i] || j < 0) continue;
      const slot = pairs.find(ids[i]!, ids[j]!);
      // stale: the pair at i changed since it was queued
      if (slot < 0 || pairs.rank[slot] !== rank) continue;
      ids[i] = pairs.merged[slot]!;
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

  /**
   * The same merges for a short piece, without the queue: the slot of each adjacent pair is kept,
   * the lowest-ranked (leftmost on ties) is merged, and its two neighbouring pairs looked up again.
   */
  private mergeShort(ids: number[]): number[] {
    const pairs = this.pairs;
    const slots = this.slots;
    let n = ids.length;
    for (let i = 0; i + 1 < n; i++) slots[i] = pairs.find(ids[i]!, ids[i + 1]!);
    for (;;) {
      let best = -1;
      let bestRank = 0x7fffffff;
      for (let i = 0; i + 1 < n; i++) {
        const slot = slots[i]!;
        if (slot >= 0 && pairs.rank[slot]! < bestRank) {
          bestRank = pairs.rank[slot]!;
          best = i;
        }
      }
      if (best < 0) break;
      ids[best] = pairs.merged[slots[best]!]!;
      ids.splice(best + 1, 1);
      slots.copyWithin(best + 1, best + 2, n - 1);
      n--;
      if (best > 0) slots[best - 1] = pairs.find(ids[best - 1]!, ids[best]!);
      if (best + 1 < n) slots[best] = pairs.find(ids[best]!, ids[best + 1]!);
    }
    return ids;
  }

  private readonly slots = new Int32Array(SHORT);
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
