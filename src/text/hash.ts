/**
 * Small, fast non-cryptographic hashes for words and n-grams (pure JS: for short strings they
 * beat the cost of a call into WebAssembly).
 */

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** FNV-1a of text[from, to): `hash32` of that slice (as a signed 32-bit integer), without making it. */
export function hashRange(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let j = from; j < to; j++) h = Math.imul(h ^ text.charCodeAt(j), 0x01000193);
  return h | 0;
}

/**
 * murmur3's 32-bit finalizer: every input bit reaches every output bit. FNV-1a alone leaves
 * its high bits nearly unchanged between strings that differ only at the end (`page#41`,
 * `page#42`), so a threshold on it does not sample such ids at random.
 */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 53-bit key (exact in a double) for the `n` hashes starting at `i`: two independent 32-bit
 * mixes, the second seeded with `n`, so n-grams of different lengths get different keys.
 */
export function gramKey(h: ArrayLike<number>, i: number, n: number): number {
  let a = 0x9747b28c;
  let b = n;
  for (let j = i; j < i + n; j++) {
    a = Math.imul(a ^ h[j]!, 0x01000193);
    b = Math.imul(b + h[j]!, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff) || 1;
}

/** mulberry32: a seeded PRNG, deterministic across platforms; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
