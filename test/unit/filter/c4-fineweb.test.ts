import { describe, expect, it } from 'vitest';
import { STEP_PARAMS } from '../../../src/filter/params.js';
import { c4, c4LinePass, c4Lines } from '../../../src/filter/c4.js';
import { fineweb } from '../../../src/filter/fineweb.js';
import { gopherRepetition } from '../../../src/filter/gopher-repetition.js';
import { gopherQuality } from '../../../src/filter/gopher-quality.js';
import { DATATROVE_DIALECT, MOE_DIALECT, textOf, type Transform } from '../../../src/filter/types.js';
import { spacyWordCount, spacyWords } from '../../../src/filter/words/spacy-en.js';
import { sentencesOfChunks, spacySentenceCount } from '../../../src/filter/words/spacy-sentences.js';
import { CHUNK_END, FIRST, LAST, STRIDE, scanLines } from '../../../src/filter/line-scan.js';
import { TextView, tokenize } from '../../../src/filter/view.js';
import { filler, judge } from './judge.js';

function lines(
  text: string,
  params: Record<string, unknown> = {},
  lang = 'eng',
): { text: string; counts: Record<string, number> } {
  const t = c4Lines.create(STEP_PARAMS['c4-lines'].parse(params), {
    language: lang,
    models: {},
    learned: {},
    dialect: MOE_DIALECT,
  }) as Transform;
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
    expect(text.split('\n')).toEqual([
      'Three words here.',
      `A ${'w'.repeat(1000)} word.`,
      'The river floods every spring as recorded in the archives.',
    ]);
    expect(counts).toEqual({ line_too_few_words: 1, line_long_word: 1, line_javascript: 1, line_policy: 1 });
  });
  it('reads a line for javascript, policies and lorem ipsum as datatrove does: lower-cased, after its citations are cut', () => {
    const input = [
      'Please read our Coo\u212Aie Policy first.', // the Kelvin sign lower-cases to k: "cookie policy"
      'Enable java[1]script to see the map.', // "javascript" once the citation is cut (in no other line)
      'We use[2] cookies on every page.', // "use cookies" once cut
      'Lorem[3] ipsum dolor sit amet, consectetur.', // "lorem ipsum" once cut: noted for the c4 filter
      'Cookies are baked at home, see page two.', // a mention, but no policy
    ].join('\n');
    const { text, counts } = lines(input);
    expect(text.split('\n')).toEqual([
      'Lorem ipsum dolor sit amet, consectetur.',
      'Cookies are baked at home, see page two.',
    ]);
    expect(counts).toEqual({ line_javascript: 1, line_policy: 2 });
    expect(c4LinePass(input, STEP_PARAMS['c4-lines'].parse({})).facts.loremLine).toBe(3);
  });
  it('counts every dropped line, once per reason and document', () => {
    const input = [
      'Home',
      'About us',
      'A full sentence of prose stays.',
      'Contact',
      'Enable JavaScript please now.',
      'Menu',
    ].join('\n');
    const got: Array<[string, number | undefined]> = [];
    const t = c4Lines.create(STEP_PARAMS['c4-lines'].parse({}), {
      language: 'eng',
      models: {},
      learned: {},
      dialect: MOE_DIALECT,
    }) as Transform;
    expect(textOf(t.apply(input, (k, n) => got.push([k, n])))).toBe('A full sentence of prose stays.');
    expect(got).toEqual([
      ['line_too_few_words', 4],
      ['line_javascript', 1],
    ]);
  });
  it('keeps lines without terminal punctuation unless asked (FineWeb turned that rule off)', () => {
    expect(lines('a line with no end').text).toBe('a line with no end');
    expect(lines('a line with no end\nA line with an end.', { dropNoTerminalPunct: true })).toEqual({
      text: 'A line with an end.',
      counts: { line_no_terminal_punct: 1 },
    });
  });
  it('counts Chinese words by character, so a short Chinese line is not dropped as "two words"', () => {
    expect(lines('专家混合模型很好。', {}, 'cmn').text).toBe('专家混合模型很好。');
  });
});

describe('c4-lines: the one pass over each line', () => {
  const p = STEP_PARAMS['c4-lines'].parse({});
  it("splits lines as Python's splitlines() does, strips them, and keeps what datatrove keeps", () => {
    const text =
      ' First kept line here. \r\nsecond line kept too\rthird, with a\u2028break\x1cfourth line is here\x85\n\nlast line has words\n';
    expect(c4LinePass(text, p).text.split('\n')).toEqual([
      'First kept line here.',
      'second line kept too',
      'third, with a',
      'fourth line is here',
      'last line has words',
    ]);
  });
  it("counts the kept text's whitespace tokens as tokenize does (cut lines too), and leaves it to tokenize when one-sided white space moves them", () => {
    for (const text of [
      'One two three.\n\n  Four five  six seven\tend.\n',
      'Wörter mit\u00a0Umlaut hier. Und mehr\u3000Text.',
      'A\u200bzero width space is no space at all.',
      // citations cut: a token goes ([1] alone), stays (floods[2]), or a line goes blank
      'the river floods [1] each spring\nand floods[2] in autumn [edit]\n[3] [4] [citation needed]\nend of it [5]',
    ]) {
      const { text: kept, facts } = c4LinePass(text, p);
      expect(facts.tokenCount).toBe(tokenize(kept, false).count);
    }
    expect(c4LinePass('the river floods [1] each spring', p).facts.tokenCount).toBe(5);
    expect(c4LinePass('a \u001f b c d', p).facts.tokenCount).toBeUndefined(); // Python white space, not JavaScript's
    expect(c4LinePass('a\ufeffb c d', p).facts.tokenCount).toBeUndefined(); // the other way round
    expect(c4LinePass('a \u001f b c d', p).text).toBe('a \u001f b c d');
  });
  it('counts a line without a sentence end as one sentence, and the others as spaCy does', () => {
    const text = [
      'no end on this line',
      'One. Two! Three? four',
      'Emoji 😀 line without an end',
      'e.g. this is one sentence',
    ].join('\n');
    const { text: kept, facts } = c4LinePass(text, p);
    expect(kept.split('\n').map((l) => spacySentenceCount(l))).toEqual([1, 4, 1, 1]);
    expect(facts.sentences).toBe(7);
  });
});

describe('spaCy sentence counts', () => {
  it('of texts cut anywhere: chunks, gaps and leading white space count from where the text starts', () => {
    const text = 'x.y  Lead space. Then more!  Two  spaces. e.g. this. And "quoted." end\nsecond line. Yes';
    const nl = text.indexOf('\n');
    const e = text.indexOf('e. Then'); // inside the chunk `space.`: `e.` alone is an abbreviation, no end
    const ranges = [
      [0, text.length],
      [3, 30],
      [4, 16],
      [2, 16],
      [17, 41],
      [5, nl],
      [nl + 1, text.length],
      [nl, nl],
      [e, nl],
    ];
    // (the counts the candidate scan checked against spaCy's sentencizer gave; pinned so a change shows)
    expect(ranges.map(([a, b]) => spacySentenceCount(text.slice(a, b)))).toEqual([7, 3, 1, 1, 2, 6, 2, 0, 5]);
  });
});

describe('sentences from the line scan', () => {
  it('are those counted from the text, line by line, on mixed prose, code, URLs and other scripts', () => {
    const words = [
      'Word.',
      'e.g.',
      'U.S.',
      'etc.',
      '(see).',
      'x..',
      'v1.2',
      'docs.aws.amazon.com/x.html',
      'Done!',
      'Why?!',
      '"Quoted."',
      'a\u00e9.',
      '\ud83d\ude00',
      '\ud83d\ude00.',
      '\u3002',
      'end\u3002next',
      '.',
      '...',
      'Mr.',
      'ok',
      'fn()',
      '{x}.',
      "it's.",
      '\u0964',
      'A.b',
      'a.Bc.',
      'end.Next.',
      '.x',
      'x.,y',
      '-.5',
      'a.B',
    ];
    let seed = 7;
    const pick = (): string => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return words[(seed >>> 16) % words.length]!;
    };
    let checked = 0;
    for (let doc = 0; doc < 200; doc++) {
      const text = Array.from({ length: 6 }, () =>
        Array.from({ length: 1 + (doc % 9) }, pick).join(doc % 4 === 0 ? '  ' : ' '),
      ).join('\n');
      const { lines, chunks } = scanLines(text);
      for (let r = 0, c0 = 0; r < lines.length; r += STRIDE) {
        const c1 = lines[r + CHUNK_END]!;
        const [first, last] = [lines[r + FIRST]!, lines[r + LAST]!];
        if (first >= 0) {
          expect(sentencesOfChunks(text, first, last + 1, chunks, c0, c1)).toBe(
            spacySentenceCount(text.slice(first, last + 1)),
          );
          checked += 1;
        }
        c0 = c1;
      }
    }
    expect(checked).toBe(1200);
  });
});

describe('c4 (document filter)', () => {
  const five = 'One is here. Two is here. Three is here. Four is here. Five is here.';
  it('5 sentences keep, 4 drop (too_few_sentences)', () => {
    expect(judge(c4, five).result).toBe(true);
    expect(judge(c4, 'One is here. Two is here. Three is here. Four is here.').result).toEqual({
      reason: 'too_few_sentences',
      value: 4,
    });
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
    const doc = (k: number): string =>
      Array.from({ length: 100 }, (_, i) => (i < k ? `${filler(4, 5, i * 10).join(' ')}.` : line(i, '.'))).join('\n');
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

/** The c4 pair as a chain runs it: c4-lines, then the c4 filter on what it wrote. */
function c4Chain(text: string): ReturnType<typeof judge> & { kept: string } {
  const t = c4Lines.create(STEP_PARAMS['c4-lines'].parse({}), {
    language: 'eng',
    models: {},
    learned: {},
    dialect: MOE_DIALECT,
  }) as Transform;
  const r = t.apply(text, () => {});
  const kept = textOf(r);
  const step = c4.create(STEP_PARAMS.c4.parse({}), { language: 'eng', models: {}, learned: {}, dialect: MOE_DIALECT });
  const measures: Record<string, number> = {};
  const result = (step as import('../../../src/filter/types.js').Filter).keep(
    { id: 't', text: kept, source: 'web', metadata: {} },
    new TextView(kept, 'eng', typeof r === 'string' ? {} : r),
    (m, v) => (measures[m] = v),
  );
  return { result, measures, kept };
}

describe('the rules as datatrove runs them (issue: filters that decide as the reference does)', () => {
  it('C4 counts the sentences of each kept line: a 7-line page without periods is 7 sentences, not 2', () => {
    const page = [
      'Welcome to the community garden site',
      'We grow beans and squash every summer',
      'Volunteers meet on Saturday mornings',
      'Bring gloves and a water bottle',
      'Children are welcome with an adult',
      'Tools are kept in the green shed',
      'Contact the coordinator for a plot',
    ].join('\n');
    const { result, measures } = c4Chain(page);
    expect(measures.sentences).toBe(7);
    expect(result).toBe(true);
  });
  it('a URL is one sentence, not four (a "." inside a token ends nothing)', () => {
    expect(spacySentenceCount('See docs.aws.amazon.com/lambda/latest/dg/x.html for the details')).toBe(1);
    expect(spacySentenceCount('It rained. Then it stopped! Did it? Yes.')).toBe(4);
    expect(spacySentenceCount('Mr. Smith paid $3.50 at 10 a.m. on Monday.')).toBe(1);
    expect(spacyWords('docs.aws.amazon.com/x/y.html, e-mail (a.m.) "quoted" don\'t')).toEqual([
      'docs.aws.amazon.com/x/y.html',
      ',',
      'e',
      '-',
      'mail',
      '(',
      'a.m.',
      ')',
      '"',
      'quoted',
      '"',
      'do',
      "n't",
    ]);
  });
  it('a chunk of letters only or digits only is one word, unless it is a special case (cannot, gonna, Im)', () => {
    const text = 'cannot Cannot gonna hello 123 Im abc123 lets ill 2nd';
    const words = ['can', 'not', 'Can', 'not', 'gon', 'na', 'hello', '123', 'I', 'm', 'abc123', 'lets', 'ill', '2nd'];
    expect(spacyWords(text)).toEqual(words);
    expect(spacyWordCount(text)).toBe(words.length);
  });
  it('`fn main() {` has three whitespace words: c4-lines keeps it, so c4 drops the page for its brace', () => {
    const five = 'One is here. Two is here. Three is here. Four is here. Five is here.';
    const { result, kept } = c4Chain(`${five}\nfn main() {\n}`);
    expect(kept.split('\n')).toEqual([five, 'fn main() {']);
    expect(result).toEqual({ reason: 'curly_bracket', value: 1 });
  });
  it('a line ending in a quote or a bracket does not end in terminal punctuation (FineWeb), and blank lines go', () => {
    const quoted = Array.from(
      { length: 10 },
      (_, i) => `He said "this is line number ${filler(1, 6, i)[0]} of ten."`,
    ).join('\n\n');
    const r = judge(fineweb, quoted);
    expect(r.measures.line_punct_ratio).toBe(0);
    expect(r.result).toEqual({ reason: 'line_punct_ratio', value: 0 });
    const closed = Array.from({ length: 10 }, (_, i) => `The value is set in the file (see section ${i}.)`).join('\n');
    expect(judge(fineweb, closed).measures.line_punct_ratio).toBe(0);
    // C4 keeps quoted line ends (its END_PUNCTUATION has " and '), and drops blank lines
    expect(lines(`"Quoted line ends here."\n\n\n(A bracket ends this one)`, { dropNoTerminalPunct: true }).text).toBe(
      '"Quoted line ends here."',
    );
    expect(lines('First line with words.\n\n\nSecond line with words.').text).toBe(
      'First line with words.\nSecond line with words.',
    );
  });
  it('lines are compared as they are: an indented copy is no duplicate (Gopher repetition)', () => {
    const body = filler(60).join(' ');
    const same = judge(
      gopherRepetition,
      `${body}\nrepeat this line here\nrepeat this line here\n${filler(40, 5, 100).join(' ')}`,
    );
    const indented = judge(
      gopherRepetition,
      `${body}\nrepeat this line here\n    repeat this line here\n${filler(40, 5, 100).join(' ')}`,
    );
    expect(same.measures.dup_line_frac).toBeCloseTo(1 / 4, 10);
    expect(indented.measures.dup_line_frac).toBe(0);
  });
  it('only `•` and `-` start a bullet line, and blank lines count among the lines (Gopher quality)', () => {
    const text = `${filler(60).join(' ')} the and of\n\n* one\n* two\n- three`;
    expect(judge(gopherQuality, text).measures.bullet_lines_ratio).toBeCloseTo(1 / 5, 10);
  });
  it('datatrove counts punctuation tokens as words; moe counts whitespace words', () => {
    const text = `${Array.from({ length: 30 }, (_, i) => `Word${filler(1, 4, i)[0]}, then (more), and the end.`).join(' ')}`;
    const moe = judge(gopherQuality, text);
    const dt = judge(gopherQuality, text, { dialect: DATATROVE_DIALECT });
    expect(moe.measures.alpha_words_ratio).toBe(1);
    // per sentence 11 tokens: Wordxxxx , then ( more ) , and the end . — 6 with a letter
    expect(dt.measures.alpha_words_ratio).toBeCloseTo(6 / 11, 10);
    expect(dt.result).toEqual({ reason: 'gopher_below_alpha_threshold', value: 6 / 11 });
  });
});
