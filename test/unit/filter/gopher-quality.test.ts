import { describe, expect, it } from 'vitest';
import { gopherQuality } from '../../../src/filter/gopher-quality.js';
import { filler, judge } from './judge.js';

// 3-letter words and two stop words: passes every default rule when n ≥ 50
const words = (n: number): string[] => ['the', 'and', ...filler(n - 2, 3)];
const text = (ws: string[]): string => ws.join(' ');

describe('gopher-quality at its default thresholds', () => {
  it('word count: 50 keeps, 49 drops (gopher_short_doc); 100,000 keeps, 100,001 drops (gopher_long_doc)', () => {
    expect(judge(gopherQuality, text(words(50))).result).toBe(true);
    expect(judge(gopherQuality, text(words(49))).result).toEqual({ reason: 'gopher_short_doc', value: 49 });
    expect(judge(gopherQuality, text(words(100_000))).result).toBe(true);
    expect(judge(gopherQuality, text(words(100_001))).result).toEqual({ reason: 'gopher_long_doc', value: 100_001 });
  });

  it('mean word length: 3 keeps, just under drops; 10 keeps, just over drops', () => {
    const ws = words(100);
    expect(judge(gopherQuality, text(ws)).measures.avg_word_length).toBe(3);
    const short = [...ws.slice(0, -1), 'ab'];
    expect(judge(gopherQuality, text(short)).result).toEqual({ reason: 'gopher_below_avg_threshold', value: 2.99 });
    // 2 stop words of 3 letters + 98 words: mean exactly 10 needs the rest to total 994 letters
    const long = ['the', 'and', ...filler(97, 10), 'x'.repeat(994 - 970)];
    expect(judge(gopherQuality, text(long)).measures.avg_word_length).toBe(10);
    expect(judge(gopherQuality, text(long)).result).toBe(true);
    const longer = [...long.slice(0, -1), `${long[long.length - 1]}x`];
    expect(judge(gopherQuality, text(longer)).result).toEqual({ reason: 'gopher_above_avg_threshold', value: 10.01 });
  });

  it('hashes per word: 0.1 keeps, 0.11 drops (gopher_too_many_hashes)', () => {
    const tagged = (k: number): string => text(words(100).map((w, i) => (i >= 2 && i < 2 + k ? `#${w}` : w)));
    expect(judge(gopherQuality, tagged(10)).result).toBe(true);
    expect(judge(gopherQuality, tagged(11)).result).toEqual({ reason: 'gopher_too_many_hashes', value: 0.11 });
  });

  it('ellipses per word: 0.1 keeps, 0.11 drops (gopher_too_many_ellipsis)', () => {
    const dotted = (k: number): string => text(words(100).map((w, i) => (i >= 2 && i < 2 + k ? `${w}…x` : w)));
    expect(judge(gopherQuality, dotted(10)).result).toBe(true);
    expect(judge(gopherQuality, dotted(11)).result).toEqual({ reason: 'gopher_too_many_ellipsis', value: 0.11 });
  });

  it('bullet lines: 0.9 keeps, 1.0 drops (gopher_too_many_bullets)', () => {
    const ws = words(100);
    const lines = (bullets: number): string =>
      Array.from({ length: 10 }, (_, i) => `${i < bullets ? '- ' : ''}${ws.slice(i * 10, i * 10 + 10).join(' ')}`).join(
        '\n',
      );
    expect(judge(gopherQuality, lines(9)).result).toBe(true);
    expect(judge(gopherQuality, lines(10)).result).toEqual({ reason: 'gopher_too_many_bullets', value: 1 });
  });

  it('lines ending in an ellipsis: 0.3 keeps, 0.4 drops (gopher_too_many_end_ellipsis)', () => {
    const ws = words(100);
    const lines = (k: number): string =>
      Array.from({ length: 10 }, (_, i) => `${ws.slice(i * 10, i * 10 + 10).join(' ')}${i < k ? '...' : '.'}`).join(
        '\n',
      );
    expect(judge(gopherQuality, lines(3)).result).toBe(true);
    expect(judge(gopherQuality, lines(4)).result).toEqual({ reason: 'gopher_too_many_end_ellipsis', value: 0.4 });
  });

  it('words with a letter: 0.8 keeps, 0.79 drops (gopher_below_alpha_threshold)', () => {
    const numeric = (k: number): string => text(words(100).map((w, i) => (i >= 2 && i < 2 + k ? '123' : w)));
    expect(judge(gopherQuality, numeric(20)).result).toBe(true);
    expect(judge(gopherQuality, numeric(21)).result).toEqual({ reason: 'gopher_below_alpha_threshold', value: 0.79 });
  });

  it('stop words: 2 keep, 1 drops (gopher_enough_stop_words); a language without a list is not judged', () => {
    expect(judge(gopherQuality, text(['the', 'and', ...filler(60, 4)])).measures.stop_words).toBe(2);
    expect(judge(gopherQuality, text(['the', ...filler(60, 4)])).result).toEqual({
      reason: 'gopher_enough_stop_words',
      value: 1,
    });
    expect(judge(gopherQuality, text(['der', 'und', ...filler(60, 4)]), { lang: 'deu' }).result).toBe(true);
    expect(judge(gopherQuality, text(['the', 'and', ...filler(60, 4)]), { lang: 'deu' }).result).toEqual({
      reason: 'gopher_enough_stop_words',
      value: 0,
    });
    expect(judge(gopherQuality, text(filler(60, 4)), { lang: 'swh' }).result).toBe(true);
  });

  it('stop words count in any case, ASCII or not; look-alikes do not', () => {
    expect(
      judge(gopherQuality, text(['The', 'AND', 'tHaT', 'thee', 'Thé', ...filler(60, 4)])).measures.stop_words,
    ).toBe(3);
    expect(
      judge(gopherQuality, text(['И', 'НЕ', 'Что', 'Чтоб', ...filler(60, 4)]), { lang: 'rus' }).measures.stop_words,
    ).toBe(3);
  });

  it('counts Chinese by characters with the Chinese stop words', () => {
    const zh =
      '混合专家模型把前馈网络拆分成许多较小的专家，每个词元只激活其中少数几个专家，因此参数总量可以很大，而每个词元的计算量基本不变。';
    const r = judge(gopherQuality, zh, { lang: 'cmn', params: { minAvgWordLength: 1 } });
    expect(r.measures.word_count).toBe(59);
    expect(r.measures.avg_word_length).toBe(1);
    expect(r.measures.stop_words).toBe(3); // 的 twice, 不 once
    expect(r.result).toBe(true);
  });
});
