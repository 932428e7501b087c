import { describe, expect, it } from 'vitest';
import { countWords, tokenize } from '../../../src/filter/view.js';
import { hash32 } from '../../../src/text/hash.js';

describe('tokenize', () => {
  it('words are edge-stripped tokens with offsets, and their hashes are hash32 of the word', () => {
    const text = '  "Hello," she said -- it\'s 3.5 km... (really)!\n\n[1] naïve café 😀 x-ray ---';
    const t = tokenize(text, false);
    expect(t.words).toEqual(['Hello', 'she', 'said', "it's", '3.5', 'km', 'really', '1', 'naïve', 'café', 'x-ray']);
    expect(t.count).toBe(14);
    expect(t.alphaCount).toBe(9);
    for (let i = 0; i < t.n; i++) {
      expect(text.slice(t.starts[i], t.ends[i])).toBe(t.words[i]);
      expect(t.hashes[i]).toBe(hash32(t.words[i]!) | 0);
    }
    expect(countWords(text, false)).toBe(t.n);
  });

  it('splits letters of space-less scripts into one word each when asked, hashes included', () => {
    const t = tokenize('专家模型abc，好 x', true);
    expect(t.words).toEqual(['专', '家', '模', '型', 'abc', '好', 'x']);
    expect(Array.from(t.hashes.subarray(0, t.n))).toEqual(t.words.map((w) => hash32(w) | 0));
    expect(countWords('专家模型abc，好 x', true)).toBe(7);
  });
});

describe('tokenize in WebAssembly', () => {
  it('finds the tokens, offsets, hashes and counts of the JavaScript loop, surrogates and Unicode spaces included', () => {
    const pool = [
      'a',
      'Z',
      '1',
      ' ',
      '\n',
      '.',
      '-',
      "'",
      '\u00a0',
      '\u3000',
      'é',
      '专',
      '😀',
      '𝐀',
      '\ud800',
      '\udc00',
      '\u2028',
      '٣',
      'ß',
      '\ufeff',
      '\t',
    ];
    let seed = 3;
    const rand = (n: number): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    const texts = ['  "Hello," she said -- it\'s 3.5 km... (really)!\n\n[1] naïve café 😀 x-ray ---'];
    for (let k = 0; k < 2000; k++) texts.push(Array.from({ length: rand(40) }, () => pool[rand(pool.length)]).join(''));
    let words = 0;
    for (const text of texts) {
      const fast = tokenize(text, false);
      const slow = tokenize(text, false, { wasm: false });
      expect([fast.n, fast.count, fast.alphaCount], JSON.stringify(text)).toEqual([
        slow.n,
        slow.count,
        slow.alphaCount,
      ]);
      for (const k of ['starts', 'ends', 'hashes'] as const)
        expect([...fast[k].subarray(0, fast.n)], JSON.stringify(text)).toEqual([...slow[k].subarray(0, slow.n)]);
      words += fast.n;
    }
    expect(words).toBeGreaterThan(5000);
  });
});
