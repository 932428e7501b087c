import { describe, expect, it } from 'vitest';
import { extractMainText } from '../../../src/ingest/html.js';
import { htmlBlocks } from '../../../src/text/html/blocks.js';

const para = (s: string): string => `<p>${s}</p>`;
const LONG_EN =
  'The committee met on Tuesday to discuss the plan for the new library, and after a long debate it decided that the building should open on Sundays as well, because many of the people who use it work during the week.';
const LONG_EN_2 =
  'Most of the members agreed that the budget was enough for the first year, but they asked the city to review the costs again in the spring, when the numbers from the first months of the new opening hours would be known to all of them.';

describe('extractMainText', () => {
  it('drops script, style, nav, header, footer, aside and form text and keeps the article', () => {
    const html = `<html><head><title>T</title><style>.x{color:red}</style><script>var secret = 1;</script></head><body>
      <header><a href="/">Home</a></header><nav><a href="/a">About</a></nav>
      <main>${para(LONG_EN)}${para(LONG_EN_2)}</main>
      <aside>Sponsored: buy now</aside><form><label>Email</label><input name="e"></form>
      <footer>Copyright 2026</footer><script>track()</script></body></html>`;
    const { text, title } = extractMainText(html);
    expect(title).toBe('T');
    expect(text).toBe(`${LONG_EN}\n${LONG_EN_2}`);
    for (const bad of ['secret', 'color', 'Home', 'About', 'Sponsored', 'Email', 'Copyright', 'track'])
      expect(text).not.toContain(bad);
  });

  it('drops boilerplate marked by class, id, role or hidden attributes', () => {
    const html = `<body><div id="cookie-banner">We use cookies to make this site work better for you every day.</div>
      <div class="share-bar social">Share this on every network you know of, right now please.</div>
      <div role="navigation">Menu entries that nobody reads when they come to this site.</div>
      <div hidden>Hidden text that is never shown to a reader of this page at all.</div>
      <article>${para(LONG_EN)}</article></body>`;
    expect(extractMainText(html).text).toBe(LONG_EN);
  });

  it('keeps an article header (the title lives there) but drops the site header', () => {
    const html = `<body><header class="top">Site name</header><article><header><h1>Library opens on Sundays</h1></header>${para(LONG_EN)}</article></body>`;
    expect(extractMainText(html).text).toBe(`Library opens on Sundays\n${LONG_EN}`);
  });

  it('keeps headings, list items, code blocks and table rows with line breaks', () => {
    const html = `<body><article><h2>Results of the vote</h2>${para(LONG_EN)}
      <ul><li>the members of the board were asked to vote on the plan in the spring;</li><li>the vote was close and the plan was accepted in the end.</li></ul>
      <pre><code>def f(x):
    return x + 1</code></pre>
      <table><tr><th>Year</th><th>Visitors</th></tr><tr><td>2025</td><td>1200</td></tr></table>
      ${para(LONG_EN_2)}</article></body>`;
    const lines = extractMainText(html).text.split('\n');
    expect(lines).toEqual([
      'Results of the vote',
      LONG_EN,
      'the members of the board were asked to vote on the plan in the spring;',
      'the vote was close and the plan was accepted in the end.',
      'def f(x):',
      '    return x + 1',
      'Year | Visitors',
      '2025 | 1200',
      LONG_EN_2,
    ]);
  });

  it('drops link-dense blocks (menus, tag clouds) between good paragraphs', () => {
    const links = Array.from({ length: 12 }, (_, i) => `<a href="/t${i}">topic number ${i}</a>`).join(' ');
    const html = `<body>${para(LONG_EN)}<div>${links}</div>${para(LONG_EN_2)}</body>`;
    expect(extractMainText(html).text).toBe(`${LONG_EN}\n${LONG_EN_2}`);
  });

  it('decodes entities and collapses whitespace', () => {
    const { blocks } = htmlBlocks('<p>caf&eacute; &amp;   tea&nbsp;time\n\n&#x1F600;</p>');
    expect(blocks.map((b) => b.text)).toEqual(['café & tea time 😀']);
  });

  it('keeps Chinese text, which has no spaces and no stop-word list match', () => {
    const zh =
      '混合专家模型把前馈网络拆分成许多较小的专家，每个词元只激活其中少数几个专家，因此参数总量可以很大，而每个词元的计算量基本不变。';
    const html = `<body><nav><a href="/">首页</a></nav><div>${para(zh)}</div></body>`;
    expect(extractMainText(html).text).toBe(zh);
  });

  it('returns nothing for a page that is only navigation', () => {
    expect(
      extractMainText('<body><ul><li><a href="/">Home</a></li><li><a href="/x">Shop</a></li></ul></body>').text,
    ).toBe('');
  });
});
