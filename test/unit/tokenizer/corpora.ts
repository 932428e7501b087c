/** Corpora for the tokenizer exactness tests: a Unicode torture set and real text from node_modules. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../../src/text/hash.js';
import { ROOT } from '../../helpers.js';

/** Text that breaks tokenizers: BOMs, exotic spaces, combining marks, emoji sequences, CJK, RTL, lone surrogates. */
export function unicodeTorture(n: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const pieces = [
    '\ufeffStarts with a BOM',
    'no\u00a0break\u2009thin\u202fnarrow\u3000ideographic\u2028line\u2029para',
    'e\u0301 a\u0308 n\u0303 \u1100\u1161\u11a8 Z\u0336\u0335a\u0337l\u0338g\u0334o',
    '👨‍👩‍👧‍👦 family 🏳️‍🌈 flag 👍🏽 tone 🇯🇵 🇩🇪 keycap 1️⃣',
    '混合专家模型把前馈网络拆分成许多较小的专家。',
    '日本語のテキストとカタカナ、ひらがな。',
    '한국어 텍스트도 있습니다.',
    'مرحبا بالعالم، هذا نص عربي.',
    'שלום עולם \u200fמימין לשמאל\u200f',
    'Ελληνικά κείμενα και Кириллица тоже.',
    'lone high \ud800 and low \udc00 surrogates',
    'tabs\tand\r\nwindows\r\nnewlines\n\n\n',
    '   leading and trailing   ',
    "it's I'M we'LL they'Re you'VE",
    '1234567890 3.14159 2,718 ٣٤٥ १२३',
    'https://example.com/path?q=1&r=2#frag',
    'snake_case camelCase kebab-case SCREAMING',
    '\u0000\u0001\u001f control \u007f',
    'a'.repeat(300),
    '!!!???...;;;',
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let k = 0; k < 8; k++) {
      s += pick(pieces);
      s += pick([' ', '\n', '', '  ', '\t']);
      // a random code point from a random block, now and then
      if (rand() < 0.3)
        s += String.fromCodePoint(
          pick([0x80, 0x370, 0x600, 0x900, 0x3040, 0x4e00, 0xac00, 0x1f300, 0x10000]) + Math.floor(rand() * 200),
        );
    }
    out.push(s);
  }
  return out;
}

/** Real text from the installed packages' documentation and sources, about `bytes` bytes. */
export function realText(bytes: number): string[] {
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
