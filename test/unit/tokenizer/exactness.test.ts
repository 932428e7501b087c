import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { get_encoding } from 'tiktoken';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script shared with the benchmarks
import { tiktokenToHf } from '../../../scripts/tiktoken-to-hf.mjs';
import { BpeTokenizer, translateRegex } from '../../../src/tokenizer/bpe.js';
import { mulberry32 } from '../../../src/text/hash.js';
import { ROOT } from '../../helpers.js';

/** Text that breaks tokenizers: BOMs, exotic spaces, combining marks, emoji sequences, CJK, RTL, lone surrogates. */
export function unicodeTorture(n: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const pieces = [
    '\ufeffStarts with a BOM', 'no\u00a0break\u2009thin\u202fnarrow\u3000ideographic\u2028line\u2029para', 'e\u0301 a\u0308 n\u0303 \u1100\u1161\u11a8 Z\u0336\u0335a\u0337l\u0338g\u0334o',
    '👨‍👩‍👧‍👦 family 🏳️‍🌈 flag 👍🏽 tone 🇯🇵 🇩🇪 keycap 1️⃣', '混合专家模型把前馈网络拆分成许多较小的专家。', '日本語のテキストとカタカナ、ひらがな。', '한국어 텍스트도 있습니다.',
    'مرحبا بالعالم، هذا نص عربي.', 'שלום עולם \u200fמימין לשמאל\u200f', 'Ελληνικά κείμενα και Кириллица тоже.', 'lone high \ud800 and low \udc00 surrogates',
    'tabs\tand\r\nwindows\r\nnewlines\n\n\n', '   leading and trailing   ', "it's I'M we'LL they'Re you'VE", '1234567890 3.14159 2,718 ٣٤٥ १२३',
    'https://example.com/path?q=1&r=2#frag', 'snake_case camelCase kebab-case SCREAMING', '\u0000\u0001\u001f control \u007f', 'a'.repeat(300), '!!!???...;;;',
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let k = 0; k < 8; k++) {
      s += pick(pieces);
      s += pick([' ', '\n', '', '  ', '\t']);
      // a random code point from a random block, now and then
      if (rand() < 0.3) s += String.fromCodePoint(pick([0x80, 0x370, 0x600, 0x900, 0x3040, 0x4e00, 0xac00, 0x1f300, 0x10000]) + Math.floor(rand() * 200));
    }
    out.push(s);
  }
  return out;
}

/** Real text from the installed packages' documentation and sources, about `bytes` bytes. */
function realText(bytes: number): string[] {
  const out: string[] = [];
  let total = 0;
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (total >= bytes) return;
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (/\.(md|txt|js|ts|json)$/.test(name) && st.size > 200 && st.size < 300_000) {
        out.push(readFileSync(p, 'utf8'));
        total += st.size;
      }
    }
  };
  walk(join(ROOT, 'node_modules'));
  return out;
}

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
