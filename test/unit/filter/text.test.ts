import { describe, expect, it } from 'vitest';
import { countWords, duplicateSpans, layoutOf, type Spans, tokenize } from '../../../src/filter/text.js';
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
    const pool = ['a', 'Z', '1', ' ', '\n', '.', '-', "'", '\u00a0', '\u3000', 'é', '专', '😀', '𝐀', '\ud800', '\udc00', '\u2028', '٣', 'ß', '\ufeff', '\t'];
    let seed = 3;
    const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const texts = ['  "Hello," she said -- it\'s 3.5 km... (really)!\n\n[1] naïve café 😀 x-ray ---'];
    for (let k = 0; k < 2000; k++) texts.push(Array.from({ length: rand(40) }, () => pool[rand(pool.length)]).join(''));
    let words = 0;
    for (const text of texts) {
      const fast = tokenize(text, false);
      const slow = tokenize(text, false, { wasm: false });
      expect([fast.n, fast.count, fast.alphaCount], JSON.stringify(text)).toEqual([slow.n, slow.count, slow.alphaCount]);
      for (const k of ['starts', 'ends', 'hashes'] as const) expect([...fast[k].subarray(0, fast.n)], JSON.stringify(text)).toEqual([...slow[k].subarray(0, slow.n)]);
      words += fast.n;
    }
    expect(words).toBeGreaterThan(5000);
  });
});

/** The definition duplicateSpans computes by hash: items that repeat an earlier item, and their characters. */
function duplicates(items: string[]): { count: number; chars: number } {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const it of items) {
    if (seen.has(it)) {
      count += 1;
      chars += it.length;
    } else seen.add(it);
  }
  return { count, chars };
}

const spanStrings = (text: string, s: Spans): string[] => Array.from({ length: s.n }, (_, i) => text.slice(s.starts[i], s.ends[i]));

describe('layoutOf (lines and paragraphs in one scan)', () => {
  const byStrings = (text: string) => {
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
    return { lines, paragraphs, lineBreaks: text.split('\n').length - 1, dupLines: duplicates(lines), dupParagraphs: duplicates(paragraphs) };
  };
  const bySpans = (text: string) => {
    const l = layoutOf(text);
    return { lines: spanStrings(text, l.lines), paragraphs: spanStrings(text, l.paragraphs), lineBreaks: l.lineBreaks, dupLines: duplicateSpans(text, l.lines), dupParagraphs: duplicateSpans(text, l.paragraphs) };
  };

  it('equals the split/trim definitions: CRLF, blank lines of spaces, Unicode spaces, repeats', () => {
    const text = ' Title \r\n\r\nSame line.\n \t\nSame line.\n\u00a0Same line.\u3000\n\ufeff\n\u2028x\n\nTitle\nSame line.\n\n\n\n Same line.\nlast';
    const want = byStrings(text);
    expect(bySpans(text)).toEqual(want);
    expect(want.lines).toEqual(['Title', 'Same line.', 'Same line.', 'Same line.', 'x', 'Title', 'Same line.', 'Same line.', 'last']);
    expect(want.dupLines).toEqual({ count: 5, chars: 5 + 4 * 10 });
    expect(want.paragraphs).toHaveLength(6);
  });

  it('equals them on random texts over spaces, line breaks and a few letters', () => {
    const alphabet = ['a', 'b', 'ab', ' ', '\n', '\n', '\t', '\r', '\u00a0', '\u2028', '.'];
    let seed = 7;
    const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let k = 0; k < 300; k++) {
      const text = Array.from({ length: rand(60) }, () => alphabet[rand(alphabet.length)]).join('');
      expect(bySpans(text), JSON.stringify(text)).toEqual(byStrings(text));
    }
  });

  it('a hash shared by different strings falls back to comparing the strings', () => {
    const words = ['one', 'two', 'two', 'one', 'three', 'three', 'four'];
    const text = words.join('\n');
    const starts = words.map((_, i) => words.slice(0, i).join('\n').length + (i ? 1 : 0));
    const spans = { n: words.length, starts: Int32Array.from(starts), ends: Int32Array.from(starts.map((s, i) => s + words[i]!.length)), hashes: new Int32Array(words.length).fill(5) };
    expect(duplicateSpans(text, spans)).toEqual({ count: 3, chars: 3 + 3 + 5 });
  });
});
