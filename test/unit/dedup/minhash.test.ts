import { describe, expect, it } from 'vitest';
import { Clusters } from '../../../src/dedup/clusters.js';
import { exactJaccard } from '../../../src/dedup/verify.js';
import {
  bandsForThreshold,
  candidateProbability,
  estimateJaccard,
  MinHasher,
  normalizeForDedup,
  shingles,
  unitHashes,
} from '../../../src/dedup/minhash.js';
import { hash32, mulberry32 } from '../../../src/text/hash.js';

describe('normalisation and shingles', () => {
  it('lower-cases, applies NFKC, strips punctuation, maps digits to 0 and collapses whitespace', () => {
    expect(normalizeForDedup('The ＡＢＣ, costs $12.50!\n\n  Really?')).toBe('the abc costs 00 00 really');
  });
  it('hashes the normalised units in one pass exactly as normalising, splitting and hashing would', () => {
    for (const t of [
      'The ＡＢＣ, costs $12.50!\n\n  Really?',
      'Ünïcödé — «quotes» and naïve café 42',
      'tabs\tand\u00a0spaces',
      '',
      '!!!',
      'e\u0301t\u00e9 ÉTÉ',
    ]) {
      const words = normalizeForDedup(t).split(' ').filter(Boolean);
      expect(Array.from(unitHashes(t)), JSON.stringify(t)).toEqual(words.map(hash32));
    }
    const zh = '混合专家模型，把前馈网络2个';
    expect(Array.from(unitHashes(zh))).toEqual(Array.from(normalizeForDedup(zh).replace(/ /g, '')).map(hash32));
  });

  it('the WebAssembly scan gives exactly the JavaScript unit hashes, beyond the BMP and for space-less scripts too', () => {
    const rand = mulberry32(9);
    const alphabet = [
      'a',
      'Z',
      ' ',
      '\n',
      '.',
      '—',
      'é',
      'İ',
      'ß',
      '混',
      '合',
      '😀',
      '𝐀',
      '\u00a0',
      '7',
      '٣',
      'ǅ',
      '\u0e01',
      "'",
      '\t',
    ];
    const samples = [
      '',
      '!!!',
      'emoji 😀 test 𝐀𝐁 ok',
      'ΣΊΣΥΦΟΣ İstanbul ǅ',
      '混合专家模型，把前馈网络2个',
      'lone \ud800 surrogate',
      'x'.repeat(100000),
    ];
    for (let k = 0; k < 200; k++)
      samples.push(
        Array.from({ length: Math.floor(rand() * 60) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''),
      );
    for (const t of samples)
      expect(Array.from(unitHashes(t)), JSON.stringify(t.slice(0, 40))).toEqual(
        Array.from(unitHashes(t, { wasm: false })),
      );
  });

  it('makes word 5-grams, and character 5-grams for Chinese', () => {
    expect(shingles('a b c d e f', 5)).toHaveLength(2);
    expect(shingles('a b c', 5)).toHaveLength(1);
    expect(shingles('', 5)).toHaveLength(0);
    expect(shingles('混合专家模型把前馈网络', 5)).toHaveLength(7);
    expect(shingles('a b c d e f', 5)[0]).toBe(shingles('a b c d e x', 5)[0]);
  });
});

describe('MinHash signatures', () => {
  it('the WebAssembly SIMD kernel gives exactly the scalar signatures, for any number of permutations', () => {
    const rand = mulberry32(3);
    for (const [bands, rows] of [
      [14, 8],
      [20, 5],
      [3, 1],
      [9, 13],
    ] as const) {
      const params = { bands, rows, ngram: 5, seed: 11 };
      const simd = new MinHasher(params);
      const scalar = new MinHasher(params, { simd: false });
      for (const n of [0, 1, 7, 1000, 70000]) {
        const sh = Uint32Array.from({ length: n }, () => Math.floor(rand() * 2 ** 32));
        const a = simd.signature(sh);
        expect(a).toHaveLength(bands * rows);
        expect(Array.from(a)).toEqual(Array.from(scalar.signature(sh)));
      }
    }
    // a known value: one shingle x gives (a·x + b) mod 2^32 per permutation
    const m = new MinHasher({ bands: 1, rows: 1, ngram: 5, seed: 1 }, { simd: false });
    const one = new MinHasher({ bands: 1, rows: 1, ngram: 5, seed: 1 }).signature(Uint32Array.of(0));
    expect(one[0]).toBe(m.signature(Uint32Array.of(0))[0]);
    expect(new MinHasher({ bands: 2, rows: 2, ngram: 5, seed: 1 }).signature(new Uint32Array(0))).toEqual(
      new Uint32Array(4).fill(0xffffffff),
    );
  });
});

describe('MinHash LSH', () => {
  it('defaults to 14 × 8, the S-curve FineWeb uses, and picks bands for a threshold', () => {
    expect(bandsForThreshold(0.7)).toEqual({ bands: 14, rows: 8 });
    expect(candidateProbability(0.8, 14, 8)).toBeCloseTo(0.9235, 4);
    expect(candidateProbability(0.4, 14, 8)).toBeLessThan(0.01);
  });

  it('estimates Jaccard similarity within the theoretical error', () => {
    const m = new MinHasher({ bands: 14, rows: 8, ngram: 5, seed: 1 });
    const rand = mulberry32(42);
    for (const j of [0.2, 0.5, 0.8]) {
      const { a, b } = pair(rand, 1000, j);
      const est = estimateJaccard(m.signature(a), m.signature(b));
      expect(Math.abs(est - j)).toBeLessThan(4 * Math.sqrt((j * (1 - j)) / 112) + 0.01);
    }
  });

  it('detects pairs at the rate of the theoretical curve 1 − (1 − J^8)^14, within sampling error', () => {
    const m = new MinHasher({ bands: 14, rows: 8, ngram: 5, seed: 7 });
    const rand = mulberry32(1234);
    const trials = 300;
    for (const j of [0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) {
      let hits = 0;
      for (let t = 0; t < trials; t++) {
        const { a, b } = pair(rand, 400, j);
        const ka = m.bandKeys(m.signature(a));
        const kb = m.bandKeys(m.signature(b));
        if (ka.some((k, i) => k === kb[i])) hits++;
      }
      const p = candidateProbability(j, 14, 8);
      const sigma = Math.sqrt((p * (1 - p)) / trials);
      expect(Math.abs(hits / trials - p), `J=${j}: ${hits}/${trials} vs ${p.toFixed(3)}`).toBeLessThanOrEqual(
        4 * sigma + 0.02,
      );
    }
  });
});

/** Two random shingle sets of `size` elements with Jaccard similarity as close to `j` as integers allow. */
function pair(rand: () => number, size: number, j: number): { a: Uint32Array; b: Uint32Array } {
  const shared = Math.round((2 * size * j) / (1 + j));
  const draw = (): number => Math.floor(rand() * 0x100000000) >>> 0;
  const common = Array.from({ length: shared }, draw);
  const a = Uint32Array.from([...common, ...Array.from({ length: size - shared }, draw)]);
  const b = Uint32Array.from([...common, ...Array.from({ length: size - shared }, draw)]);
  return { a, b };
}

describe('exactJaccard', () => {
  it('is |A ∩ B| / |A ∪ B| of sorted sets', () => {
    expect(exactJaccard(Uint32Array.from([1, 2, 3, 4]), Uint32Array.from([3, 4, 5, 6]))).toBeCloseTo(2 / 6);
    expect(exactJaccard(Uint32Array.from([]), Uint32Array.from([]))).toBe(1);
    expect(exactJaccard(Uint32Array.from([1]), Uint32Array.from([2]))).toBe(0);
  });
});

describe('Clusters', () => {
  it('keeps the earliest document as the root, whatever order pairs arrive in', () => {
    const orders = [
      [
        [14, 12],
        [11, 13],
        [12, 13],
      ],
      [
        [12, 13],
        [13, 11],
        [14, 12],
      ],
    ];
    for (const pairs of orders) {
      const c = new Clusters(10, 6, () => -1);
      for (const [a, b] of pairs) c.union(a!, b!);
      expect([10, 11, 12, 13, 14, 15].map((s) => c.find(s))).toEqual([10, 11, 11, 11, 11, 15]);
    }
  });
  it('joins this batch to earlier clusters, and reports earlier clusters it bridges', () => {
    // earlier documents 0..9: clusters rooted at 2 (members 2, 5) and 3 (members 3, 7)
    const stored = new Map([
      [2, 2],
      [5, 2],
      [3, 3],
      [7, 3],
    ]);
    const c = new Clusters(10, 3, (s) => stored.get(s) ?? s);
    c.union(10, 5); // a new document joins cluster 2
    c.union(11, 10);
    c.union(11, 7); // and bridges it to cluster 3
    expect([10, 11, 12].map((s) => c.find(s))).toEqual([2, 2, 12]);
    expect(c.bridged()).toEqual([[3, 2]]);
  });
});
