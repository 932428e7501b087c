import { describe, expect, it } from 'vitest';
import { c4, c4Lines, countSentences } from '../../../src/filter/c4.js';
import { fineweb } from '../../../src/filter/fineweb.js';
import { type Layout, layoutOf, TextView } from '../../../src/filter/text.js';
import { textOf, type Transform } from '../../../src/filter/types.js';
import { filler, judge } from './judge.js';

function lines(text: string, params: Record<string, unknown> = {}, lang = 'eng'): { text: string; counts: Record<string, number> } {
  const t = c4Lines.create(c4Lines.params.parse(params), { language: lang, models: {}, learned: {} }) as Transform;
  const counts: Record<string, number> = {};
  return { text: textOf(t.apply(text, (k, n = 1) => (counts[k] = (counts[k] ?? 0) + n))), counts };
}

describe('c4-lines (transform)', () => {
  it('drops lines under 3 words, with a word over 1000 characters, javascript or policy text; strips citations', () => {
    const input = [
      'Three words here.',
      'Two words.',
      `A ${'w'.repeat(1000)} word.`,
      `A ${'w'.repeat(1001)} word.`,
      'Please enable JavaScript to view this page.',
      'By continuing you accept our Privacy Policy today.',
      'The river floods every spring[1] as recorded[edit] in the archives[citation needed].',
    ].join('\n');
    const { text, counts } = lines(input);
    expect(text.split('\n')).toEqual(['Three words here.', `A ${'w'.repeat(1000)} word.`, 'The river floods every spring as recorded in the archives.']);
    expect(counts).toEqual({ line_too_few_words: 1, line_long_word: 1, line_javascript: 1, line_policy: 1 });
  });
  it('counts every dropped line, once per reason and document', () => {
    const input = ['Home', 'About us', 'A full sentence of prose stays.', 'Contact', 'Enable JavaScript please now.', 'Menu'].join('\n');
    const got: Array<[string, number | undefined]> = [];
    const t = c4Lines.create(c4Lines.params.parse({}), { language: 'eng', models: {}, learned: {} }) as Transform;
    expect(textOf(t.apply(input, (k, n) => got.push([k, n])))).toBe('A full sentence of prose stays.');
    expect(got).toEqual([
      ['line_too_few_words', 4],
      ['line_javascript', 1],
    ]);
  });
  it('keeps lines without terminal punctuation unless asked (FineWeb turned that rule off)', () => {
    expect(lines('a line with no end').text).toBe('a line with no end');
    expect(lines('a line with no end\nA line with an end.', { dropNoTerminalPunct: true })).toEqual({ text: 'A line with an end.', counts: { line_no_terminal_punct: 1 } });
  });
  it('counts Chinese words by character, so a short Chinese line is not dropped as "two words"', () => {
    expect(lines('专家混合模型很好。', {}, 'cmn').text).toBe('专家混合模型很好。');
  });
});

const flatLayout = (l: Layout) => ({
  lineBreaks: l.lineBreaks,
  ...Object.fromEntries((['lines', 'paragraphs'] as const).map((k) => [k, [0, 1, 2].map((f) => [...[l[k].starts, l[k].ends, l[k].hashes][f]!.subarray(0, l[k].n)])])),
});

describe('c4-lines hands the words and layout of its kept lines to the next steps', () => {
  it('equal to what a fresh analysis of the rewritten text finds, citations, blank runs, CRLF and Chinese included', () => {
    const texts: Array<[string, string]> = [
      ['eng', 'Title\n\nThe first paragraph has words in it.\n\n\n\nok\nA second one, [1] cited.[edit]\r\n  indented line with words  \n- a list item here\n\nEnd of it all here.'],
      ['eng', 'Please enable JavaScript to see this.\nThe river floods every spring.\nabc\n\n\n\nThe valley is green in May.'],
      ['cmn', '专家混合模型很好。\n短\n\n路由器选择专家。'],
      ['deu', 'Nur drei Wörter hier.\nZwei Wörter.\n    \nDer Fluss tritt jeden Frühling über die Ufer.'],
      ['eng', 'short\n\n\nThe first kept line is here.\n  \n\n\nsmall\n\nAnother line, kept as well.\nThe first kept line is here.\n[1]\n[2][edit]\nLast words of it. \n\n'],
      ['eng', '  \n\nab\n  Leading spaces, and words enough.\n\tTabbed line with four words\nThe river [3] floods every spring.\n\n\n\n'],
    ];
    // and random ones: lines kept, dropped, cited, blank, of spaces
    let seed = 31;
    const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const kinds = ['The river floods every spring.', 'two words', '', '   ', 'A cited [1] line with words.', '[2]', ' Indented line of words here. ', 'The river floods every spring.'];
    for (let k = 0; k < 200; k++) texts.push(['eng', Array.from({ length: rand(12) }, () => kinds[rand(kinds.length)]).join('\n')]);
    for (const [lang, text] of texts) {
      const t = c4Lines.create(c4Lines.params.parse({}), { language: lang, models: {}, learned: {} }) as Transform;
      const before = new TextView(text, lang);
      void before.tokens; // as the Gopher steps leave it
      void before.layout;
      const r = t.apply(text, () => {}, before);
      expect(typeof r).toBe('object');
      if (typeof r === 'string') continue;
      const fresh = new TextView(r.text, lang);
      expect(r.wordCount, lang).toBe(fresh.wordCount);
      expect(flatLayout(r.layout!), `${lang}: ${JSON.stringify(r.text)}`).toEqual(flatLayout(layoutOf(r.text)));
      expect(r.text).toBe(textOf(t.apply(text, () => {})));
    }
  });
});

describe('c4 (document filter)', () => {
  const five = 'One is here. Two is here. Three is here. Four is here. Five is here.';
  it('5 sentences keep, 4 drop (too_few_sentences)', () => {
    expect(judge(c4, five).result).toBe(true);
    expect(judge(c4, 'One is here. Two is here. Three is here. Four is here.').result).toEqual({ reason: 'too_few_sentences', value: 4 });
  });
  it('drops lorem ipsum and curly brackets', () => {
    expect(judge(c4, `${five} Lorem ipsum dolor.`).result).toEqual({ reason: 'lorem_ipsum', value: 1 });
    expect(judge(c4, `${five} if (x) { y }`).result).toEqual({ reason: 'curly_bracket', value: 1 });
    expect(judge(c4, `${five} if (x) { y }`, { params: { dropCurlyBracket: false } }).result).toBe(true);
  });
});

describe('fineweb at its default thresholds', () => {
  const line = (i: number, end: string): string => `${filler(6, 6, i * 10).join(' ')}${end}`; // 41 chars + end
  it('line punctuation: 12 of 100 lines keep, 11 drop (line_punct_ratio)', () => {
    const doc = (k: number): string => Array.from({ length: 100 }, (_, i) => line(i, i < k ? '.' : '')).join('\n');
    expect(judge(fineweb, doc(12)).measures.line_punct_ratio).toBe(0.12);
    expect(judge(fineweb, doc(12)).result).toBe(true);
    expect(judge(fineweb, doc(11)).result).toEqual({ reason: 'line_punct_ratio', value: 0.11 });
  });
  it('short lines: 67 of 100 keep, 68 drop (short_line_ratio)', () => {
    const doc = (k: number): string => Array.from({ length: 100 }, (_, i) => (i < k ? `${filler(4, 5, i * 10).join(' ')}.` : line(i, '.'))).join('\n');
    expect(judge(fineweb, doc(67)).result).toBe(true);
    expect(judge(fineweb, doc(68)).result).toEqual({ reason: 'short_line_ratio', value: 0.68 });
  });
  it('characters in duplicated lines: 0.01 keeps, just over drops (char_dup_ratio)', () => {
    // the line "abcd efgh." (10 characters) twice; unique 45-character lines make up the rest
    const doc = (extra: number): string => {
      const ls = ['abcd efgh.', 'abcd efgh.'];
      let chars = 20;
      for (let i = 0; chars + 60 <= 1000 - extra; i++) {
        const l = `${filler(7, 5, i * 10).join(' ')} end.`;
        ls.push(l);
        chars += l.length;
      }
      ls.push(`${'z'.repeat(1000 - extra - chars - 1)}.`);
      return ls.join('\n');
    };
    expect(judge(fineweb, doc(0)).measures.char_dup_ratio).toBe(0.01);
    expect(judge(fineweb, doc(0)).result).toBe(true);
    expect(judge(fineweb, doc(1)).result).toEqual({ reason: 'char_dup_ratio', value: 10 / 999 });
  });
  it('newlines per word: 0.3 keeps, 0.31 drops (list_ratio)', () => {
    const doc = (newlines: number): string => {
      const words = filler(100, 10);
      const per = Math.floor(100 / (newlines + 1));
      const ls: string[] = [];
      for (let i = 0; i < newlines; i++) ls.push(`${words.slice(i * per, i * per + per).join(' ')}.`);
      ls.push(`${words.slice(newlines * per).join(' ')}.`);
      return ls.join('\n');
    };
    expect(judge(fineweb, doc(30)).result).toBe(true);
    expect(judge(fineweb, doc(31)).result).toEqual({ reason: 'list_ratio', value: 0.31 });
  });
});

describe('countSentences in WebAssembly', () => {
  it('counts as the JavaScript loop does, across scripts, digits and surrogates', () => {
    const pool = ['a', 'Z', '1', ' ', '.', '!', '?', '。', '！', '؟', '।', 'é', '专', 'я', '٣', '😀', '\ud800', '\n', '...'];
    let seed = 23;
    const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    let total = 0;
    for (let k = 0; k < 1000; k++) {
      const text = Array.from({ length: rand(50) }, () => pool[rand(pool.length)]).join('');
      const n = countSentences(text);
      expect(n, JSON.stringify(text)).toBe(countSentences(text, { wasm: false }));
      total += n;
    }
    expect(total).toBeGreaterThan(1000);
  });
});
