/**
 * The encoder's cache of frequent pieces: piece text → its token ids, looked up by a range of the
 * document, so a hit makes no substring: the 14 million pieces of 50 MB of text cost no
 * allocation or garbage collection. Open addressing over one typed array of 16-byte slots (four
 * slots to a cache line); the pieces' characters and their ids sit in two pools. When it holds
 * `limit` pieces it starts again empty: the frequent pieces come back at once, and memory stays
 * bounded whatever the corpus.
 */

/** Per slot: hash, where the key starts in `chars` (EMPTY: a free slot), key length | id count << 16, the id or where the ids start. */
const STRIDE = 4;
const EMPTY = -1;

/** A hash of `s[start, end)` (FNV-1a over UTF-16 code units, folded with a multiply). */
export function hashRange(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
}

export class PieceCache {
  private readonly mask: number;
  private readonly slots: Int32Array;
  private chars = new Uint16Array(1 << 16);
  private charsUsed = 0;
  private ids = new Int32Array(1 << 16);
  private idsUsed = 0;
  private size = 0;

  /** `limit` pieces, each at most 65,535 characters long with at most 65,535 ids. */
  constructor(private readonly limit: number) {
    let slots = 1024;
    while (slots < limit * 2) slots *= 2;
    this.mask = slots - 1;
    this.slots = new Int32Array(slots * STRIDE);
    for (let i = 1; i < this.slots.length; i += STRIDE) this.slots[i] = EMPTY;
  }

  /** The slot holding `s[start, end)` (whose hash is `h`), or -1. */
  find(s: string, start: number, end: number, h: number): number {
    const slots = this.slots;
    const chars = this.chars;
    const len = end - start;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * STRIDE;
      const key = slots[at + 1]!;
      if (key === EMPTY) return -1;
      if (slots[at] !== h || (slots[at + 2]! & 0xffff) !== len) continue;
      let k = 0;
      while (k < len && chars[key + k] === s.charCodeAt(start + k)) k++;
      if (k === len) return slot;
    }
  }

  /** Appends the ids cached in `slot` to `out`. */
  copy(slot: number, out: { push(id: number): unknown }): void {
    const at = slot * STRIDE;
    const count = this.slots[at + 2]! >>> 16;
    const first = this.slots[at + 3]!;
    if (count === 1) {
      out.push(first);
      return;
    }
    const ids = this.ids;
    for (let k = first, end = first + count; k < end; k++) out.push(ids[k]!);
  }

  /** Caches `ids` for `s[start, end)` (whose hash is `h`; not already cached). */
  add(s: string, start: number, end: number, h: number, ids: ArrayLike<number>): void {
    const len = end - start;
    if (len > 0xffff || ids.length > 0xffff) return;
    if (this.size >= this.limit) this.clear();
    if (this.charsUsed + len > this.chars.length) this.chars = grow(this.chars, this.charsUsed + len);
    let slot = h & this.mask;
    while (this.slots[slot * STRIDE + 1] !== EMPTY) slot = (slot + 1) & this.mask;
    const at = slot * STRIDE;
    this.slots[at] = h;
    this.slots[at + 1] = this.charsUsed;
    this.slots[at + 2] = len | (ids.length << 16);
    for (let k = 0; k < len; k++) this.chars[this.charsUsed++] = s.charCodeAt(start + k);
    if (ids.length === 1) this.slots[at + 3] = ids[0]!;
    else {
      if (this.idsUsed + ids.length > this.ids.length) this.ids = grow(this.ids, this.idsUsed + ids.length);
      this.slots[at + 3] = this.idsUsed;
      for (let k = 0; k < ids.length; k++) this.ids[this.idsUsed++] = ids[k]!;
    }
    this.size++;
  }

  private clear(): void {
    for (let i = 1; i < this.slots.length; i += STRIDE) this.slots[i] = EMPTY;
    this.charsUsed = 0;
    this.idsUsed = 0;
    this.size = 0;
  }
}

/** A copy of `a` with room for at least `need` items. */
function grow<T extends Uint16Array | Int32Array>(a: T, need: number): T {
  const more = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, need));
  more.set(a);
  return more;
}
