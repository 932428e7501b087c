import { describe, expect, it } from 'vitest';
import { GPT2_PATTERN, regexSplitter, translateRegex } from '../../../src/tokenizer/split.js';
import { hashRange, PieceCache } from '../../../src/tokenizer/piece-cache.js';
import { scanGpt2 } from '../../../src/tokenizer/scan.js';
import { mulberry32 } from '../../../src/text/hash.js';
import { realText, unicodeTorture } from './corpora.js';

/** GPT-2's pattern as a JavaScript regular expression, the reference for the scanner. */
const byRegex = (() => {
  const re = new RegExp(translateRegex(GPT2_PATTERN), 'gu');
  return (s: string): string[] => Array.from(s.matchAll(re), (m) => m[0]);
})();
const byScan = (s: string): string[] => {
  const out: string[] = [];
  scanGpt2(s, (t, a, b) => out.push(t.slice(a, b)));
  return out;
};

describe("GPT-2's split pattern, scanned by hand", () => {
  it('cuts pieces where the regular expression does', () => {
    expect(byScan("Hello world's  end\n\n  x 42!! ")).toEqual([
      'Hello',
      ' world',
      "'s",
      ' ',
      ' end',
      '\n\n ',
      ' x',
      ' 42',
      '!!',
      ' ',
    ]);
    expect(byScan('')).toEqual([]);
  });

  it('agrees with the regular expression on every BMP character in every position, and on astral ones', () => {
    const bad: number[] = [];
    const check = (s: string, c: number): void => {
      const a = byRegex(s);
      const b = byScan(s);
      if (a.length !== b.length || a.some((x, k) => x !== b[k])) bad.push(c);
    };
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      check(` ${ch}a ${ch}${ch}  ${ch}1'${ch}\t${ch}`, c);
    }
    for (let c = 0x10000; c < 0x30000; c += 13) {
      const ch = String.fromCodePoint(c);
      check(` ${ch}a ${ch}${ch}  ${ch}1 ${ch}`, c);
    }
    expect(bad).toEqual([]);
  });

  it('agrees on random strings of spaces, contractions, letters, digits, marks, emoji and lone surrogates', () => {
    const alphabet = [
      ' ',
      '  ',
      '\n',
      '\r\n',
      '\t',
      '\u00a0',
      '\u0085',
      '\u3000',
      '\ufeff',
      "'",
      "'s",
      "'re",
      "'ll",
      "'S",
      "'ve",
      "'d",
      'a',
      'é',
      'e\u0301',
      '1',
      '٣',
      '½',
      '!',
      '..',
      '😀',
      '👩‍👩‍👧',
      '𝔘',
      '𝟙',
      '\ud800',
      '\udc00',
      '中',
      '\u200b',
      '\u2028',
      '_',
    ];
    const rand = mulberry32(7);
    const docs = [...unicodeTorture(500, 3), ...realText(2_000_000)];
    for (let i = 0; i < 50_000; i++) {
      let s = '';
      for (let k = Math.floor(rand() * 12); k > 0; k--) s += alphabet[Math.floor(rand() * alphabet.length)];
      docs.push(s);
    }
    expect(docs.filter((d) => byScan(d).join('\u0000') !== byRegex(d).join('\u0000'))).toEqual([]);
    // the splitter that byte-level files use takes the scanner for this pattern: same pieces
    const splitter = regexSplitter(translateRegex(GPT2_PATTERN), 'Isolated', false);
    expect(splitter(['a b', " it's"])).toEqual(['a', ' b', ' it', "'s"]);
  });
});

describe('the piece cache', () => {
  it('finds a piece by its place in a text, keeps one id or many, and starts again empty at its limit', () => {
    const cache = new PieceCache(3);
    const text = 'xx hello world';
    const at = (s: string, a: number, b: number): number[] | undefined => {
      const slot = cache.find(s, a, b, hashRange(s, a, b));
      if (slot < 0) return undefined;
      const out: number[] = [];
      cache.copy(slot, out);
      return out;
    };
    cache.add(text, 2, 8, hashRange(text, 2, 8), [31, 32]);
    cache.add('world', 0, 5, hashRange('world', 0, 5), [9]);
    expect(at(' hello', 0, 6)).toEqual([31, 32]);
    expect(at(text, 8, 14)).toBeUndefined(); // ' world' is not 'world'
    expect(at(text, 9, 14)).toEqual([9]);
    expect(at('hello', 0, 5)).toBeUndefined();
    cache.add('', 0, 0, hashRange('', 0, 0), []);
    expect(at('abc', 1, 1)).toEqual([]);
    // the fourth piece finds the cache full: it is emptied first
    cache.add('z', 0, 1, hashRange('z', 0, 1), [5, 6, 7]);
    expect(at(' hello', 0, 6)).toBeUndefined();
    expect(at('z', 0, 1)).toEqual([5, 6, 7]);
  });
});
