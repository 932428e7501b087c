import { describe, expect, it } from 'vitest';
import { gopherRepetition, ngramMeasures } from '../../../src/filter/gopher-repetition.js';
import { ngramMeasuresOfWords } from '../../../src/filter/words/ngrams.js';
import { tokenize } from '../../../src/filter/view.js';
import { filler, judge } from './judge.js';

let next = 0;
/** Unique 5-letter filler words (never repeated across calls). */
const fresh = (n: number): string[] => filler(n, 5, (next += n) - n + 1000);

/** Pads `text` with unique words (and digits for the last few characters) to exactly `len` characters. */
function padTo(text: string, len: number): string {
  const d = len - text.length;
  if (d < 6) throw new Error(`cannot pad by ${d}`);
  const m = Math.floor(d / 6);
  const r = d - 6 * m;
  const ws = fresh(m);
  ws[m - 1] += '1'.repeat(r);
  return `${text} ${ws.join(' ')}`;
}

const rep = (text: string) => judge(gopherRepetition, text);

describe('gopher-repetition at its default thresholds', () => {
  it('duplicate lines: 0.3 keeps, 4 of 11 drops (dup_line_frac)', () => {
    const lines = (dups: number): string => {
      const out: string[] = [];
      for (let i = 0; i < 6; i++) out.push(fresh(8).join(' '), ...(i <= dups ? ['ok ok'] : []));
      return out.join('\n');
    };
    expect(rep(lines(3)).measures.dup_line_frac).toBe(0.3);
    expect(rep(lines(3)).result).toBe(true);
    expect(rep(lines(4)).result).toEqual({ reason: 'dup_line_frac', value: 4 / 11 });
  });

  it('duplicate paragraphs: 0.3 keeps, 4 of 11 drops (dup_para_frac)', () => {
    const paras = (dups: number): string => {
      const out: string[] = [];
      for (let i = 0; i < 6; i++) out.push(fresh(8).join(' '), ...(i <= dups ? ['ok ok'] : []));
      return out.join('\n\n');
    };
    expect(rep(paras(3)).result).toBe(true);
    expect(rep(paras(4)).result).toEqual({ reason: 'dup_para_frac', value: 4 / 11 });
  });

  it('characters in duplicate lines: 0.2 keeps, just over drops (dup_line_char_frac)', () => {
    const a = 'x'.repeat(100);
    const base = `${a}\n${a}\n${fresh(6).join(' ')}\n${fresh(6).join(' ')}\n${fresh(4).join(' ')}`;
    expect(rep(padTo(base, 500)).measures.dup_line_char_frac).toBe(0.2);
    expect(rep(padTo(base, 500)).result).toBe(true);
    expect(rep(padTo(base, 499)).result).toEqual({ reason: 'dup_line_char_frac', value: 100 / 499 });
  });

  it('characters in duplicate paragraphs: 0.2 keeps, just over drops (dup_para_char_frac)', () => {
    const a = 'y'.repeat(100);
    const base = `${a}\n\n${a}\n\n${fresh(6).join(' ')}\n\n${fresh(6).join(' ')}\n\n${fresh(4).join(' ')}`;
    expect(rep(padTo(base, 500)).result).toBe(true);
    expect(rep(padTo(base, 499)).result).toEqual({ reason: 'dup_para_char_frac', value: 100 / 499 });
  });

  it('top 2/3/4-gram: 0.20/0.18/0.16 keep, just over drops (top_n_gram)', () => {
    for (const [n, k, total] of [
      [2, 4, 180],
      [3, 9, 700],
      [4, 8, 950],
    ] as const) {
      const gram = ['aaaa', 'bbbb', 'cccc', 'dddd'].slice(0, n).join(' ');
      const parts: string[] = [];
      for (let i = 0; i < k; i++) parts.push(gram, fresh(1)[0]!);
      const base = parts.join(' ');
      const at = rep(padTo(base, total));
      expect(at.measures[`top_${n}_gram`], `n=${n}`).toBe([0.2, 0.18, 0.16][n - 2]);
      expect(at.result, `n=${n}`).toBe(true);
      expect(rep(padTo(base, total - 1)).result).toEqual({
        reason: `top_${n}_gram`,
        value: (gram.length * k) / (total - 1),
      });
    }
  });

  it('an n-gram seen once is no repetition, however short the text', () => {
    expect(rep('one short clean sentence').measures.top_2_gram).toBe(0);
  });

  it('duplicated 5…10-grams: at the threshold keeps, just over drops (duplicated_n_n_grams)', () => {
    const thresholds = [0.15, 0.14, 0.13, 0.12, 0.11, 0.1];
    for (let n = 5; n <= 10; n++) {
      const thr = thresholds[n - 5]!;
      // K phrases of n six-letter words, each seen twice: 6·n·K duplicated characters
      // at least five phrases, so no single 3- or 4-gram covers much
      let k = 5;
      while (Math.abs((6 * n * k) / thr - Math.round((6 * n * k) / thr)) > 1e-9) k++;
      const total = Math.round((6 * n * k) / thr);
      const phrases = Array.from({ length: k }, (_, j) => filler(n, 6, 500_000 + j * 50).join(' '));
      const tokens: string[] = [];
      for (const p of [...phrases, ...phrases]) tokens.push(p, fresh(1)[0]!);
      const base = tokens.join(' ');
      const at = rep(padTo(base, total));
      expect(at.measures[`duplicated_${n}_n_grams`], `n=${n}`).toBe(thr);
      expect(at.result, `n=${n}`).toBe(true);
      expect(rep(padTo(base, total - 1)).result, `n=${n}`).toEqual({
        reason: `duplicated_${n}_n_grams`,
        value: (6 * n * k) / (total - 1),
      });
    }
  });
});

describe('n-gram measures in WebAssembly', () => {
  it('equal the JavaScript ones on random word streams with repeats, from 0 words up', () => {
    let seed = 17;
    const rand = (n: number): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    let nonZero = 0;
    for (let k = 0; k < 400; k++) {
      const w = k < 12 ? k : rand(300);
      const vocab = 2 + rand(40);
      const words = Array.from({ length: w }, () => `w${rand(vocab)}${'x'.repeat(rand(4))}`);
      // sometimes a repeated run, so longer n-grams repeat too
      if (w > 30 && rand(2)) words.splice(rand(w), 0, ...words.slice(0, 12));
      const tokens = tokenize(words.join(' '), false);
      const fast = ngramMeasures(tokens);
      expect(fast, words.join(' ')).toEqual(ngramMeasures(tokens, false));
      if (fast.duplicated[5]! > 0) nonZero += 1;
    }
    expect(nonZero).toBeGreaterThan(20);
  });
});

/** datatrove's n-gram measures as its Python reads (strings, a Counter, a set), in code points. */
function datatroveNgrams(words: string[], singletonsZero: boolean): { top: number[]; duplicated: number[] } {
  const len = (s: string): number => [...s].length;
  const top = [2, 3, 4].map((n) => {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= words.length; i++) {
      const g = words.slice(i, i + n).join(' ');
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    let best = '';
    let count = 0;
    for (const [g, c] of counts) if (c > count) [best, count] = [g, c];
    return singletonsZero && count < 2 ? 0 : len(best) * count;
  });
  const duplicated = [5, 6, 7, 8, 9, 10].map((n) => {
    const seen = new Set<string>();
    let chars = 0;
    for (let i = 0; i < words.length - n + 1; ) {
      const g = words.slice(i, i + n).join('');
      if (seen.has(g)) {
        chars += len(g);
        i += n;
      } else {
        seen.add(g);
        i += 1;
      }
    }
    return chars;
  });
  return { top, duplicated };
}

describe('n-gram measures of a word list (filter.compat: datatrove)', () => {
  it('equal datatrove’s string n-grams, words that join alike (ab c, a bc) and surrogate pairs included', () => {
    // a tiny vocabulary, so n-grams repeat at every order; one table serves every call (long then short)
    const vocab = ['ab', 'c', 'a', 'bc', 'abc', 'é', '𝒳', 'x𝒳', '.', 'the'];
    let seed = 7;
    const rand = (k: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % k;
    };
    let nonzero = 0;
    for (let t = 0; t < 300; t++) {
      const words = Array.from(
        { length: t % 7 === 0 ? 2000 : rand(80) },
        () => vocab[rand(t % 3 === 0 ? 4 : vocab.length)]!,
      );
      for (const singletonsZero of [false, true]) {
        const got = ngramMeasuresOfWords(words, singletonsZero);
        expect(got).toEqual(datatroveNgrams(words, singletonsZero));
        nonzero += got.duplicated.filter((c) => c > 0).length;
      }
    }
    expect(nonzero).toBeGreaterThan(300);
  });
});
