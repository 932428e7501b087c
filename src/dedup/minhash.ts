/**
 * MinHash (Broder 1997) with banded LSH (Indyk & Motwani 1998), as datatrove and FineWeb use it:
 * text normalised (NFKC, lower case, punctuation removed, digits → 0, whitespace collapsed),
 * word 5-gram shingles (character 5-grams for text in scripts without spaces), B bands × R rows
 * permutations (default 14 × 8 = 112: P(candidate) = 1 − (1 − J^8)^14, about 0.92 at J = 0.8).
 *
 * Shingles are hashed to 32 bits by combining per-word hashes, and each permutation is the
 * universal hash (a·x + b) mod 2^32 with seeded odd a, as accurate as 64-bit Mersenne-prime
 * permutations for Jaccard estimates and much cheaper in 32-bit arithmetic. Exact-duplicate keys use
 * xxhash-wasm's 64-bit hash of the normalised text. All seeds derive from one recorded seed.
 */
import type { MinHashParams } from '../io/signatures.js';
import { mulberry32 } from '../text/hash.js';
import { type SimdMinHash, simdMinHash } from '../kernels/minhash-simd.js';
import { SEPARATOR, UNKNOWN, unitScanner } from '../kernels/units.js';

const PUNCT = /[\p{P}\p{S}]+/gu;

/** The normalised text that shingles and exact keys are computed from. */
export function normalizeForDedup(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(PUNCT, ' ').replace(/\p{N}/gu, '0').replace(/\s+/g, ' ').trim();
}

const UNSPACED = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
const HAS_UNSPACED = new RegExp(UNSPACED.source);
const NON_ASCII = /[^\x00-\x7f]/;
const IS_SEPARATOR = /[\s\p{P}\p{S}]/u;
const IS_NUMBER = /\p{N}/u;

/**
 * Per UTF-16 code unit, what normalisation makes of it: SEPARATOR (white space, punctuation,
 * symbols), '0' for digits, else its lower case. Filled lazily beyond ASCII.
 */
const unitOf = new Int32Array(65536).fill(UNKNOWN);
for (let c = 0; c < 128; c++) classify(c);

function classify(c: number): number {
  const ch = String.fromCharCode(c);
  const l = ch.toLowerCase();
  unitOf[c] = IS_SEPARATOR.test(ch) ? SEPARATOR : IS_NUMBER.test(ch) ? 48 : l.length === 1 ? l.charCodeAt(0) : c;
  return unitOf[c]!;
}

let scratch = new Uint32Array(1 << 16);
const scanner = unitScanner(classify);

/**
 * The units of normalised text, hashed: words (or, for text mostly in scripts without spaces,
 * characters), exactly as `normalizeForDedup` then splitting and `hash32` would give, in one
 * pass over the text without building the normalised string.
 */
export function unitHashes(text: string, options: { wasm?: boolean } = {}): Uint32Array {
  const nonAscii = NON_ASCII.test(text);
  const t = nonAscii ? text.normalize('NFKC') : text;
  const cjk = HAS_UNSPACED.test(t) && (t.match(UNSPACED)?.length ?? 0) > t.length / 3;
  if (scanner && options.wasm !== false) return scanner.scan(t, cjk);
  if (scratch.length < t.length + 1) scratch = new Uint32Array(2 * t.length + 1);
  const out = scratch;
  let n = 0;
  let h = 0x811c9dc5;
  let inWord = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    let u = unitOf[c]!;
    if (u === UNKNOWN) u = classify(c);
    if (u === SEPARATOR) {
      if (inWord) out[n++] = h >>> 0;
      h = 0x811c9dc5;
      inWord = false;
    } else if (cjk) out[n++] = Math.imul(0x811c9dc5 ^ u, 0x01000193) >>> 0;
    else {
      h = Math.imul(h ^ u, 0x01000193);
      inWord = true;
    }
  }
  if (inWord) out[n++] = h >>> 0;
  return out.slice(0, n);
}

/** Hashes of the n-gram shingles of a text (word n-grams; character n-grams for space-less scripts). */
export function shingles(text: string, n: number): Uint32Array {
  return shinglesOf(unitHashes(text), n);
}

/** Shingle hashes from unit hashes: each n consecutive units combined (one shingle for fewer units). */
export function shinglesOf(h: Uint32Array, n: number): Uint32Array {
  if (h.length === 0) return new Uint32Array(0);
  const count = Math.max(1, h.length - n + 1);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    let a = 0x9747b28c ^ n;
    for (let j = i; j < Math.min(i + n, h.length); j++) a = Math.imul(a ^ h[j]!, 0x01000193) ^ (a >>> 13);
    out[i] = a >>> 0;
  }
  return out;
}

export class MinHasher {
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;
  readonly size: number;
  private readonly simd: SimdMinHash | undefined;

  constructor(
    readonly params: MinHashParams,
    options: { simd?: boolean } = {},
  ) {
    this.size = params.bands * params.rows;
    const rand = mulberry32(params.seed);
    this.a = new Uint32Array(this.size);
    this.b = new Uint32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      this.a[i] = (Math.floor(rand() * 0x100000000) | 1) >>> 0;
      this.b[i] = Math.floor(rand() * 0x100000000) >>> 0;
    }
    this.simd = options.simd === false ? undefined : simdMinHash(this.a, this.b);
  }

  /** The signature of a shingle set: for each permutation, the minimum permuted hash. */
  signature(sh: Uint32Array): Uint32Array {
    const sig = new Uint32Array(this.size).fill(0xffffffff);
    if (this.simd) {
      this.simd.signature(sh, sig);
      return sig;
    }
    for (let k = 0; k < this.size; k++) {
      const a = this.a[k]!;
      const b = this.b[k]!;
      let min = 0xffffffff;
      for (let i = 0; i < sh.length; i++) {
        const v = (Math.imul(a, sh[i]!) + b) >>> 0;
        if (v < min) min = v;
      }
      sig[k] = min;
    }
    return sig;
  }

  /** One 53-bit key per band (its R rows hashed together), the LSH bucket of that band. */
  bandKeys(sig: Uint32Array): Float64Array {
    const { bands, rows } = this.params;
    const keys = new Float64Array(bands);
    for (let band = 0; band < bands; band++) {
      let x = 0x811c9dc5 ^ band;
      let y = band + 1;
      for (let r = 0; r < rows; r++) {
        const v = sig[band * rows + r]!;
        x = Math.imul(x ^ v, 0x01000193);
        y = Math.imul(y + v, 0x5bd1e995) ^ (y >>> 15);
      }
      keys[band] = (x >>> 0) * 0x200000 + ((y >>> 0) & 0x1fffff);
    }
    return keys;
  }
}

/** MinHash estimate of the Jaccard similarity: the share of equal signature values. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : 0;
}

/** P(two documents of Jaccard similarity j become candidates) = 1 − (1 − j^R)^B. */
export function candidateProbability(j: number, bands: number, rows: number): number {
  return 1 - (1 - j ** rows) ** bands;
}

/**
 * Bands × rows (with bands·rows = `permutations`) minimising the false-positive area below
 * `threshold` plus the false-negative area above it, equally weighted (datasketch's and
 * text-dedup's choice of LSH parameters).
 */
export function bandsForThreshold(threshold: number, permutations = 112): { bands: number; rows: number } {
  const area = (f: (j: number) => number, lo: number, hi: number): number => {
    const steps = 200;
    let sum = 0;
    for (let i = 0; i < steps; i++) sum += f(lo + ((i + 0.5) * (hi - lo)) / steps);
    return (sum * (hi - lo)) / steps;
  };
  let best = { bands: 14, rows: 8, err: Number.POSITIVE_INFINITY };
  for (let rows = 1; rows <= permutations; rows++) {
    if (permutations % rows) continue;
    const bands = permutations / rows;
    const fp = area((j) => candidateProbability(j, bands, rows), 0, threshold);
    const fn = area((j) => 1 - candidateProbability(j, bands, rows), threshold, 1);
    if (fp + fn < best.err) best = { bands, rows, err: fp + fn };
  }
  return { bands: best.bands, rows: best.rows };
}
