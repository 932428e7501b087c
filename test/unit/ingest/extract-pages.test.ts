import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractMainText } from '../../../src/ingest/html.js';
import { segment } from '../../../src/text/html/blocks.js';
import { furnitureMark } from '../../../src/ingest/html/boilerplate.js';
import { type El, parsePage } from '../../../src/text/html/dom.js';
import { STOP_LIST_LANGUAGES, pageLanguage, stopList } from '../../../src/ingest/html/stoplists.js';

const dir = join(import.meta.dirname, '../../../fixtures/extract');
const page = (name: string): string => readFileSync(join(dir, `${name}.html`), 'utf8');
const expected = (name: string): string => readFileSync(join(dir, `${name}.txt`), 'utf8').trimEnd();

// one page per way the jusText-only extractor failed on real pages (each gave a wrong text before)
describe('extractMainText on pages of each failure mode', () => {
  const cases: Array<[string, string, string]> = [
    ['aspnet-form', 'the whole body inside one <form>, laid out in table cells', 'en'],
    ['russian-news', 'a Russian article (lang="ru") with comments and a sidebar', 'ru'],
    ['indonesian-blog', 'an Indonesian blog post with no lang attribute (language from the text)', 'id'],
    ['link-digest', 'a digest whose every paragraph is mostly links', 'en'],
    ['standings-table', 'a German report with a standings table (a row per line) and a comment policy', 'de'],
    ['related-teasers', 'an article followed by related-story teasers with excerpts', 'en'],
    ['numeric-prose', 'results prose that is mostly numbers (few stop words)', 'en'],
  ];
  for (const [name, what, language] of cases) {
    it(`${name}: ${what}`, () => {
      const r = extractMainText(page(name));
      expect(r.text).toBe(expected(name));
      expect(r.language).toBe(language);
    });
  }

  it('link-index: a category page of links has no article, so no text', () => {
    expect(expected('link-index')).toBe('');
    expect(extractMainText(page('link-index')).text).toBe('');
  });

  it('every page in the folder has its expected text beside it', () => {
    const html = readdirSync(dir).filter((f) => f.endsWith('.html'));
    expect(html.length).toBe(cases.length + 1);
    for (const f of html) expect(readdirSync(dir)).toContain(f.replace(/\.html$/, '.txt'));
  });
});

const el = (tag: string, names = '', role = ''): El => ({
  tag,
  parent: undefined,
  kids: [],
  names,
  role,
  chars: 0,
  linkChars: 0,
});

describe('furnitureMark', () => {
  it('reads class and id words by their parts, strong and weak', () => {
    expect(furnitureMark(el('div', 'comment-list'), false)).toBe(2);
    expect(furnitureMark(el('div', 'commentscontainer'), false)).toBe(2); // a prefix
    expect(furnitureMark(el('div', 'leftsidebar'), false)).toBe(1); // a suffix
    expect(furnitureMark(el('div', 'kommentar-hinweis'), false)).toBe(2); // German
    expect(furnitureMark(el('div', 'post-meta'), false)).toBe(1);
    expect(furnitureMark(el('nav'), true)).toBe(2);
    expect(furnitureMark(el('form'), false)).toBe(1);
    expect(furnitureMark(el('header'), false)).toBe(1);
    expect(furnitureMark(el('header'), true)).toBe(0);
    expect(furnitureMark(el('div', '', 'navigation'), false)).toBe(2);
  });

  it('does not read content words, descriptive WordPress classes or look-alike words as furniture', () => {
    expect(furnitureMark(el('div', 'post-content'), false)).toBe(0);
    // WordPress writes the post's categories and tags on the article itself
    expect(furnitureMark(el('article', 'post category-social-issues tag-comments'), false)).toBe(0);
    expect(furnitureMark(el('div', 'hentry no-share category-social-issues'), false)).toBe(0);
    expect(furnitureMark(el('div', 'subjective commentary'), false)).toBe(0);
    expect(furnitureMark(el('div', 'g-row-breaking-news'), false)).toBe(0);
    expect(furnitureMark(el('div', 'elementor-widget-text-editor'), false)).toBe(0);
  });
});

describe('stop lists and the page language', () => {
  it('has lists for at least 40 languages, none for scripts without spaces', () => {
    expect(STOP_LIST_LANGUAGES).toBeGreaterThanOrEqual(40);
    for (const key of ['en', 'de', 'ru', 'id', 'pt', 'fa', 'tr', 'vi', 'ar', 'pl'])
      expect(stopList(key)?.size).toBeGreaterThan(100);
    for (const key of ['zh', 'ja', 'th', 'ko']) expect(stopList(key)).toBeUndefined();
  });

  it('takes the lang attribute when the text agrees, the text when it does not', () => {
    const en =
      'The committee met on Tuesday to discuss the plan for the new library, and after a long debate it decided that the building should open on Sundays as well.';
    const de =
      'Der Ausschuss hat sich am Dienstag getroffen, um über den Plan für die neue Bibliothek zu sprechen, und nach einer langen Debatte wurde beschlossen, dass sie auch sonntags öffnet.';
    expect(pageLanguage('en-US', en)).toBe('en');
    expect(pageLanguage('de', en)).toBe('en'); // a template's lang="de" on an English page
    expect(pageLanguage('en', de)).toBe('de');
    expect(pageLanguage('', de)).toBe('de');
    expect(
      pageLanguage(
        'pt-BR',
        'O comitê se reuniu na terça-feira para discutir o plano da nova biblioteca e decidiu que ela também abrirá aos domingos.',
      ),
    ).toBe('pt');
    expect(pageLanguage('zh-CN', '混合专家模型把前馈网络拆分成许多较小的专家')).toBe('zh');
  });
});

describe('the document tree', () => {
  it('keeps the body of a page that never closes <head>, without the title text', () => {
    const p = parsePage(
      '<html><head><title>T</title><meta charset="utf-8"><p>First paragraph of the page.</p><div>More text.</div>',
    );
    expect(p.title).toBe('T');
    expect(segment(p.body).map((b) => b.text)).toEqual(['First paragraph of the page.', 'More text.']);
  });

  it('reads a data table as rows and a layout cell as a block of its own', () => {
    const p = parsePage(
      '<table><tr><td>a</td><td>b</td></tr><tr><td>menu</td><td><p>Long text in a layout cell.</p></td></tr></table>',
    );
    expect(segment(p.body).map((b) => b.text)).toEqual(['a | b', 'menu', 'Long text in a layout cell.']);
  });

  it('leaves out hidden elements and counts visible characters with links apart', () => {
    const p = parsePage(
      '<div hidden>secret</div><p style="display:none">gone</p><p>see <a href="/x">this  link</a></p>',
    );
    expect(p.body.chars).toBe('see this link'.length);
    expect(p.body.linkChars).toBe('this link'.length);
  });

  it('reads a page nested deeper than browsers allow without exhausting the stack or the clock', () => {
    const para = (s: string): string => `<p>${s} ${'and more words of the same paragraph, '.repeat(4)}end.</p>`;
    const page = (n: number): string =>
      `<body>${para('Before the nest,')}${'<div>'.repeat(n)}${para('Deep inside,')}${'</div>'.repeat(n)}</body>`;
    // 600 levels: past the 512 kept, the deeper tags are read as absent and their text kept
    const mid = extractMainText(page(600));
    expect(mid.truncated).toBe(false);
    expect(mid.text).toContain('Deep inside,');
    // 100,000 levels: htmlparser2 would take seconds and every tree walk would overflow the stack
    const t0 = performance.now();
    const deep = extractMainText(page(100_000));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(deep.truncated).toBe(true);
    expect(deep.text).toContain('Before the nest,');
    expect(deep.text).not.toContain('Deep inside,');
  });
});
