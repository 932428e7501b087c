/**
 * The Gopher n-gram measures on a word list, as datatrove computes them (`filter.compat:
 * datatrove`, or moe's setting with its whitespace words charged for singletons): n-grams are
 * keyed by their words' ids (the top 2/3/4-gram) or by their joined characters (duplicated
 * 5…10-grams), both through one open-addressing table of hashes, each match confirmed.
 */
import { cpLength } from './python.js';

export const TOP_N = [2, 3, 4] as const;
export const DUP_N = [5, 6, 7, 8, 9, 10] as const;

/**
 * Groups of equal n-grams by a hash, checked equal by `same` (a hash is no proof): an
 * open-addressing table in typed arrays, groups numbered in order of first occurrence. One table
 * serves every order of every document (`reset` clears it), so the hot loop allocates nothing.
 */
class NgramGroups {
  /** Slot → group + 1 (0: empty); a power of two at least twice the n-grams. */
  private slots = new Int32Array(1 << 10);
  private mask = 0;
  private shift = 0;
  private hashes = new Int32Array(1 << 9);
  /** Position of each group's first n-gram, and its count. */
  first = new Int32Array(1 << 9);
  counts = new Int32Array(1 << 9);
  size = 0;
  /** Whether the last `find` made a new group. */
  fresh = false;
  private same: (i: number, j: number) => boolean = () => false;

  /** Empty, for up to `n` n-grams compared by `same`. */
  reset(n: number, same: (i: number, j: number) => boolean): void {
    if (this.first.length < n) {
      const cap = 1 << Math.ceil(Math.log2(n));
      this.hashes = new Int32Array(cap);
      this.first = new Int32Array(cap);
      this.counts = new Int32Array(cap);
      this.slots = new Int32Array(cap * 2);
    } else this.counts.fill(0, 0, this.size);
    // the slots in use: a power of two at least twice n (a short text clears only a few)
    const slots = Math.max(1 << 10, 2 << Math.ceil(Math.log2(n)));
    this.slots.fill(0, 0, slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
    this.size = 0;
    this.same = same;
  }

  /** The group of the n-gram at `i`, made when there is none (then `fresh`). */
  find(hash: number, i: number): number {
    const { slots, mask, hashes, first } = this;
    // the hash's top bits (Fibonacci hashing) pick the first slot
    let at = Math.imul(hash, 0x9e3779b1) >>> this.shift;
    for (let s = slots[at]!; s !== 0; s = slots[at]!) {
      const g = s - 1;
      if (hashes[g] === hash && this.same(first[g]!, i)) {
        this.fresh = false;
        return g;
      }
      at = (at + 1) & mask;
    }
    const g = this.size++;
    slots[at] = g + 1;
    hashes[g] = hash;
    first[g] = i;
    this.fresh = true;
    return g;
  }
}

const groups = new NgramGroups();

/**
 * Each word's id (in order of first occurrence) and, per id, its length in code points, the
 * polynomial hash of its code units and B^(its code units) mod 2^32 (so n-gram hashes of the
 * joined characters grow a word at a time).
 */
function wordIds(words: readonly string[]): {
  ids: Int32Array;
  lengths: Float64Array;
  charHash: Int32Array;
  shift: Int32Array;
} {
  const W = words.length;
  const ids = new Int32Array(W);
  const lengths = new Float64Array(W);
  const charHash = new Int32Array(W);
  const shift = new Int32Array(W);
  const idOf = new Map<string, number>();
  for (let i = 0; i < W; i++) {
    const w = words[i]!;
    let id = idOf.get(w);
    if (id === undefined) {
      idOf.set(w, (id = idOf.size));
      lengths[id] = cpLength(w);
      let h = 0;
      let p = 1;
      for (let k = 0; k < w.length; k++) {
        h = (Math.imul(h, 0x01000193) + w.charCodeAt(k)) | 0;
        p = Math.imul(p, 0x01000193);
      }
      charHash[id] = h;
      shift[id] = p;
    }
    ids[i] = id;
  }
  return { ids, lengths, charHash, shift };
}

/**
 * datatrove's n-gram measures on a word list (spaCy's words for `filter.compat: datatrove`): the
 * top n-gram is the words joined by a space, the most frequent, the first seen on a tie, charged
 * even when it occurs once (unless `singletonsZero`); a duplicated n-gram is keyed by its words
 * joined with nothing (so `ab c` repeats `a bc`, as in datatrove), the scan jumping past each
 * duplicate. Lengths in code points. N-grams are hashed from their words' hashes (a polynomial
 * hash of the joined characters, whatever the split) and compared before they are counted equal.
 */
export function ngramMeasuresOfWords(
  words: readonly string[],
  singletonsZero = false,
): { top: number[]; duplicated: number[] } {
  const W = words.length;
  const { ids, lengths, charHash, shift } = wordIds(words);
  // tupleHash[i], joinedHash[i]: of the n-gram at i for the current order
  const tupleHash = Int32Array.from(ids, (id) => Math.imul(id + 1, 0x9e3779b1));
  const joinedHash = Int32Array.from(ids, (id) => charHash[id]!);
  let order = 1;
  const grow = (n: number): void => {
    for (; order < n; order++) {
      for (let i = 0; i + order < W; i++) {
        const w = i + order;
        tupleHash[i] = Math.imul(tupleHash[i]! ^ Math.imul(ids[w]! + 1, 0x85ebca6b), 0x01000193) + order;
        const id = ids[w]!;
        joinedHash[i] = (Math.imul(joinedHash[i]!, shift[id]!) + charHash[id]!) | 0;
      }
    }
  };
  const charsAt = (i: number, n: number): number => {
    let c = 0;
    for (let k = i; k < i + n; k++) c += lengths[ids[k]!]!;
    return c;
  };
  const sameWords = (a: number, b: number, n: number): boolean => {
    for (let k = 0; k < n; k++) if (ids[a + k] !== ids[b + k]) return false;
    return true;
  };
  const top = TOP_N.map((n) => {
    if (W < n) return 0;
    grow(n);
    groups.reset(W - n + 1, (a, b) => sameWords(a, b, n));
    const { counts } = groups;
    for (let i = 0; i + n <= W; i++) counts[groups.find(tupleHash[i]!, i)]! += 1;
    let best = 0;
    for (let g = 1; g < groups.size; g++) if (counts[g]! > counts[best]!) best = g;
    const count = counts[best]!;
    if (singletonsZero && count < 2) return 0;
    return (charsAt(groups.first[best]!, n) + n - 1) * count; // the words and the spaces between them
  });
  const duplicated = DUP_N.map((n) => {
    if (W < n) return 0;
    grow(n);
    const joined = (i: number): string => words.slice(i, i + n).join('');
    // the same words join the same (most duplicates); other words may still join the same
    groups.reset(W - n + 1, (a, b) => sameWords(a, b, n) || joined(a) === joined(b));
    let chars = 0;
    for (let i = 0; i < W - n + 1; ) {
      // an n-gram seen before is a duplicate (the scan jumps past it); a new one joins the table
      groups.find(joinedHash[i]!, i);
      if (groups.fresh) i += 1;
      else {
        chars += charsAt(i, n);
        i += n;
      }
    }
    return chars;
  });
  return { top, duplicated };
}
