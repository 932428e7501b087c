/**
 * Open-addressing counter over 32-bit keys in typed arrays, reused across documents: Gopher
 * repetition counts tens of n-grams per word and language ID ~1,000 trigrams per document, and
 * JS Maps of numbers were the hot spots. Keys must be hashes already (the low bits pick the
 * slot). Key 0 marks an empty slot (a real 0 key is stored as 1); the inserted slots are listed
 * in insertion order, so reading them, the top and clearing cost the number of distinct keys,
 * not the capacity.
 */
export class IntCounter {
  private keys = new Int32Array(1024);
  private counts = new Int32Array(1024);
  private first = new Int32Array(1024);
  private slots = new Int32Array(512);
  private mask = 1023;
  size = 0;
  /** The slot of the key last passed to `add` (its count stays at `countAt(slot)` until reset). */
  lastSlot = 0;

  /**
   * Empties the counter for about `expected` distinct keys. The table in use is sized to them,
   * not to the largest ever seen: a small document probing a table grown for a large one would
   * miss the cache on every key.
   */
  reset(expected: number): void {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    if (cap > this.keys.length) {
      this.keys = new Int32Array(cap);
      this.counts = new Int32Array(cap);
      this.first = new Int32Array(cap);
      this.slots = new Int32Array(cap);
    } else for (let j = 0; j < this.size; j++) this.keys[this.slots[j]!] = 0;
    this.mask = cap - 1;
    this.size = 0;
  }

  /** Adds one occurrence; returns the count after adding. `at` is kept for the first occurrence. */
  add(key0: number, at: number): number {
    const key = key0 || 1;
    let slot = key & this.mask; // keys are hashes already
    for (;;) {
      const k = this.keys[slot]!;
      if (k === key) {
        this.lastSlot = slot;
        return ++this.counts[slot]!;
      }
      if (k === 0) break;
      slot = (slot + 1) & this.mask;
    }
    this.lastSlot = slot;
    this.keys[slot] = key;
    this.counts[slot] = 1;
    this.first[slot] = at;
    this.slots[this.size++] = slot;
    return 1;
  }

  countAt(slot: number): number {
    return this.counts[slot]!;
  }

  /** The `at` given with the first occurrence of the slot's key. */
  firstAt(slot: number): number {
    return this.first[slot]!;
  }

  keyAt(slot: number): number {
    return this.keys[slot]!;
  }

  /** The slot of the j-th distinct key added (j < size). */
  slotAt(j: number): number {
    return this.slots[j]!;
  }

  /** The most frequent key's count and first position; ties go to the earliest first position. */
  top(): { count: number; at: number } {
    let count = 0;
    let at = -1;
    for (let j = 0; j < this.size; j++) {
      const s = this.slots[j]!;
      const c = this.counts[s]!;
      if (c > count || (c === count && this.first[s]! < at)) {
        count = c;
        at = this.first[s]!;
      }
    }
    return { count, at };
  }
}
