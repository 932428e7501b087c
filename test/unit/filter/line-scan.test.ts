import { describe, expect, it } from 'vitest';
import { seededText } from './judge.js';
import {
  CHUNK_END,
  CHUNK_STRIDE,
  ChunkShape,
  FIRST,
  FLAGS,
  LAST,
  LINE_CLASS,
  LINE_END,
  LineClass,
  LONGEST,
  START,
  STRIDE,
  scanLines,
  WORDS,
} from '../../../src/filter/line-scan.js';
import { isPySpace } from '../../../src/filter/words/python.js';
import { PUNCT_UNITS } from '../../../src/text/punctuation.js';

/** Python's `str.splitlines()`, written from its documentation: the reference for the scan's lines. */
function pySplitlines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(/\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const LINE_ALPHABET = [
  'a',
  'bc',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\r',
  '\u2028',
  '\x1c',
  '\x1f',
  '\ufeff',
  '\u00a0',
  '.',
  '[1]',
  '{',
  '\ud83d\ude00',
  '\udc00',
  '\u3002',
  'x'.repeat(12),
];
const randomText = (seed: number, length: number): string => seededText(seed, length, LINE_ALPHABET);

const fields = (records: Int32Array, i: number): number[] => [...records.subarray(STRIDE * i, STRIDE * (i + 1))];

describe('the line scan', () => {
  it('gives Python splitlines() lines with their stripped bounds, words and longest word', () => {
    const texts = [
      '',
      '\n',
      'a',
      'a\n',
      'a\r\nb',
      '\r\r\n',
      ' a  bc \n\n x',
      ...Array.from({ length: 200 }, (_, k) => randomText(k + 1, k * 3)),
    ];
    for (const text of texts) {
      const records = scanLines(text, { wasm: false }).lines;
      const lines = pySplitlines(text);
      expect(records.length / STRIDE).toBe(lines.length);
      lines.forEach((line, i) => {
        const r = fields(records, i);
        expect(text.slice(r[START], r[LINE_END])).toBe(line);
        const chars = [...line].map((c) => isPySpace(c.charCodeAt(0)));
        const firstChar = chars.indexOf(false);
        expect(r[WORDS]).toBe(pyWords(line).length);
        expect(r[LONGEST]).toBe(Math.max(0, ...pyWords(line).map((w) => w.length)));
        if (firstChar < 0) expect([r[FIRST], r[LAST]]).toEqual([-1, -1]);
        else expect(text.slice(r[FIRST], r[LAST]! + 1)).toBe(pyStripRef(line));
        let flags = 0;
        for (let j = 0; j < line.length; j++) flags |= LINE_CLASS[line.charCodeAt(j)]!;
        expect(r[FLAGS]).toBe(flags);
      });
    }
  });

  it('gives the same records in WebAssembly as in JavaScript, over many batches of lines', () => {
    const texts = [
      ...Array.from({ length: 100 }, (_, k) => randomText(500 + k, 400)),
      randomText(7, 60_000),
      '\n'.repeat(9000),
      'a b\r\n'.repeat(5000),
    ];
    for (const text of texts) {
      const wasm = scanLines(text);
      const js = scanLines(text, { wasm: false });
      expect([...wasm.lines]).toEqual([...js.lines]);
      expect([...wasm.chunks]).toEqual([...js.chunks]);
    }
    expect(scanLines('a b\r\n'.repeat(5000)).lines.length).toBe(5000 * STRIDE);
    expect(scanLines('a. b\r\n'.repeat(5000)).chunks.length).toBe(5000 * CHUNK_STRIDE);
  });

  it('has the punctuation and white space of the regular expressions, unit by unit', () => {
    const mismatched: number[] = [];
    for (let c = 0; c < 65536; c++) {
      const ch = String.fromCharCode(c);
      const surrogate = c >= 0xd800 && c <= 0xdfff;
      if (PUNCT_UNITS[c] !== (!surrogate && /\p{P}/u.test(ch) ? 1 : 0)) mismatched.push(c);
      const odd = isPySpace(c) !== /\s/.test(ch);
      if (!(LINE_CLASS[c]! & LineClass.BREAK) && ((LINE_CLASS[c]! & LineClass.ODD_SPACE) !== 0) !== odd)
        mismatched.push(c);
    }
    expect(mismatched).toEqual([]);
    expect(PUNCT_UNITS.reduce((a, b) => a + b, 0)).toBeGreaterThan(600); // 628 in the BMP (Node 20)
  });

  it('marks the classes the rules read', () => {
    const flags = scanLines(' see [1] {x}. \ud83d\ude00 end').lines[FLAGS]!;
    const { BRACKET, CURLY, MAY_END, LOW, PY_SPACE, NOT_PUNCT, BREAK, ODD_SPACE } = LineClass;
    for (const bit of [BRACKET, CURLY, MAY_END, LOW, PY_SPACE, NOT_PUNCT]) expect(flags & bit).toBe(bit);
    expect(flags & (BREAK | ODD_SPACE)).toBe(0);
    expect(scanLines('a\x1fb').lines[FLAGS]! & ODD_SPACE).toBe(ODD_SPACE);
    expect(scanLines('...').lines[FLAGS]! & NOT_PUNCT).toBe(0);
  });

  it('writes a chunk record for each word that may hold a sentence end, with its shape', () => {
    const text = 'plain words here\nend. v1.2 .x (see). Wait!? a\u00e9. \ud83d\ude00 \u3002\nlast line';
    const { lines, chunks } = scanLines(text);
    const shapes = (c: Int32Array): Array<[string, number]> =>
      Array.from({ length: c.length / CHUNK_STRIDE }, (_, j) => [
        text.slice(c[CHUNK_STRIDE * j], c[CHUNK_STRIDE * j + 1]),
        c[CHUNK_STRIDE * j + 2]! & ~0xff,
      ]);
    const { HIGH, DOT_NOT_AFTER_ALNUM, BANG_INSIDE, SURROGATE, DOT_NOT_BEFORE_LOWER, CONTROL } = ChunkShape;
    expect(shapes(chunks)).toEqual([
      ['end.', 0],
      ['v1.2', 0],
      ['.x', DOT_NOT_AFTER_ALNUM],
      ['(see).', DOT_NOT_AFTER_ALNUM],
      ['Wait!?', BANG_INSIDE],
      ['a\u00e9.', HIGH | DOT_NOT_AFTER_ALNUM],
      ['\ud83d\ude00', HIGH | SURROGATE],
      ['\u3002', HIGH],
    ]);
    expect(shapes(scanLines(text, { wasm: false }).chunks)).toEqual(shapes(chunks));
    // the lines' chunk counts: none, all eight, none more
    expect([0, 1, 2].map((i) => lines[STRIDE * i + CHUNK_END])).toEqual([0, 8, 8]);
    const bitsOf = (t: string): number[] =>
      [...scanLines(t).chunks].filter((_, k) => k % CHUNK_STRIDE === 2).map((b) => b & ~0xff);
    expect(bitsOf('a.b. x.. y')).toEqual([0, DOT_NOT_AFTER_ALNUM | DOT_NOT_BEFORE_LOWER]);
    expect(bitsOf('a\u0001b.')).toEqual([CONTROL]);
  });
});

/** Python's `str.split()` (no argument) and `str.strip()`, for the test. */
function pyWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  for (const c of line) {
    if (c.length === 1 && isPySpace(c.charCodeAt(0))) {
      if (word) words.push(word);
      word = '';
    } else word += c;
  }
  if (word) words.push(word);
  return words;
}

function pyStripRef(line: string): string {
  let a = 0;
  let b = line.length;
  while (a < b && isPySpace(line.charCodeAt(a))) a++;
  while (b > a && isPySpace(line.charCodeAt(b - 1))) b--;
  return line.slice(a, b);
}
