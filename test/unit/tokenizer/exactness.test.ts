import { get_encoding } from 'tiktoken';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script shared with the benchmarks
import { tiktokenToHf } from '../../../scripts/tiktoken-to-hf.mjs';
import { BpeTokenizer, translateRegex } from '../../../src/tokenizer/bpe.js';
import { realText, unicodeTorture } from './corpora.js';

describe('BPE tokenizer: exactly the ids of tiktoken', () => {
  let gpt2: BpeTokenizer;
  beforeAll(() => {
    gpt2 = new BpeTokenizer(tiktokenToHf('gpt2'));
  });

  it('translates Rust regex: case-insensitive groups, and \\s as Unicode White_Space (no BOM, with NEL)', () => {
    expect(translateRegex("(?i:'s|'t)|\\p{L}+")).toBe("(?:'[sS]|'[tT])|\\p{L}+");
    const ws = new RegExp(translateRegex('^\\s$'), 'u');
    expect([' ', '\t', '\u00a0', '\u3000', '\u0085'].every((c) => ws.test(c))).toBe(true);
    expect(ws.test('\ufeff')).toBe(false);
    expect(new RegExp(translateRegex('^[^\\s\\p{L}]$'), 'u').test('\ufeff')).toBe(true);
  });

  it('GPT-2 vocabulary: 30+ MB of real text and a Unicode torture corpus, zero mismatching documents; decode gives the text back', () => {
    const enc = get_encoding('gpt2');
    try {
      const docs = [...unicodeTorture(3000, 1), ...realText(30_500_000)];
      const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d), 0);
      expect(bytes).toBeGreaterThan(30_000_000);
      const mismatches: number[] = [];
      docs.forEach((d, i) => {
        const ours = gpt2.encode(d);
        const theirs = enc.encode_ordinary(d);
        if (ours.length !== theirs.length || ours.some((x, k) => x !== theirs[k])) mismatches.push(i);
      });
      expect(mismatches).toEqual([]);
      for (const d of docs.slice(0, 3000)) expect(gpt2.decode(gpt2.encode(d))).toBe(d.toWellFormed());
    } finally {
      enc.free();
    }
  });

  it('cl100k vocabulary (a Split pre-tokenizer with a Rust regex): the torture corpus and real text match', () => {
    const cl100k = new BpeTokenizer(tiktokenToHf('cl100k_base'));
    const enc = get_encoding('cl100k_base');
    try {
      const docs = [...unicodeTorture(2000, 2), ...realText(2_000_000)];
      const bad = docs.filter((d) => {
        const a = cl100k.encode(d);
        const b = enc.encode_ordinary(d);
        return a.length !== b.length || a.some((x, k) => x !== b[k]);
      });
      expect(bad).toEqual([]);
    } finally {
      enc.free();
    }
  });

  it('treats special-token text as ordinary text and finds the end-of-text id', () => {
    expect(gpt2.encode('<|endoftext|>')).not.toContain(50256);
    expect(gpt2.special(['<|endoftext|>'])).toBe(50256);
    expect(gpt2.decode([50256])).toBe('<|endoftext|>');
  });
});
