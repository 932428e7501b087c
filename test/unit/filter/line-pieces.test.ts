import { describe, expect, it } from 'vitest';
import { seededText } from './judge.js';
import {
  cpLength,
  cpLengthRange,
  endsWithOneOf,
  findDuplicateSpans,
  findDuplicates,
  lineFeedPieces,
  TERMINAL_PUNCTUATION,
} from '../../../src/filter/words/python.js';

const PIECE_ALPHABET = ['a', 'b', ' ', '\n', '\n', '\n', '.', '\u00e9', '\ud83d\ude00', '\ud83d', '\ude00', '\r'];
const randomText = (seed: number, length: number): string => seededText(seed, length, PIECE_ALPHABET);

const pieceStrings = (text: string, p: ReturnType<typeof lineFeedPieces>): string[] =>
  Array.from({ length: p.n }, (_, i) => text.slice(p.starts[i], p.ends[i]));

describe('pieces between line feeds', () => {
  it('are split(/\\n+/) and split(/\\n{2,}/) as ranges, in WebAssembly and in JavaScript alike', () => {
    const fixed = ['', '\n', '\n\n\n', 'a', 'a\n', '\na', 'a\n\nb\nc\n\n\nd', 'x\ny\n\n'];
    const texts = [...fixed, ...Array.from({ length: 300 }, (_, k) => randomText(k + 1, k % 60))];
    for (const text of texts) {
      for (const minRun of [1, 2]) {
        const expected = text.split(minRun === 1 ? /\n+/ : /\n{2,}/);
        const wasm = lineFeedPieces(text, 0, text.length, minRun);
        const js = lineFeedPieces(text, 0, text.length, minRun, { wasm: false });
        expect(pieceStrings(text, wasm)).toEqual(expected);
        expect(pieceStrings(text, js)).toEqual(expected);
        expect([...wasm.hashes]).toEqual([...js.hashes]);
      }
    }
  });

  it('of a range of the text start and end within it', () => {
    const text = '\n\n a\n\nb \n\n';
    const p = lineFeedPieces(text, 2, 8, 2);
    expect(pieceStrings(text, p)).toEqual([' a', 'b ']);
    expect([...p.starts]).toEqual([2, 6]);
  });

  it('give the duplicates (count, code points) that the string sets give', () => {
    let duplicated = 0;
    for (let k = 0; k < 300; k++) {
      const text = randomText(1000 + k, 200);
      for (const minRun of [1, 2]) {
        const pieces = lineFeedPieces(text, 0, text.length, minRun);
        const expected = findDuplicates(pieceStrings(text, pieces));
        expect(findDuplicateSpans(text, pieces)).toEqual(expected);
        duplicated += expected.count;
      }
    }
    // the texts do repeat lines, so the comparison is not of zeros
    expect(duplicated).toBeGreaterThan(1000);
  });

  it('can skip pieces (blank lines) and still count only equal ones', () => {
    const text = 'a\n \nb\n \na\n\ud83d\ude00x\n\ud83d\ude00x';
    const pieces = lineFeedPieces(text, 0, text.length, 1);
    expect(findDuplicateSpans(text, pieces)).toEqual({ count: 3, chars: 1 + 1 + 2 });
    expect(
      findDuplicateSpans(
        text,
        pieces,
        Uint8Array.from({ length: pieces.n }, (_, i) =>
          text.slice(pieces.starts[i], pieces.ends[i]).trim() === '' ? 1 : 0,
        ),
      ),
    ).toEqual({
      count: 2,
      chars: 1 + 2,
    });
  });
});

describe('Python lengths and ends of a range', () => {
  it('count code points as cpLength does, lone surrogates as one each', () => {
    for (let k = 0; k < 200; k++) {
      const text = randomText(5000 + k, 40);
      for (const [a, b] of [
        [0, text.length],
        [1, text.length - 1],
        [3, 17],
      ] as const) {
        if (b < a) continue;
        expect(cpLengthRange(text, a, b)).toBe(cpLength(text.slice(a, b)));
      }
    }
  });

  it('see the last character of the range, a pair as one', () => {
    expect(endsWithOneOf('ab.', TERMINAL_PUNCTUATION, 0, 3)).toBe(true);
    expect(endsWithOneOf('ab.', TERMINAL_PUNCTUATION, 0, 2)).toBe(false);
    expect(endsWithOneOf('x\u{11047}', TERMINAL_PUNCTUATION)).toBe(true); // a Brahmi danda, beyond the BMP
    expect(endsWithOneOf('x\u{11047}', TERMINAL_PUNCTUATION, 2, 3)).toBe(false); // its low half alone
    expect(endsWithOneOf('.\udc00', TERMINAL_PUNCTUATION)).toBe(false); // a lone low surrogate is a character of its own
    expect(endsWithOneOf('', TERMINAL_PUNCTUATION)).toBe(false);
  });
});
