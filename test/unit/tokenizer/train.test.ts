import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from '../../../src/tokenizer/byte-level.js';
import { BpeTokenizer } from '../../../src/tokenizer/bpe.js';
import { countWords, trainBpe } from '../../../src/tokenizer/train.js';
import { readTexts } from '../../../src/io/texts.js';
import { FIXTURES } from '../../helpers.js';

/** The textbook algorithm: recount every pair after every merge (slow, obviously right). */
function naiveMerges(words: Map<string, number>, merges: number): string[] {
  let ws = [...words].map(([w, n]) => ({ syms: Array.from(w), n }));
  const out: string[] = [];
  const rank = new Map<string, number>([...BYTE_TO_CHAR].map((c, i) => [c, i + 1])); // ids as the trainer gives them (1 special first)
  for (let m = 0; m < merges; m++) {
    const counts = new Map<string, number>();
    for (const { syms, n } of ws)
      for (let i = 0; i + 1 < syms.length; i++)
        counts.set(`${syms[i]} ${syms[i + 1]}`, (counts.get(`${syms[i]} ${syms[i + 1]}`) ?? 0) + n);
    let best: string | undefined;
    let bestN = 0;
    for (const [p, n] of counts) {
      const [a, b] = p.split(' ');
      const key = [rank.get(a!)!, rank.get(b!)!];
      const bk = best ? best.split(' ').map((x) => rank.get(x)!) : [Infinity, Infinity];
      if (n > bestN || (n === bestN && (key[0]! < bk[0]! || (key[0] === bk[0] && key[1]! < bk[1]!)))) {
        best = p;
        bestN = n;
      }
    }
    if (!best || bestN < 2) break;
    out.push(best);
    const [a, b] = best.split(' ') as [string, string];
    rank.set(a + b, rank.size + 1);
    ws = ws.map(({ syms, n }) => {
      const r: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          r.push(a + b);
          i++;
        } else r.push(syms[i]!);
      }
      return { syms: r, n };
    });
  }
  return out;
}

describe('moe tokenizer train', () => {
  it('learns the same merges as the textbook algorithm, deterministically', async () => {
    const { words } = await countWords(readTexts(join(FIXTURES, 'quality/clean-train.txt')), 'gpt2');
    const json = trainBpe(words, {
      vocabSize: 257 + 120,
      pattern: 'gpt2',
      specialTokens: ['<|endoftext|>'],
      minFrequency: 2,
    });
    expect(json.model.merges).toEqual(naiveMerges(words, 120));
    expect(
      JSON.stringify(
        trainBpe(words, { vocabSize: 257 + 120, pattern: 'gpt2', specialTokens: ['<|endoftext|>'], minFrequency: 2 }),
      ),
    ).toBe(JSON.stringify(json));
  });

  it('writes a tokenizer.json that loads, encodes shorter than bytes and decodes back', async () => {
    for (const pattern of ['gpt2', 'llama3', 'deepseek'] as const) {
      const { words } = await countWords(readTexts(join(FIXTURES, 'quality')), pattern);
      const json = trainBpe(words, {
        vocabSize: 800,
        pattern,
        specialTokens: ['<|endoftext|>', '<|pad|>'],
        minFrequency: 2,
      });
      expect(Object.keys(json.model.vocab)).toHaveLength(800);
      const tok = new BpeTokenizer(json);
      const text =
        'The harbour master keeps a logbook in which every arriving boat is recorded, 12345 times — 混合专家。';
      const ids = tok.encode(text);
      expect(ids.length).toBeLessThan(Buffer.byteLength(text) * 0.6);
      expect(tok.decode(ids)).toBe(text);
      expect(tok.special(['<|endoftext|>'])).toBe(0);
    }
  });
});
